using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Cli.Commands;

/// <summary>
/// The policies a command runs (<c>--policy</c>, with that command's default) and the run-wide settings every
/// policy spec starts from (<c>--horizon --predictor --noise --stale --policy-seed</c>).
/// </summary>
public sealed class PolicyOptions(string defaultPolicies, string policyDescription) : IOptionGroup
{
    private static readonly PolicyDefaults Fallback = new();

    public Option<string> Policies { get; } = PolicyList(defaultPolicies, policyDescription);

    public Option<int?> Horizon { get; } = CliOption.OptionalInt("--horizon",
        $"BF-IO lookahead in steps (default: bfio-ref {ReferenceConstants.BfioDefaultHorizon}, 0 = the paper's H=0 variant; bfio {Fallback.BfioHorizon})",
        min: 0, helpName: "H");

    public Option<Choice<string>> Predictor { get; } = CliOption.Choice("--predictor", "bfio's output-length predictor",
        Fallback.Predictor, PredictorCatalog.Names.Select(n => (n, n)).ToArray());

    public Option<double> Noise { get; } = CliOption.Double("--noise", "relative noise δ of the noisy predictor: o·U[1−δ, 1+δ]",
        Fallback.Noise, 0.0, helpName: "D");

    public Option<double> Stale { get; } = CliOption.Double("--stale", "production baselines read load snapshots S simulated seconds old",
        Fallback.StaleSeconds, 0.0, helpName: "S");

    public Option<int> PolicySeed { get; } = CliOption.Int("--policy-seed", "seed for randomised policies", Fallback.Seed);

    public IEnumerable<Option> Options => [Policies, Horizon, Predictor, Noise, Stale, PolicySeed];

    public IReadOnlyList<PolicySpec> ReadSpecs(ParseResult parse) => ParsePolicies(parse.GetValue(Policies)!);

    /// <param name="config">A loaded configuration whose <c>scheduler.policies</c> parameters apply (under the specs' own
    /// and under any of these options given explicitly); null for none.</param>
    public PolicyDefaults ReadDefaults(ParseResult parse, Akka.Configuration.Config? config = null)
    {
        var horizon = parse.GetValue(Horizon);
        var defaults = new PolicyDefaults
        {
            Horizon = horizon ?? ReferenceConstants.BfioDefaultHorizon,
            BfioHorizon = horizon ?? Fallback.BfioHorizon,
            Predictor = parse.GetValue(Predictor).Value,
            Noise = parse.GetValue(Noise),
            StaleSeconds = parse.GetValue(Stale),
            Seed = parse.GetValue(PolicySeed),
        };
        if (config is null) return defaults;
        var explicitKeys = new List<string>();
        if (Given(parse, Horizon)) explicitKeys.Add("h");
        if (Given(parse, Predictor)) explicitKeys.Add("predictor");
        if (Given(parse, Noise)) explicitKeys.Add("noise");
        if (Given(parse, Stale)) explicitKeys.Add("stale");
        if (Given(parse, PolicySeed)) explicitKeys.Add("seed");
        return defaults with { Configured = PolicyConfigSection.Without(PolicyConfigSection.Read(config), explicitKeys) };
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary><c>--policy LIST</c>: comma-separated policy specs whose names are checked against the catalogue while
    /// parsing, so a typo in the last policy of a run fails before the first one starts.</summary>
    public static Option<string> PolicyList(string defaultPolicies, string description) =>
        CliOption.Text("--policy", description, defaultPolicies, helpName: "LIST", check: list =>
        {
            try
            {
                foreach (var spec in ParsePolicies(list))
                    if (!PolicyCatalog.Names.Contains(spec.Name))
                        throw new FormatException($"unknown policy '{spec.Text}'; known: {string.Join(", ", PolicyCatalog.Names)}");
            }
            catch (UsageException e) { throw new FormatException(e.Message); }
        });

    public static IReadOnlyList<PolicySpec> ParsePolicies(string list)
    {
        try
        {
            var specs = PolicySpec.ParseList(list);
            if (specs.Count == 0) throw new UsageException("--policy needs at least one policy");
            return specs;
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    public static IPlacementPolicy CreatePolicy(PolicySpec spec, PolicyDefaults defaults)
    {
        try { return PolicyCatalog.Create(spec, defaults); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
