using Akka.Serialization;
using Akka.TestKit.Xunit2;
using Scheduler.Core.Model;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;
using Scheduler.Runtime.Serialization;
using Scheduler.Runtime.Tests.Fixtures;

namespace Scheduler.Runtime.Tests.Serialization;

/// <summary>Every message that may cross nodes goes through the bound serializer and comes back equal.</summary>
public sealed class SchedulerMessageSerializerTests() : TestKit(TestConfig.Local())
{
    public static TheoryData<ISchedulerMessage> Messages() =>
    [
        new AdmitRequests(3, 17, [new RankRequest(1, 213, 7), new RankRequest(9, 1, 1)]),
        new Tick(31, 3266, 20000),
        new Tick(2, 7, 40, [new RankRequest(12, 300, 9)]),
        new Tick(2, 8, 41, [new RankRequest(13, 300, 9, "req-ü", 11)]),
        new Tick(2, 9, 43) { Enqueue = [new RankRequest(14, 30, 2, "q", 2), new RankRequest(15, 31, 3)], FromQueue = 2 },
        new AdmitRequests(3, 18, []) { Enqueue = [new RankRequest(16, 5, 1, "e")], FromQueue = 1 },
        new ListActive(5, 1_764_000_000_000),
        new ActiveListed(5, 1_764_000_000_000, [new ActiveSequence(3, "a-0", 100, 10, 12, 4), new ActiveSequence(9, "", 1, 2, 0, 1)]),
        new ActiveListed(6, 1, []),
        new AdoptActive(5, 1_764_000_000_000, [3, 9], [0, 1]),
        new ActiveAdopted(5, 1_764_000_000_000),
        new Tick(3, 8, 41) { Epoch = 1_764_000_000_000, Incarnation = -5_123_456_789 },
        new GetRankState(4),
        new RankStateResult(4, 12, 99, 72, 1_234_567_890_123),
        new StepCompleted(2, 5, 0.004887500000000001, 72, 345_678, [4, 8, 15]),
        new StepCompleted(2, 6, double.PositiveInfinity, 0, 0, []),
        new StepCompleted(4, 6, 0, 0, 0, []) { Epoch = 17, Incarnation = long.MinValue, Restarted = true },
        new RankStepFailed(1, 2, "out of memory"),
        new HostTick(12, 1_764_000_000_000, [new Tick(3, 12, 41, [new RankRequest(12, 300, 9)]) { Epoch = 1_764_000_000_000, Incarnation = 77 },
            new Tick(7, 12, 0) { Epoch = 1_764_000_000_000 }]),
        new HostTick(1, 0, []),
        new HostStepCompleted(12, [new StepCompleted(3, 12, 0.25, 1, 310, [12]) { Epoch = 5, Incarnation = 77 },
            new StepCompleted(7, 12, 0, 0, 0, []) { Epoch = 5, Incarnation = -1, Restarted = true }]),
        new HostStepCompleted(13, [new StepCompleted(3, 13, 0.1, 0, 0, [])], [new RankStepFailed(7, 13, "engine: out of memory")]),
        new HostStepCompleted(14, [new StepCompleted(3, 14, 0.1, 0, 0, [])]) { HostSeconds = 3.7e-5 },
        new BeginStep(8, [1, 2, 3]),
        new BeginStep(9, [1, 3, 3], [new AdmitRequests(1, 8, [new RankRequest(5, 10, 2), new RankRequest(6, 11, 3)])]),
        new BeginStepRejected(8, "step 7 is still open"),
        new StepBarrierPassed(9, 0.1, 0.05, [new StepCompleted(0, 9, 0.1, 1, 10, [3]), new StepCompleted(1, 9, 0.05, 0, 0, [])]),
        new RanksMissing(9, [1, 5], 2, true),
        new RankFailed(9, 1, "engine crashed"),
        GetBarrierStatistics.Instance,
        new BarrierStatistics(9, 8, 1, 2, 3),
        new IngestedBatch([new IngestedRequest(new ServiceRequest("a-0", 100, 10, 12, 0.25), 41, "f:2"), new IngestedRequest(new ServiceRequest("ü 1", 5, 1, 0), 42, "f:3")]),
        IngestedBatchAck.Instance,
        IngestionCompleted.Instance,
        new IngestionFailed("disk unplugged"),
        new RequestsFinished([new FinishedRequest(new RequestResult("a-0", ResultStatus.Completed, 3, 0.5, 0.75, 2.5, 10), [41, 43], 7, 1234),
            new FinishedRequest(RequestResult.Failure("x", "too long"), [44], -1, -1)]),
        new ResultsWritten([new WrittenResult(7, 1234)]),
        new AcknowledgeDeliveries([45, 46]),
        new ReturnRequests([new UnfinishedRequest("b", [47], 12)]),
        new RequestsReturned(1),
        IngressHello.Instance,
        new BalancerHello(1_764_000_000_123),
        Scheduler.Runtime.Actors.GetBalancerStatus.Instance,
        new Scheduler.Runtime.Actors.BalancerStatus(12, 3, 4, 9, true, Scheduler.Runtime.Actors.BalancerPhase.AwaitingBarrier),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_round_trips_through_the_bound_serializer(ISchedulerMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<SchedulerMessageSerializer>(serializer);

        var manifest = global::Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(message.GetType(), back);
        Assert.Equivalent(message, back, strict: true);
    }

    [Fact]
    public void Every_scheduler_message_type_has_a_manifest_and_a_round_trip_case()
    {
        var types = typeof(ISchedulerMessage).Assembly.GetTypes()
            .Where(t => typeof(ISchedulerMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToHashSet();
        var covered = ((IEnumerable<object[]>)Messages()).Select(row => row[0].GetType()).ToHashSet();

        Assert.Equal(types.OrderBy(t => t.Name), SchedulerMessageSerializer.Manifests.Keys.OrderBy(t => t.Name));
        Assert.Equal(types.OrderBy(t => t.Name), covered.OrderBy(t => t.Name));
        Assert.Equal(SchedulerMessageSerializer.Manifests.Count, SchedulerMessageSerializer.Manifests.Values.Distinct().Count());
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_not_a_guess()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(Tick));

        Assert.ThrowsAny<Exception>(() => serializer.FromBinary("{}"u8.ToArray(), "rank.teleport"));
    }
}

/// <summary>The binary form refuses what it cannot read in full, instead of building a message from garbage.</summary>
public sealed class MessageCodecTests
{
    private static readonly ISchedulerMessage Sample = new Tick(2, 7, 40, [new RankRequest(12, 300, 9)]);

    [Fact]
    public void The_bytes_are_binary_and_start_with_the_format()
    {
        var bytes = MessageCodec.Encode(Sample);
        Assert.Equal(MessageCodec.Format, bytes[0]);
        // Rank, step, admitted-through, count, one request: 4 + 4 + 8 + 4 + (8 + 4 + 4 + 1 + 4: serial, lengths, an empty
        // key's length byte, predicted output), epoch and incarnation 8 + 8, an empty enqueue and its from-queue count 4 + 4,
        // after the format byte.
        Assert.Equal(1 + 41 + 16 + 8, bytes.Length);
    }

    [Fact]
    public void A_message_cut_short_is_refused()
    {
        var bytes = MessageCodec.Encode(Sample);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageCodec.Decode(typeof(Tick), bytes[..^3]));
    }

    [Fact]
    public void Bytes_left_over_are_refused()
    {
        var bytes = MessageCodec.Encode(Sample);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageCodec.Decode(typeof(Tick), [.. bytes, 0]));
    }

