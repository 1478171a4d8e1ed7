using System.CommandLine;
using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Scheduler.Brokers;
using Scheduler.Cli.CommandLine;
using Scheduler.Runtime.Endpoints;
using Scheduler.Runtime.Hosting;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler consume</c>: reads a source and acknowledges every delivery at once, nothing else, through the same
/// adapter <c>serve</c> uses. The baseline of the broker benchmark (bench/broker-throughput.sh): what the broker and its
/// client deliver when nobody schedules, decodes or publishes results.
/// </summary>
public sealed class ConsumeCommand : SchedulerCommand
{
    private readonly Option<string> _source = CliOption.Text("--source", "the source to read, e.g. rabbitmq://127.0.0.1:5672/requests", helpName: "URI");
    private readonly Option<int> _count = CliOption.Int("--count", "stop after this many deliveries", 10_000, min: 1, helpName: "N");

    public ConsumeCommand() : base("consume", "benchmark baseline: read a source and acknowledge each delivery at once; prints deliveries per second")
    {
        Options.Add(_source);
        Options.Add(_count);
    }

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var uri = parse.GetValue(_source) ?? throw new UsageException("--source is required");
        var count = parse.GetValue(_count);
        var catalog = new EndpointCatalog().AddBrokers(BrokerContext.WritingTo(console.Error, "consume", BrokerSettings.Defaults));
        Runtime.Ingestion.IRequestSource source;
        try { source = catalog.Source(uri); }
        catch (ArgumentException e) { throw new UsageException($"--source {EndpointCatalog.Redact(uri)}: {e.Message}"); }

        using var system = ActorSystem.Create("consume", RuntimeConfig.Defaults);
        var materializer = system.Materializer();
        // From the start, connecting included, as serve's wall time counts from its pipeline's start.
        var clock = Stopwatch.StartNew();
        // Acknowledged before the count is taken: the source closes when the count is reached, with nothing in flight.
        var done = source.Open()
            .SelectAsync(64, async delivery =>
            {
                await delivery.Acknowledgement.AcknowledgeAsync().ConfigureAwait(false);
                return 1;
            })
            .Take(count)
            .RunWith(Sink.Aggregate<int, long>(0, (sum, one) => sum + one), materializer);
        long consumed;
        using var interrupt = console.Interrupt.Claim();
        try
        {
            consumed = done.WaitAsync(console.Interrupt.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        console.Out.WriteLine($"consumed {consumed:N0} from {source.Name} in {seconds:F2} s: {(seconds > 0 ? consumed / seconds : 0):N0} deliveries/s");
        return 0;
    }
}
