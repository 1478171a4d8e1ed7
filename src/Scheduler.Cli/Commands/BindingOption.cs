using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;
using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Cli.Commands;

/// <summary><c>--binding pool|arrival</c>: when a request is tied to a rank, and so which form of each policy runs.</summary>
public static class BindingOption
{
    public static Option<Choice<BindingMode>> Create() => CliOption.Choice("--binding",
        "pool: a policy admits from one central queue into any rank's free slots at each step (the paper's setting); " +
        "arrival: each request is routed to a rank when it arrives and waits in that rank's own queue (vLLM, SGLang, " +
        $"TensorRT-LLM); policies with an arrival form: {string.Join(", ", ArrivalRouterCatalog.Names)}",
        "pool", ("pool", BindingMode.Pool), ("arrival", BindingMode.Arrival));

    /// <summary>compare's <c>--binding LIST</c>: one or both bindings, each policy run in each where it has a form.</summary>
    public static Option<string> CreateList() => CliOption.Text("--binding",
        "comma-separated bindings, each policy run in each that has a form of it: pool (one central queue, the paper's setting) " +
        $"and arrival (routed to a rank on arrival; policies with an arrival form: {string.Join(", ", ArrivalRouterCatalog.Names)})",
        "pool", helpName: "LIST", check: list => ParseList(list));

    /// <summary>The bindings of a list, in order, once each; an unknown or empty list is a <see cref="FormatException"/>.</summary>
    public static IReadOnlyList<BindingMode> ParseList(string list)
    {
        var modes = new List<BindingMode>();
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var mode = part.ToLowerInvariant() switch
            {
                "pool" => BindingMode.Pool,
                "arrival" => BindingMode.Arrival,
                _ => throw new FormatException($"unknown binding '{part}'; use pool, arrival or both"),
            };
            if (!modes.Contains(mode)) modes.Add(mode);
        }
        return modes.Count > 0 ? modes : throw new FormatException("needs at least one binding (pool, arrival)");
    }

    /// <summary>
    /// The specs that run in <paramref name="binding"/>: those with a form there. With one binding every spec must
    /// have one (as <see cref="Check"/>); with several, a spec is skipped where it has none but must run somewhere.
    /// </summary>
    public static IReadOnlyDictionary<BindingMode, IReadOnlyList<PolicySpec>> Split(IReadOnlyList<PolicySpec> specs, IReadOnlyList<BindingMode> bindings,
        PolicyDefaults defaults)
    {
        if (bindings.Count == 1)
        {
            Check(specs, defaults, bindings[0]);
            return new Dictionary<BindingMode, IReadOnlyList<PolicySpec>> { [bindings[0]] = specs };
        }
        var split = bindings.ToDictionary(b => b, _ => new List<PolicySpec>());
        foreach (var spec in specs)
        {
            UsageException? first = null;
            foreach (var binding in bindings)
            {
                try
                {
                    Check([spec], defaults, binding);
                    split[binding].Add(spec);
                }
                catch (UsageException e) { first ??= e; }
            }
            if (split.Values.All(list => !list.Contains(spec))) throw first!;
        }
        return split.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<PolicySpec>)kv.Value);
    }

    /// <summary>What --policy means when it is not given: <paramref name="poolDefault"/>, or with arrival binding every router.</summary>
    public static string DefaultPolicies(BindingMode binding, string poolDefault) =>
        binding == BindingMode.Arrival ? string.Join(",", ArrivalRouterCatalog.Names) : poolDefault;

    public static IArrivalRouter CreateRouter(PolicySpec spec, PolicyDefaults defaults)
    {
        try { return ArrivalRouterCatalog.Create(spec, defaults); }
        catch (ArgumentException e) { throw new UsageException($"--binding arrival: {e.Message}"); }
    }

    /// <summary>Creates each spec's policy or router once, so a name without an arrival form or a bad key fails before any run.</summary>
    public static void Check(IEnumerable<PolicySpec> specs, PolicyDefaults defaults, BindingMode binding)
    {
        foreach (var spec in specs)
        {
            try
            {
                if (binding == BindingMode.Arrival) ArrivalRouterCatalog.Create(spec, defaults);
                else PolicyCatalog.Create(spec, defaults);
            }
            catch (ArgumentException e) { throw new UsageException(binding == BindingMode.Arrival ? $"--binding arrival: {e.Message}" : e.Message); }
        }
    }
}
