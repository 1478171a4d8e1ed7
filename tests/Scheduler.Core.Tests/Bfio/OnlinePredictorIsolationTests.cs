using Scheduler.Core.Model;
using Scheduler.Core.Policies;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>
/// The online predictor may learn only from finished requests: two runs whose workloads differ only in
/// the true output lengths (and ô) of requests that have not finished yet must make identical decisions.
/// </summary>
public sealed class OnlinePredictorIsolationTests
{
    private const int Steps = 40;

    private static Workload Build(int seed, bool scrambleHidden)
    {
        var rng = new Random(seed);
        var hidden = new Random(seed + 1);
        var requests = new Request[400];
        for (var i = 0; i < requests.Length; i++)
        {
            var prompt = rng.Next(10) == 0 ? rng.Next(1000, 6000) : rng.Next(20, 600);
            var output = rng.Next(3) == 0 ? rng.Next(Steps + 1, 400) : rng.Next(1, 30);
            var predicted = output;
            // Outputs that cannot have finished within the run, and every ô, differ between the twins.
            if (scrambleHidden)
            {
                if (output > Steps) output = Steps + 1 + hidden.Next(5000);
                predicted = hidden.Next(0, 3000);
            }
            requests[i] = new Request(i, prompt, output, predicted);
        }
        return new Workload(requests, $"twin(seed {seed}, scrambled {scrambleHidden})");
    }

    private static IReadOnlyList<Admission> Drive(Workload workload, string policySpec)
    {
        var shape = new ClusterShape(4, 8);
        var state = new ClusterState(workload, shape);
        var policy = PolicyCatalog.Create(policySpec);
        var finished = new List<int>();
        for (var k = 0; k < Steps; k++)
        {
            state.RevealUpTo(shape.RevealWindow);
            state.BeginPolicyCall();
            policy.Place(state);
            state.CompactQueue();
            finished.Clear();
            state.AdvanceStep(0.01, finished);
        }
        return state.Admissions.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Online_bfio_decides_the_same_whatever_unfinished_requests_will_turn_out_to_be(int seed)
    {
        var plain = Drive(Build(seed, scrambleHidden: false), "bfio:predictor=online");
        var scrambled = Drive(Build(seed, scrambleHidden: true), "bfio:predictor=online");
        Assert.True(plain.Count > 60, $"the run should admit plenty ({plain.Count})");
        Assert.Equal(plain, scrambled);
    }

    [Fact]
    public void The_oracle_by_contrast_does_read_the_hidden_lengths()
    {
        // Sanity check of the twin construction: a predictor that reads ô tells the twins apart.
        var plain = Drive(Build(1, scrambleHidden: false), "bfio:predictor=oracle");
        var scrambled = Drive(Build(1, scrambleHidden: true), "bfio:predictor=oracle");
        Assert.NotEqual(plain, scrambled);
    }
}
