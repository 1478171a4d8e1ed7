using System.CommandLine;
using Scheduler.Brokers;
using Scheduler.Cli.CommandLine;
using Scheduler.Cli.Output;
using Scheduler.Core.Model;
using Scheduler.Core.Traces;
using Scheduler.Runtime.Endpoints;
using Scheduler.Runtime.Ingestion;

namespace Scheduler.Cli.Commands;

/// <summary>
/// <c>scheduler publish</c>: loads a trace (any format the project reads) into a sink as JSON request lines, each
/// at its recorded timestamp (rescaled), or at a fixed rate: the way to feed <c>serve</c> by hand, or a broker.
/// </summary>
public sealed class PublishCommand : SchedulerCommand
{
    private readonly InputFileOptions _files = new();
    private readonly Option<int?> _count = CliOption.OptionalInt("--count", "sample N requests from the trace with replacement (default: the whole trace)", 1);
    private readonly Option<int> _seed = CliOption.Int("--seed", "sampling seed", 42, helpName: "S");
    private readonly Option<double> _rateScale = CliOption.Double("--rate-scale",
        "send at X times the trace's recorded rate (its timestamps divided by X)", 1.0, 0.0, exclusiveMin: true);
    private readonly Option<double?> _rate = new("--rate")
    {
        Description = "send R requests per second, evenly spaced, instead of at the trace's timestamps",
        HelpName = "R",
        CustomParser = result =>
        {
            var raw = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (double.TryParse(raw, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) && r > 0 && double.IsFinite(r)) return r;
            result.AddError($"--rate {raw}: not a positive number of requests per second");
            return null;
        },
    };
    private readonly Option<string> _to = CliOption.Text("--to",
        "where the requests go: stdout, file:PATH, rabbitmq://HOST:PORT/QUEUE, nats://HOST:PORT/SUBJECT or redis://HOST:PORT/STREAM", "stdout", helpName: "URI");
    private readonly Option<bool> _quiet = OutputOptions.Quiet();

    public PublishCommand() : base("publish", "send a trace's requests as JSON lines to stdout, a file or a broker, paced by their timestamps")
    {
        this.Add(_files);
        foreach (var option in new Option[] { _count, _seed, _rateScale, _rate, _to, _quiet }) Options.Add(option);
    }

    public override string HelpNotes => $$"""
        With no input: the shipped Azure conversation trace (data/{{DataPaths.AzureConversationTrace}}).
        Each request is a line {"id": "i", "prompt_tokens": N, "output_tokens": N, "predicted_output_tokens": N}, sent when
        its timestamp (divided by --rate-scale) comes, counted from the first. For example:
          scheduler publish --count 2000 --rate-scale 50 | scheduler serve --source stdin --results stdout
          scheduler publish --count 10000 --rate 5000 --to rabbitmq://127.0.0.1:5672/requests
        A broker destination is declared if absent (a durable quorum queue; a JetStream stream capturing the subject; a
        Redis stream, entries {json: LINE}) and each request counts as sent once the broker confirms it.
        """;

    public override int Execute(ParseResult parse, CliConsole console)
    {
        var (requests, trace, format) = _files.Read(parse);
        var path = requests ?? trace ?? DataPaths.Resolve(DataPaths.AzureConversationTrace);
        Workload workload;
        try
        {
            workload = TraceReader.Read(path, requests is not null ? TraceFormat.RequestCsv : format);
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (parse.GetValue(_count) is { } count) workload = TraceSampler.Sample(workload, count, parse.GetValue(_seed));
        var rateScale = parse.GetValue(_rateScale);
        if (parse.GetValue(_rate) is { } rate)
        {
            // Evenly spaced: request i at i / R seconds.
            workload = new Workload(workload.Requests.Select((r, i) => r with { ArrivalSeconds = i / rate }), workload.Source);
            rateScale = 1.0;
        }

        var catalog = new EndpointCatalog().AddBrokers(BrokerContext.WritingTo(console.Error, "publish", BrokerSettings.Defaults));
        var to = parse.GetValue(_to)!;
        Runtime.Results.IResultSink sink;
        try { sink = catalog.Sink(to); }
        catch (ArgumentException e) { throw new UsageException($"--to {EndpointCatalog.Redact(to)}: {e.Message}"); }

        var progress = new ProgressReporter(console, parse.GetValue(_quiet));
        progress.Line($"publish: {workload.Count:N0} requests from {workload.Source} to {sink.Name}" +
                      (parse.GetValue(_rate) is { } r2 ? $" at {r2} req/s" : $" at ×{rateScale} their recorded rate"));
        long sent;
        using (console.Interrupt.Claim())
        {
            try
            {
                sent = RequestPublisher.PublishAsync(workload, rateScale, sink,
                    new DirectProgress<long>(n => progress.Update("publish", null, n, workload.Count)), console.Interrupt.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (console.Interrupt.Token.IsCancellationRequested)
            {
                progress.Line("publish: interrupted");
                return 130;
            }
            catch (IOException e)
            {
                // The reader went away (a closed pipe): nothing more can be delivered.
                console.Error.WriteLine($"error: publishing to {sink.Name}: {e.Message}");
                return 1;
            }
            finally
            {
                sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        progress.Line($"publish: {sent:N0} requests sent");
        return 0;
    }
}
