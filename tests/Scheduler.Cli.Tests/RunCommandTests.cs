using System.Text.Json;

namespace Scheduler.Cli.Tests;

/// <summary>`scheduler run` end to end: a real actor system with an embedded single-node cluster per policy.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_on_the_actor_runtime_gives_the_same_summary_as_simulate_backlogged()
    {
        string[] common = ["--requests", CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv"), "--count", "1500", "--seed", "3",
            "--ranks", "4", "--batch", "8", "--arrivals", "backlog", "--policy", "fcfs,bfio-ref", "--format", "json", "--quiet"];
        var run = CliRun.Of(["run", .. common]);
        var simulate = CliRun.Of(["simulate", .. common]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, simulate.ExitCode);
        var a = JsonDocument.Parse(run.Stdout).RootElement;
        var b = JsonDocument.Parse(simulate.Stdout).RootElement;
        for (var i = 0; i < 2; i++)
            foreach (var key in new[] { "avg_imbalance", "throughput", "makespan", "avg_finish_time", "tpot", "total_energy" })
                Assert.Equal(b[i].GetProperty(key).GetDouble(), a[i].GetProperty(key).GetDouble(), 9);
    }

    [Fact]
    public void A_streamed_request_file_rejects_malformed_records_by_line_and_completes_the_rest()
    {
        var path = Path.Combine(_dir, "mixed.csv");
        File.WriteAllLines(path, ["id,prompt_tokens,output_tokens,predicted_output_tokens", "0,10,5,5", "1,abc,5,5", "2,30,0,3", "3,40,2,2"]);
        var results = Path.Combine(_dir, "not-yet", "done.csv");

        var run = CliRun.Of("run", "--requests", path, "--ranks", "2", "--batch", "2", "--policy", "fcfs", "--results", results, "--format", "json", "--quiet");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"{path}:3", run.Stderr);
        Assert.Contains($"{path}:4", run.Stderr);
        Assert.Equal(2, JsonDocument.Parse(run.Stdout).RootElement[0].GetProperty("requests").GetInt32());
        Assert.Equal(1 + 2, File.ReadAllLines(results).Length);
    }

    [Fact]
    public void Run_help_documents_the_engine_and_config_options()
    {
        var run = CliRun.Of("run", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--engine", run.Stdout);
        Assert.Contains("--config", run.Stdout);
    }
}

/// <summary>`scheduler run --engine torch`: real TorchSharp decode on every rank actor.</summary>
public sealed class TorchEngineRunTests
{
    [Fact]
    public void Real_decode_on_every_rank_keeps_the_placement_of_a_time_independent_policy_and_measures_step_times()
    {
        // fcfs backlogged admits by slots alone, so real and virtual step times must give the same steps.
        string[] common = ["--requests", CliRun.RepoFile("data/fixtures/burst-n20000-seed7.requests.csv"), "--count", "60", "--seed", "5",
            "--ranks", "2", "--batch", "4", "--arrivals", "backlog", "--policy", "fcfs", "--format", "json", "--quiet"];
        var torch = CliRun.Of(["run", "--engine", "torch", .. common]);
        var model = CliRun.Of(["simulate", .. common]);

        Assert.True(torch.ExitCode == 0, torch.Stderr);
        var t = JsonDocument.Parse(torch.Stdout).RootElement[0];
        var m = JsonDocument.Parse(model.Stdout).RootElement[0];
        Assert.Equal(m.GetProperty("steps").GetInt32(), t.GetProperty("steps").GetInt32());
        Assert.Equal(m.GetProperty("last_admission_step").GetInt32(), t.GetProperty("last_admission_step").GetInt32());
        Assert.Equal(60, t.GetProperty("requests").GetInt32());
        Assert.True(t.GetProperty("makespan").GetDouble() > 0);
        Assert.InRange(t.GetProperty("barrier_idle_fraction_all").GetDouble(), 0.0, 0.999);
        Assert.NotEqual(m.GetProperty("makespan").GetDouble(), t.GetProperty("makespan").GetDouble());
    }
}

/// <summary><c>scheduler serve --engine torch</c>: real TorchSharp decode behind the service.</summary>
public sealed class TorchServeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-torch-serve-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_request_longer_than_the_models_context_fails_at_admission_with_the_reason_and_the_others_decode()
    {
        var requests = Path.Combine(_dir, "requests.jsonl");
        File.WriteAllLines(requests,
        [
            "{\"id\": \"short\", \"prompt_tokens\": 100, \"output_tokens\": 5}",
            "{\"id\": \"too-long\", \"prompt_tokens\": 16000, \"output_tokens\": 500}",
            "{\"id\": \"other\", \"prompt_tokens\": 300, \"output_tokens\": 8}",
        ]);
        var results = Path.Combine(_dir, "results.jsonl");

        var run = CliRun.Of("serve", "--engine", "torch", "--source", $"file:{requests}", "--results", $"file:{results}", "--ranks", "2", "--batch", "4",
            "--http", "off", "--progress-interval", "off", "--metrics-snapshot", "", "--format", "json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var byId = File.ReadAllLines(results).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal("failed", byId["too-long"].GetProperty("status").GetString());
        Assert.Equal("prompt_tokens + output_tokens = 16500 exceeds the model's context of 16384 tokens", byId["too-long"].GetProperty("reason").GetString());
        Assert.Equal((5, 8), (byId["short"].GetProperty("output_tokens").GetInt32(), byId["other"].GetProperty("output_tokens").GetInt32()));
        var summary = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal((3, 2, 1), (summary.GetProperty("accepted").GetInt32(), summary.GetProperty("completed").GetInt32(), summary.GetProperty("failed").GetInt32()));
    }
}
