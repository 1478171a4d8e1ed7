using Scheduler.Core.Policies;
using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Policies;

/// <summary>Issue 12 point 7: a key a policy does not know, or a value out of its range, is an error naming both.</summary>
public sealed class PolicyParameterTests
{
    public static IEnumerable<object[]> PolicyNames() => PolicyCatalog.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(PolicyNames))]
    public void Every_policy_refuses_a_key_it_does_not_know(string name)
    {
        var error = Assert.Throws<PolicyParameterException>(() => PolicyCatalog.Create($"{name}:predicter=none"));

        Assert.Equal("predicter", error.Key);
        Assert.StartsWith($"policy '{name}:predicter=none': unknown key 'predicter'", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [MemberData(nameof(PolicyNames))]
    public void Every_key_a_policy_lists_is_accepted_at_its_default(string name)
    {
        // KeysOf is what the factory reads; spelling each back at its configured default must build the same policy.
        foreach (var key in PolicyCatalog.KeysOf(name))
        {
            var value = key switch { "predictor" => "oracle", "sample" => "1", "decay" => "0.6", "maxwait" => "128", _ => "0" };
            Assert.Equal($"{name}:{key}={value}", PolicyCatalog.Create($"{name}:{key}={value}").Name);
        }
    }

    [Theory]
    [InlineData("bfio:h=-1", "h", "must be ≥ 0")]
    [InlineData("bfio:decay=1.5", "decay", "must lie in (0, 1]")]
    [InlineData("bfio:select=2", "select", "must be -1 or lie in [0, 1]")]
    [InlineData("bfio:maxwait=0", "maxwait", "must be ≥ 1")]
    [InlineData("bfio:sample=2", "sample", "must lie in [0, 1]")]
    [InlineData("bfio:life=2", "life", "must lie in [0, 1]")]
    [InlineData("bfio:noise=-0.1", "noise", "must be ≥ 0")]
    [InlineData("bfio:predictor=psychic", "predictor", "must be one of oracle, noisy, none, online, running-oracle")]
    [InlineData("bfio:w0=NaN", "w0", "must be a finite number")]
    [InlineData("bfio-ref:h=-3", "h", "must be ≥ 0")]
    [InlineData("bfio-ref:h=x", "h", "must be an integer")]
    [InlineData("vllm:stale=-1", "stale", "must be ≥ 0")]
    [InlineData("p2c:seed=1.5", "seed", "must be an integer")]
    public void An_out_of_range_value_names_the_policy_the_key_and_the_rule(string spec, string key, string rule)
    {
        var error = Assert.Throws<PolicyParameterException>(() => PolicyCatalog.Create(spec));

        Assert.Equal(key, error.Key);
        var value = spec[(spec.IndexOf('=') + 1)..];
        Assert.Equal($"policy '{spec}': {key}={value} {rule}", error.Message);
    }

    [Fact]
    public void Configured_parameters_apply_under_the_specs_own()
    {
        var defaults = new PolicyDefaults
        {
            Configured = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["bfio"] = new Dictionary<string, string> { ["h"] = "4", ["decay"] = "0.5", ["predictor"] = "online" },
            },
        };

        var configured = (BfioPolicy)PolicyCatalog.Create(PolicySpec.Parse("bfio"), defaults);
        var overridden = (BfioPolicy)PolicyCatalog.Create(PolicySpec.Parse("bfio:h=2"), defaults);

        Assert.Equal(new BfioSettings { Horizon = 4, Decay = 0.5 }, configured.Settings);
        Assert.Equal("online", configured.Predictor.Name);
        Assert.Equal(new BfioSettings { Horizon = 2, Decay = 0.5 }, overridden.Settings);
    }

    [Fact]
    public void A_bad_configured_value_is_named_by_its_configuration_path()
    {
        var defaults = new PolicyDefaults
        {
            Configured = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["bfio-ref"] = new Dictionary<string, string> { ["h"] = "-1" },
                ["jsq"] = new Dictionary<string, string> { ["window"] = "3" },
            },
        };

        var range = Assert.Throws<PolicyParameterException>(() => PolicyCatalog.Create(PolicySpec.Parse("bfio-ref"), defaults));
        var unknown = Assert.Throws<PolicyParameterException>(() => PolicyCatalog.Create(PolicySpec.Parse("jsq"), defaults));

        Assert.Equal("policy 'bfio-ref': scheduler.policies.bfio-ref.h = -1 must be ≥ 0", range.Message);
        Assert.StartsWith("policy 'jsq': unknown key 'scheduler.policies.jsq.window'", unknown.Message);
    }

    [Fact]
    public void A_settings_record_built_in_code_is_checked_by_the_same_rules()
    {
        var error = Assert.Throws<PolicyParameterException>(() => new BfioSettings { AgingSteps = -2 }.Validate());

        Assert.Equal("aging", error.Key);
        Assert.Equal("aging=-2: must be ≥ 0", error.Message);
    }
}
