using Scheduler.Core.Policies.Bfio;

namespace Scheduler.Core.Tests.Bfio;

/// <summary>The exchange search's worklist (admitted and open bits) against a plain model of two flags per candidate.</summary>
public sealed class SearchWorklistTests
{
    /// <summary>
    /// Over random admissions, returns to the queue, openings and settlings, on counts inside one word, at a word's end and
    /// across words: the next candidate both admitted and open at or after any index is the model's, and whether any
    /// candidate is queued is the model's. Reset forgets every admission; OpenAll opens every candidate.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void The_next_open_admitted_candidate_is_the_one_a_scan_of_both_flags_finds(int count)
    {
        var random = new Random(count);
        var worklist = new SearchWorklist();
        worklist.Reset(count);
        worklist.OpenAll();
        var admitted = new bool[count];
        var open = Enumerable.Repeat(true, count).ToArray();
        for (var op = 0; op < 40 * count + 100; op++)
        {
            var i = random.Next(count);
            switch (random.Next(5))
            {
                case 0: worklist.Admit(i); admitted[i] = true; break;
                case 1: worklist.Queue(i); admitted[i] = false; break;
                case 2: worklist.Open(i); open[i] = true; break;
                case 3: worklist.Settle(i); open[i] = false; break;
                default:
                    if (random.Next(50) == 0)
                    {
                        worklist.OpenAll();
                        Array.Fill(open, true);
                    }
                    break;
            }
            var from = random.Next(count + 2);
            var expected = Enumerable.Range(from, Math.Max(0, count - from)).Where(j => admitted[j] && open[j]).DefaultIfEmpty(-1).First();
            Assert.Equal(expected, worklist.NextOpen(from));
            Assert.Equal(admitted.Contains(false), worklist.AnyQueued());
        }
        var visited = new List<int>();
        for (var j = worklist.NextOpen(0); j >= 0; j = worklist.NextOpen(j + 1)) visited.Add(j);
        Assert.Equal(Enumerable.Range(0, count).Where(j => admitted[j] && open[j]), visited);

        worklist.Reset(count);
        Assert.True(worklist.AnyQueued());
        Assert.Equal(-1, worklist.NextOpen(0));
    }
}
