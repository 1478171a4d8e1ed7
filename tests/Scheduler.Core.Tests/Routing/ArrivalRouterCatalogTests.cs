using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Routing;

namespace Scheduler.Core.Tests.Routing;

/// <summary>With arrival binding a policy name selects its native router, with the same parameter syntax.</summary>
public sealed class ArrivalRouterCatalogTests
{
    [Theory]
    [InlineData("vllm", typeof(VllmRouter))]
    [InlineData("sglang-requests", typeof(SglangRequestsRouter))]
    [InlineData("sglang-tokens", typeof(SglangTokensRouter))]
    [InlineData("trtllm", typeof(TrtllmRouter))]
    [InlineData("p2c", typeof(PowerOfTwoChoicesRouter))]
    [InlineData("round-robin", typeof(RoundRobinRouter))]
    [InlineData("random", typeof(RandomRouter))]
    [InlineData("bfio", typeof(BfioRouter))]
    public void A_policy_name_selects_its_native_router(string name, Type router)
    {
        var created = ArrivalRouterCatalog.Create(name);

        Assert.IsType(router, created);
        Assert.Equal(name, created.Name);
    }

    [Fact]
    public void Parameters_use_the_policy_syntax_and_stale_overrides_the_native_lag()
    {
        Assert.Equal(0.1, ((VllmRouter)ArrivalRouterCatalog.Create("vllm")).StaleSeconds);
        Assert.Equal(0.02, ((VllmRouter)ArrivalRouterCatalog.Create("vllm:stale=0.02")).StaleSeconds);
        Assert.Equal(0.0, ((VllmRouter)ArrivalRouterCatalog.Create("vllm:stale=0")).StaleSeconds);
        Assert.Equal(0.05, ((TrtllmRouter)ArrivalRouterCatalog.Create("trtllm", new PolicyDefaults { StaleSeconds = 0.05 })).StaleSeconds);
        Assert.Equal("vllm:stale=0.02", ArrivalRouterCatalog.Create("vllm:stale=0.02").Name);
    }

    [Theory]
    [InlineData("vllm:stail=1", "unknown key 'stail'")]
    [InlineData("round-robin:seed=1", "unknown key 'seed'")]
    [InlineData("vllm:stale=-1", "stale=-1")]
    [InlineData("p2c:seed=x", "seed=x")]
    public void Unknown_keys_and_bad_values_are_refused_naming_them(string spec, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ArrivalRouterCatalog.Create(spec));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("fcfs")]
    [InlineData("jsq")]
    [InlineData("bfio-ref:h=0")]
    public void A_pool_policy_without_an_arrival_form_is_an_error_naming_it(string spec)
    {
        var error = Assert.Throws<ArgumentException>(() => ArrivalRouterCatalog.Create(spec));

        Assert.Contains($"policy '{spec}' has no arrival form", error.Message);
        Assert.Contains("vllm", error.Message);
    }

    [Fact]
    public void Every_router_is_the_arrival_form_of_a_known_policy()
    {
        Assert.All(ArrivalRouterCatalog.Names, name => Assert.Contains(name, PolicyCatalog.Names));
    }
}
