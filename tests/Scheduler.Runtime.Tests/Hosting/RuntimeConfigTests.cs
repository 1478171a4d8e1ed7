using System.Text.RegularExpressions;
using Akka.Configuration;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Runtime.Tests.Hosting;

public sealed partial class RuntimeConfigTests
{
    [GeneratedRegex(@"^\s*(""[^""]+""|[A-Za-z0-9_.\-]+)\s*(=|\{)")]
    private static partial Regex KeyLine();

    [Fact]
    public void Every_key_in_scheduler_conf_has_a_comment_directly_above_it()
    {
        var lines = RuntimeConfig.DefaultsHocon.Split('\n');
        var undocumented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!KeyLine().IsMatch(lines[i])) continue;
            var above = i > 0 ? lines[i - 1].Trim() : "";
            if (!above.StartsWith('#')) undocumented.Add($"line {i + 1}: {lines[i].Trim()}");
        }
        Assert.True(undocumented.Count == 0, "keys without a comment above them:\n" + string.Join("\n", undocumented));
    }

    [Fact]
    public void The_shipped_file_is_the_embedded_defaults()
    {
        var shipped = File.ReadAllText(Path.Combine(Fixtures.ReferenceFixture.RepositoryRoot(), "config", "scheduler.conf"));
        Assert.Equal(shipped, RuntimeConfig.DefaultsHocon);
    }

    [Fact]
    public void The_defaults_make_an_embedded_single_node_cluster_on_the_loopback_interface()
    {
        var config = RuntimeConfig.Defaults;
        var settings = RuntimeSettings.FromConfig(config);

        Assert.True(settings.JoinSelf);
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("127.0.0.1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("off", config.GetString("akka.cluster.sharding.passivate-idle-entity-after"));
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Barrier.StepTimeout);
        Assert.Equal(settings.Barrier.StepTimeout, settings.Balancer.StepTimeout);
        Assert.Equal("rank", settings.RankTypeName);
    }

    [Fact]
    public void A_config_file_overrides_only_the_keys_it_names()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scheduler-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "scheduler.runtime.barrier.step-timeout = 2s\nscheduler.runtime.ingest.max-batch = 16\n");
        try
        {
            var settings = RuntimeSettings.FromConfig(RuntimeConfig.Load(path));

            Assert.Equal(TimeSpan.FromSeconds(2), settings.Barrier.StepTimeout);
            Assert.Equal(16, settings.Ingress.MaxBatch);
            Assert.Equal(4096, settings.Balancer.MaxUnrevealed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void An_invalid_setting_is_reported_with_its_key()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            RuntimeSettings.FromConfig(RuntimeConfig.Load(overrides: "scheduler.runtime.ingest.max-batch = 0")));

        Assert.Contains("scheduler.runtime.ingest.max-batch", error.Message);
    }

    [Fact]
    public void A_missing_config_file_is_reported_by_name()
    {
        var error = Assert.Throws<ConfigurationException>(() => RuntimeConfig.Load("/nonexistent/scheduler.conf"));
        Assert.Contains("/nonexistent/scheduler.conf", error.Message);
    }

    [Theory]
    [InlineData("scheduler.runtime.barrier.step-timout = 2s", "unknown key 'scheduler.runtime.barrier.step-timout' (did you mean 'scheduler.runtime.barrier.step-timeout'?)")]
    [InlineData("scheduler { runtime { ingest { max-bach = 3 } } }", "unknown key 'scheduler.runtime.ingest.max-bach' (did you mean 'scheduler.runtime.ingest.max-batch'?)")]
    [InlineData("scheduler.runtim.ingest.max-batch = 3", "unknown key 'scheduler.runtim.ingest.max-batch' (did you mean 'scheduler.runtime'?)")]
    [InlineData("scheduler { runtime { ", "not valid HOCON: '{' on line 1 is never closed")]
    [InlineData("scheduler.runtime.barrier { step-timeout = 2s }\n}", "not valid HOCON: '}' on line 2 closes nothing")]
    [InlineData("scheduler.runtime.ingest.max-batch = [1, 2", "not valid HOCON: '[' on line 1 is never closed")]
    public void A_misspelt_key_or_malformed_file_is_an_error_naming_the_file_and_the_key(string text, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"scheduler-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, text);
        try
        {
            var error = Assert.Throws<ConfigurationException>(() => RuntimeConfig.Load(path));
            Assert.Equal($"config file '{path}': {message}", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("scheduler.runtime.ingest.max-batch = lots", "scheduler.runtime.ingest.max-batch = lots: not an integer")]
    [InlineData("scheduler.runtime.barrier.step-timeout = soon", "scheduler.runtime.barrier.step-timeout = soon: not a duration (e.g. 500ms, 10s, 2m)")]
    [InlineData("scheduler.runtime.cluster.join-self = maybe", "scheduler.runtime.cluster.join-self = maybe: not on or off")]
    [InlineData("scheduler.runtime.ingest.max-unacknowledged = 0", "scheduler.runtime.ingest.max-unacknowledged = 0: must be positive")]
    public void A_bad_value_is_an_error_naming_the_key(string text, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => RuntimeSettings.FromConfig(RuntimeConfig.Load(overrides: text)));
        Assert.Equal(message, error.Message);
    }
}
