using Scheduler.Core.Policies;
using Scheduler.Core.Sweeps;

namespace Scheduler.Core.Tests.Policies;

public sealed class PolicySpecTests
{
    [Fact]
    public void A_spec_keeps_its_exact_text_and_reads_its_parameters()
    {
        var spec = PolicySpec.Parse("bfio:predictor=online;h=8");

        Assert.Equal("bfio:predictor=online;h=8", spec.Text);
        Assert.Equal("bfio", spec.Name);
        Assert.Equal(8, spec.GetInt("h", 16));
        Assert.Equal(0.2, spec.GetDouble("noise", 0.2));
        Assert.Equal("online", spec.Parameters["predictor"]);
    }

    [Fact]
    public void A_list_splits_on_commas_and_parameters_on_semicolons()
    {
        var specs = PolicySpec.ParseList("fcfs, bfio-ref:h=0 ,bfio:h=4;sweeps=1");

        Assert.Equal(["fcfs", "bfio-ref:h=0", "bfio:h=4;sweeps=1"], specs.Select(s => s.Text));
        Assert.Equal(1, specs[2].GetInt("sweeps", -1));
    }

    [Theory]
    [InlineData("bfio:h")]
    [InlineData("bfio:=3")]
    [InlineData("   ")]
    public void Malformed_specs_are_refused(string text) =>
        Assert.Throws<ArgumentException>(() => PolicySpec.Parse(text));

    [Fact]
    public void A_parameter_that_is_not_a_number_names_the_policy()
    {
        var error = Assert.Throws<ArgumentException>(() => PolicySpec.Parse("bfio-ref:h=x").GetInt("h", 72));
        Assert.Contains("bfio-ref:h=x", error.Message);
    }

    [Fact]
    public void Unknown_policies_list_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => PolicyCatalog.Create("nope"));
        Assert.Contains("fcfs", error.Message);
        Assert.Contains("bfio", error.Message);
    }

    [Fact]
    public void A_sweep_varies_the_horizon_only_for_bf_io_policies_without_a_fixed_one()
    {
        var grid = new SweepGrid(PolicySpec.ParseList("fcfs,bfio,bfio-ref:h=0"), [16, 32], [72], [0, 8], [0.0], [1, 2]);

        var points = grid.Points();

        // fcfs and bfio-ref:h=0 once per (G, seed); bfio once per (G, seed, H).
        Assert.Equal(2 * 2 * (1 + 2 + 1), points.Count);
        Assert.Equal(["bfio:h=0", "bfio:h=8"], points.Where(p => p.Policy.Name == "bfio").Select(p => p.PolicyText).Distinct());
        Assert.All(points.Where(p => p.Policy.Name != "bfio"), p => Assert.Null(p.Horizon));
    }
}
