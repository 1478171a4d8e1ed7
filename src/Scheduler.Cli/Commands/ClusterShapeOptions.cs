using System.CommandLine;
using Scheduler.Cli.CommandLine;
using Scheduler.Core.Model;

namespace Scheduler.Cli.Commands;

/// <summary><c>--ranks G --batch B</c>: the cluster a command places requests on, with that command's defaults.</summary>
public sealed class ClusterShapeOptions(int defaultRanks, int defaultBatch, int maxRanks = 1_000_000, string ranksNote = "") : IOptionGroup
{
    public Option<int> Ranks { get; } = CliOption.Int("--ranks", "data-parallel ranks" + ranksNote, defaultRanks, 1, maxRanks, helpName: "G");
    public Option<int> Batch { get; } = CliOption.Int("--batch", "active requests per rank", defaultBatch, 1, 1_000_000, helpName: "B");

    public IEnumerable<Option> Options => [Ranks, Batch];

    public ClusterShape Read(ParseResult parse) => new(parse.GetValue(Ranks), parse.GetValue(Batch));
}
