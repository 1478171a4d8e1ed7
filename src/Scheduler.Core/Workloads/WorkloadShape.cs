using System.Globalization;

namespace Scheduler.Core.Workloads;

/// <summary>
/// A named workload a user can ask for (<c>--trace synthetic:shape=NAME</c>, <c>scheduler workload --shape NAME</c>):
/// what its requests look like and where its parameters come from (<see cref="Basis"/>). Output predictions are the
/// true lengths (the oracle; predictors that guess are the policy's business).
/// </summary>
/// <param name="ArrivalCv">Coefficient of variation of the gaps between timed arrivals: 1 = Poisson; above 1 the
/// gaps are Gamma-distributed with shape 1/CV², so arrivals come in bursts.</param>
public sealed record WorkloadShape(string Name, string Summary, string Basis, IReadOnlyList<ShapeComponent> Components, double ArrivalCv = 1.0)
{
    /// <summary>Smallest prompt any component can draw.</summary>
    public int PromptMin => Components.Min(c => c.Prompt.Min);
    public int PromptMax => Components.Max(c => c.Prompt.Max);
    public int OutputMin => Components.Min(c => c.Output.Min);
    public int OutputMax => Components.Max(c => c.Output.Max);

    /// <summary>The documentation of the shape's distributions, one line per component.</summary>
    public IEnumerable<string> DescribeComponents() => Components.Select(c =>
        Components.Count == 1
            ? $"prompt {c.Prompt.Describe()}; output {c.Output.Describe()}"
            : string.Create(CultureInfo.InvariantCulture,
                $"{c.Name} ({c.StartShare * 100:0}% → {c.EndShare * 100:0}%): prompt {c.Prompt.Describe()}; output {c.Output.Describe()}"));
}
