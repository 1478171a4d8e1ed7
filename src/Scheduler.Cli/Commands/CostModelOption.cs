using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.CostModels;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>--cost-model</c>: the step time the simulator and the cost-model engine use. <c>reference</c> (the
/// paper's C + t_len·L), <c>affine:alpha=A;beta=B;gamma=C</c>, or a HOCON file with a
/// <c>scheduler.cost-model</c> block (what <c>scheduler calibrate</c> writes).
/// </summary>
/// <param name="configOverridesDefault">The command takes --config, whose scheduler.cost-model block (if any) replaces the default.</param>
public sealed class CostModelOption(bool configOverridesDefault = false) : IOptionGroup
{
    public Option<string> CostModel { get; } = CliOption.Text("--cost-model",
        "step time per rank: reference (C + t_len·L), affine:alpha=A;beta=B;gamma=C (α + β·n + γ·L seconds), " +
        "or a HOCON file holding scheduler.cost-model (from calibrate)" +
        (configOverridesDefault ? "; without it, a --config file's scheduler.cost-model block applies" : ""),
        "reference", helpName: "SPEC", check: spec => Parse(spec, batchSize: 1));

    public IEnumerable<Option> Options => [CostModel];

    /// <param name="configPath">A --config file: its scheduler.cost-model block, if any, applies unless --cost-model is given.</param>
    public IStepCostModel Read(ParseResult parse, int batchSize, string? configPath = null)
    {
        // Given on the command line, not just the default: only then does it win over the --config file.
        var raw = parse.GetResult(CostModel) is { Implicit: false } ? parse.GetValue(CostModel) : null;
        // A --config file that carries a scheduler.cost-model block sets the model unless --cost-model is given.
        if (raw is null && configPath is not null && File.Exists(configPath) && HasCostModel(configPath)) raw = configPath;
        try
        {
            return Parse(raw, batchSize);
        }
        catch (FormatException e) { throw new UsageException($"--cost-model {raw}: {e.Message}"); }
    }

    public static IStepCostModel Parse(string? spec, int batchSize)
    {
        if (spec is null || spec.Equals("reference", StringComparison.OrdinalIgnoreCase)) return ReferenceLinearCost.ForBatch(batchSize);
        if (spec.StartsWith("affine:", StringComparison.OrdinalIgnoreCase))
        {
            var values = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (var part in spec["affine:".Length..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=');
                if (eq <= 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    throw new FormatException($"'{part}' is not name=number");
                values[part[..eq].Trim()] = v;
            }
            return Affine(values.GetValueOrDefault("alpha", double.NaN), values.GetValueOrDefault("beta", double.NaN), values.GetValueOrDefault("gamma", double.NaN));
        }
        if (!File.Exists(spec)) throw new FormatException("neither reference, affine:… nor an existing HOCON file");
        Config config;
        try { config = ConfigurationFactory.ParseString(File.ReadAllText(spec)); }
        catch (Exception e) { throw new FormatException($"not valid HOCON: {e.Message}"); }
        var block = config.GetConfig("scheduler.cost-model") ?? throw new FormatException("no scheduler.cost-model block");
        var kind = block.GetString("kind", "affine");
        if (kind.Equals("reference", StringComparison.OrdinalIgnoreCase)) return ReferenceLinearCost.ForBatch(batchSize);
        if (!kind.Equals("affine", StringComparison.OrdinalIgnoreCase)) throw new FormatException($"scheduler.cost-model.kind = {kind}: expected affine or reference");
        return Affine(block.GetDouble("alpha", double.NaN), block.GetDouble("beta", double.NaN), block.GetDouble("gamma", double.NaN));
    }

    private static bool HasCostModel(string path)
    {
        try { return ConfigurationFactory.ParseString(File.ReadAllText(path)).HasPath("scheduler.cost-model"); }
        catch (Exception) { return false; }
    }

    private static AffineCost Affine(double alpha, double beta, double gamma)
    {
        if (double.IsNaN(alpha) || double.IsNaN(beta) || double.IsNaN(gamma)) throw new FormatException("alpha, beta and gamma are all required");
        if (alpha < 0 || beta < 0 || gamma < 0) throw new FormatException("alpha, beta and gamma must not be negative");
        if (alpha + beta + gamma <= 0) throw new FormatException("a step must take some time: alpha, beta and gamma are all zero");
        return new AffineCost(alpha, beta, gamma);
    }
}
