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