    [Fact]
    public void Another_format_is_refused_naming_both()
    {
        var bytes = MessageCodec.Encode(Sample);
        bytes[0] = MessageCodec.Format + 1;
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageCodec.Decode(typeof(Tick), bytes));
        Assert.Contains($"this node reads {MessageCodec.Format}", e.Message);
    }

    [Fact]
    public void An_impossible_array_count_is_refused_before_allocating()
    {
        var bytes = MessageCodec.Encode(new AcknowledgeDeliveries([1, 2]));
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 1);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageCodec.Decode(typeof(AcknowledgeDeliveries), bytes));
    }

    [Fact]
    public void The_layout_is_the_one_a_BinaryWriter_writes_so_nodes_of_the_previous_release_read_it()
    {
        // A key of 150 UTF-8 bytes (its length takes two 7-bit bytes) with characters of two and four bytes.
        var key = "ü😀" + new string('k', 144);
        var tick = new Tick(5, 9, 1L << 40, [new RankRequest(-3, 512, 7, key, 6)]) { Epoch = 11, Incarnation = -12, FromQueue = 1 };
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(MessageCodec.Format);
            w.Write(5); w.Write(9); w.Write(1L << 40);
            w.Write(1); w.Write(-3L); w.Write(512); w.Write(7); w.Write(key); w.Write(6);
            w.Write(11L); w.Write(-12L);
            w.Write(0); w.Write(1);
        }
        var expected = stream.ToArray();

        Assert.Equal(expected, MessageCodec.Encode(tick));
        Assert.Equivalent(tick, MessageCodec.Decode(typeof(Tick), expected), strict: true);
        var completed = new HostStepCompleted(9, [new StepCompleted(5, 9, 0.25, 3, 700, [4, 5])]) { HostSeconds = 1e-4 };
        Assert.Equivalent(completed, MessageCodec.Decode(typeof(HostStepCompleted), MessageCodec.Encode(completed)), strict: true);
    }

    [Fact]
    public void A_string_longer_than_what_is_left_is_refused()
    {
        var bytes = MessageCodec.Encode(new RankFailed(1, 2, "engine crashed"));
        bytes[9] = 0x7F; // the reason's length byte, after the format byte, step and rank
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageCodec.Decode(typeof(RankFailed), bytes));
    }

    [Fact]
    public void A_string_length_that_never_ends_is_refused()
    {
        byte[] bytes = [MessageCodec.Format, 1, 0, 0, 0, 2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => MessageCodec.Decode(typeof(RankFailed), bytes));
    }

    [Fact]
    public void Messages_encoded_on_many_threads_at_once_each_come_back_whole()
    {
        // Each thread writes into its own buffer; one larger than the first buffer's kilobyte makes it grow.
        var messages = Enumerable.Range(0, 64).Select(n => (ISchedulerMessage)new HostTick(n, n, [.. Enumerable.Range(0, n).Select(g =>
            new Tick(g, n, g, [new RankRequest(g, g + 1, n + 1, $"key-{n}-{g}", n)]))])).ToArray();
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var message = messages[k % messages.Length];
            Assert.Equivalent(message, MessageCodec.Decode(typeof(HostTick), MessageCodec.Encode(message)), strict: true);
        });
        Assert.True(MessageCodec.Encode(messages[^1]).Length > 1024);
    }
}
