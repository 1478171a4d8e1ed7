using System.Collections.Immutable;
using System.Runtime.Serialization;
using Scheduler.Runtime.Actors;
using Scheduler.Runtime.Ingestion;
using Scheduler.Runtime.Messages;
using Scheduler.Runtime.Results;

namespace Scheduler.Runtime.Serialization;

/// <summary>
/// The binary form of every <see cref="ISchedulerMessage"/>: a format byte, then the message's fields in declaration
/// order, little-endian, strings as UTF-8 with a 7-bit-encoded length, arrays as a count and their items. Hand-written
/// rather than reflected: a tick crosses a node boundary once per rank and step, and the layout is the wire contract.
/// Pure (no actor system): <see cref="SchedulerMessageSerializer"/> binds it to Akka.
/// </summary>
public static class MessageCodec
{
    /// <summary>Raised when the layout changes, so that a node never misreads another version's bytes.</summary>
    public const byte Format = 3;

    public static byte[] Encode(ISchedulerMessage message)
    {
        var w = CodecWriter.Start();
        w.Write(Format);
        switch (message)
        {
            case AdmitRequests m: WriteAdmit(w, m); break;
            case Tick m: WriteTick(w, m); break;
            case GetRankState m: w.Write(m.Rank); break;
            case RankStateResult m:
                w.Write(m.Rank); w.Write(m.LastCompletedStep); w.Write(m.AdmittedTotal); w.Write(m.Active); w.Write(m.Load);
                break;
            case StepCompleted m: WriteStepCompleted(w, m); break;
            case RankStepFailed m: WriteStepFailed(w, m); break;
            case BeginStep m:
                w.Write(m.Step); WriteLongs(w, m.AdmittedThrough);
                w.Write(m.Admissions.Length);
                foreach (var a in m.Admissions) WriteAdmit(w, a);
                break;
            case BeginStepRejected m: w.Write(m.Step); w.Write(m.Reason); break;
            case HostTick m:
                w.Write(m.Step); w.Write(m.Epoch); w.Write(m.Ticks.Length);
                foreach (var t in m.Ticks) WriteTick(w, t);
                break;
            case HostStepCompleted m:
                w.Write(m.Step); w.Write(m.Reports.Length);
                foreach (var report in m.Reports) WriteStepCompleted(w, report);
                w.Write(m.Failures.Length);
                foreach (var f in m.Failures) WriteStepFailed(w, f);
                w.Write(m.HostSeconds);
                break;
            case StepBarrierPassed m:
                w.Write(m.Step); w.Write(m.Duration); w.Write(m.BarrierIdleSeconds);
                w.Write(m.Reports.Length);
                foreach (var r in m.Reports) WriteStepCompleted(w, r);
                break;
            case RanksMissing m:
                w.Write(m.Step); w.Write(m.Ranks.Length);
                foreach (var r in m.Ranks) w.Write(r);
                w.Write(m.Attempt); w.Write(m.GaveUp);
                break;
            case RankFailed m: w.Write(m.Step); w.Write(m.Rank); w.Write(m.Reason); break;
            case GetBarrierStatistics m: w.Write(m.Step); break;
            case BarrierStatistics m:
                w.Write(m.Step); w.Write(m.StepsClosed); w.Write(m.StaleCompletions); w.Write(m.DuplicateCompletions); w.Write(m.Timeouts);
                break;
            case IngestedBatch m:
                w.Write(m.Requests.Length);
                foreach (var r in m.Requests)
                {
                    w.Write(r.Request.Id); w.Write(r.Request.PromptTokens); w.Write(r.Request.OutputTokens);
                    w.Write(r.Request.PredictedOutputTokens); w.Write(r.Request.ArrivalSeconds);
                    w.Write(r.DeliveryTag); w.Write(r.Position);
                }
                break;
            case IngestedBatchAck or IngestionCompleted: break;
            case IngestionFailed m: w.Write(m.Reason); break;
            case RequestsFinished m:
                w.Write(m.Requests.Length);
                foreach (var r in m.Requests)
                {
                    WriteResult(w, r.Result); WriteLongs(w, r.DeliveryTags); w.Write(r.Slot); w.Write(r.Serial);
                }
                break;
            case ResultsWritten m:
                w.Write(m.Results.Length);
                foreach (var r in m.Results) { w.Write(r.Slot); w.Write(r.Serial); }
                break;
            case AcknowledgeDeliveries m: WriteLongs(w, m.DeliveryTags); break;
            case ReturnRequests m:
                w.Write(m.Requests.Length);
                foreach (var r in m.Requests) { w.Write(r.Id); WriteLongs(w, r.DeliveryTags); w.Write(r.OutputTokens); }
                break;
            case RequestsReturned m: w.Write(m.Count); break;
            case IngressHello or GetBalancerStatus: break;
            case BalancerHello m: w.Write(m.Epoch); break;
            case ListActive m: w.Write(m.Rank); w.Write(m.Epoch); break;
            case ActiveListed m:
                w.Write(m.Rank); w.Write(m.Epoch); w.Write(m.Requests.Length);
                foreach (var q in m.Requests)
                {
                    w.Write(q.LocalId); w.Write(q.Key); w.Write(q.PromptTokens); w.Write(q.OutputTokens); w.Write(q.PredictedOutputTokens); w.Write(q.Generated);
                }
                break;
            case AdoptActive m: w.Write(m.Rank); w.Write(m.Epoch); WriteLongs(w, m.LocalIds); WriteLongs(w, m.Serials); break;
            case ActiveAdopted m: w.Write(m.Rank); w.Write(m.Epoch); break;
            case BalancerStatus m:
                w.Write(m.Step); w.Write(m.Waiting); w.Write(m.Active); w.Write(m.Held); w.Write(m.InputComplete); w.Write((byte)m.Phase);
                break;
            default: throw new ArgumentException($"{message.GetType()} has no binary form in {nameof(MessageCodec)}");
        }
        return w.ToArray();
    }

    public static ISchedulerMessage Decode(Type type, byte[] bytes)
    {
        var r = new CodecReader(bytes);
        try
        {
            var format = r.ReadByte();
            if (format != Format) throw new SerializationException($"{type.Name}: format {format}, this node reads {Format}");
            ISchedulerMessage message = type.Name switch
            {
                nameof(AdmitRequests) => ReadAdmit(r),
                nameof(Tick) => ReadTick(r),
                nameof(GetRankState) => new GetRankState(r.ReadInt32()),
                nameof(RankStateResult) => new RankStateResult(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadInt64()),
                nameof(StepCompleted) => ReadStepCompleted(r),
                nameof(RankStepFailed) => ReadStepFailed(r),
                nameof(BeginStep) => new BeginStep(r.ReadInt32(), ReadLongs(r), ReadArray(r, ReadAdmit)),
                nameof(BeginStepRejected) => new BeginStepRejected(r.ReadInt32(), r.ReadString()),
                nameof(HostTick) => new HostTick(r.ReadInt32(), r.ReadInt64(), ReadArray(r, ReadTick)),
                nameof(HostStepCompleted) => new HostStepCompleted(r.ReadInt32(), ReadArray(r, ReadStepCompleted), ReadArray(r, ReadStepFailed))
                    { HostSeconds = r.ReadDouble() },
                nameof(StepBarrierPassed) => new StepBarrierPassed(r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), ReadArray(r, ReadStepCompleted)),
                nameof(RanksMissing) => new RanksMissing(r.ReadInt32(), ReadArray(r, x => x.ReadInt32()), r.ReadInt32(), r.ReadBoolean()),
                nameof(RankFailed) => new RankFailed(r.ReadInt32(), r.ReadInt32(), r.ReadString()),
                nameof(GetBarrierStatistics) => r.ReadInt32() is var step && step == 0 ? GetBarrierStatistics.Instance : new GetBarrierStatistics(step),
                nameof(BarrierStatistics) => new BarrierStatistics(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32()),
                nameof(IngestedBatch) => new IngestedBatch(ReadArray(r, x => new IngestedRequest(
                    new ServiceRequest(x.ReadString(), x.ReadInt32(), x.ReadInt32(), x.ReadInt32(), x.ReadDouble()), x.ReadInt64(), x.ReadString()))),
                nameof(IngestedBatchAck) => IngestedBatchAck.Instance,
                nameof(IngestionCompleted) => IngestionCompleted.Instance,
                nameof(IngestionFailed) => new IngestionFailed(r.ReadString()),
                nameof(RequestsFinished) => new RequestsFinished(ReadArray(r, x => new FinishedRequest(ReadResult(x), ReadLongs(x), x.ReadInt32(), x.ReadInt64()))),
                nameof(ResultsWritten) => new ResultsWritten(ReadArray(r, x => new WrittenResult(x.ReadInt32(), x.ReadInt64()))),
                nameof(AcknowledgeDeliveries) => new AcknowledgeDeliveries(ReadLongs(r)),
                nameof(ReturnRequests) => new ReturnRequests(ReadArray(r, x => new UnfinishedRequest(x.ReadString(), ReadLongs(x), x.ReadInt32()))),
                nameof(RequestsReturned) => new RequestsReturned(r.ReadInt32()),
                nameof(IngressHello) => IngressHello.Instance,
                nameof(BalancerHello) => new BalancerHello(r.ReadInt64()),
                nameof(GetBalancerStatus) => GetBalancerStatus.Instance,
                nameof(ListActive) => new ListActive(r.ReadInt32(), r.ReadInt64()),
                nameof(ActiveListed) => new ActiveListed(r.ReadInt32(), r.ReadInt64(), ReadArray(r, x =>
                    new ActiveSequence(x.ReadInt64(), x.ReadString(), x.ReadInt32(), x.ReadInt32(), x.ReadInt32(), x.ReadInt32()))),
                nameof(AdoptActive) => new AdoptActive(r.ReadInt32(), r.ReadInt64(), ReadLongs(r), ReadLongs(r)),
                nameof(ActiveAdopted) => new ActiveAdopted(r.ReadInt32(), r.ReadInt64()),
                nameof(BalancerStatus) => new BalancerStatus(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(),
                    (Actors.BalancerPhase)r.ReadByte()),
                _ => throw new SerializationException($"{type} has no binary form in {nameof(MessageCodec)}"),
            };
            if (r.Remaining != 0)
                throw new SerializationException($"{type.Name}: {r.Remaining} byte(s) left over");
            return message;
        }
        catch (EndOfStreamException e)
        {
            throw new SerializationException($"{type.Name}: the message is cut short ({bytes.Length} bytes)", e);
        }
        catch (FormatException e)
        {
            throw new SerializationException($"{type.Name}: {e.Message}", e);
        }
    }

    private static void WriteAdmit(CodecWriter w, AdmitRequests m)
    {
        w.Write(m.Rank); w.Write(m.Step); WriteRequests(w, m.Requests); WriteRequests(w, m.Enqueue); w.Write(m.FromQueue);
    }

    private static AdmitRequests ReadAdmit(CodecReader r) =>
        new(r.ReadInt32(), r.ReadInt32(), ReadRequests(r)) { Enqueue = ReadRequests(r), FromQueue = r.ReadInt32() };

    private static void WriteTick(CodecWriter w, Tick m)
    {
        w.Write(m.Rank); w.Write(m.Step); w.Write(m.AdmittedThrough); WriteRequests(w, m.Admit); w.Write(m.Epoch); w.Write(m.Incarnation);
        WriteRequests(w, m.Enqueue); w.Write(m.FromQueue);
    }

    private static Tick ReadTick(CodecReader r) =>
        new(r.ReadInt32(), r.ReadInt32(), r.ReadInt64(), ReadRequests(r))
        {
            Epoch = r.ReadInt64(), Incarnation = r.ReadInt64(), Enqueue = ReadRequests(r), FromQueue = r.ReadInt32(),
        };

    private static void WriteStepFailed(CodecWriter w, RankStepFailed m)
    {
        w.Write(m.Rank); w.Write(m.Step); w.Write(m.Reason);
    }

    private static RankStepFailed ReadStepFailed(CodecReader r) => new(r.ReadInt32(), r.ReadInt32(), r.ReadString());

    private static void WriteRequests(CodecWriter w, ImmutableArray<RankRequest> requests)
    {
        var items = requests.IsDefault ? ImmutableArray<RankRequest>.Empty : requests;
        w.Write(items.Length);
        foreach (var q in items) { w.Write(q.Id); w.Write(q.PromptTokens); w.Write(q.OutputTokens); w.Write(q.Key); w.Write(q.PredictedOutputTokens); }
    }

    private static ImmutableArray<RankRequest> ReadRequests(CodecReader r) => ReadArray(r, x => new RankRequest(x.ReadInt64(), x.ReadInt32(), x.ReadInt32(), x.ReadString(), x.ReadInt32()));

    private static void WriteStepCompleted(CodecWriter w, StepCompleted m)
    {
        w.Write(m.Rank); w.Write(m.Step); w.Write(m.ComputeSeconds); w.Write(m.ActiveBefore); w.Write(m.LoadBefore); WriteLongs(w, m.Finished);
        w.Write(m.Epoch); w.Write(m.Incarnation); w.Write(m.Restarted);
    }

    private static StepCompleted ReadStepCompleted(CodecReader r) =>
        new(r.ReadInt32(), r.ReadInt32(), r.ReadDouble(), r.ReadInt32(), r.ReadInt64(), ReadLongs(r))
        {
            Epoch = r.ReadInt64(), Incarnation = r.ReadInt64(), Restarted = r.ReadBoolean(),
        };

    private static void WriteResult(CodecWriter w, RequestResult m)
    {
        w.Write(m.Id); w.Write((byte)m.Status);
        WriteOptional(w, m.Rank); WriteOptional(w, m.QueuedSeconds); WriteOptional(w, m.TtftSeconds); WriteOptional(w, m.E2eSeconds);
        w.Write(m.OutputTokens);
        w.Write(m.Reason is not null);
        if (m.Reason is not null) w.Write(m.Reason);
    }

    private static RequestResult ReadResult(CodecReader r) =>
        new(r.ReadString(), (ResultStatus)r.ReadByte(), ReadOptionalInt(r), ReadOptionalDouble(r), ReadOptionalDouble(r), ReadOptionalDouble(r),
            r.ReadInt32(), r.ReadBoolean() ? r.ReadString() : null);

    private static void WriteOptional(CodecWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value is { } v) w.Write(v);
    }

    private static void WriteOptional(CodecWriter w, double? value)
    {
        w.Write(value.HasValue);
        if (value is { } v) w.Write(v);
    }

    private static int? ReadOptionalInt(CodecReader r) => r.ReadBoolean() ? r.ReadInt32() : null;

    private static double? ReadOptionalDouble(CodecReader r) => r.ReadBoolean() ? r.ReadDouble() : null;

    private static void WriteLongs(CodecWriter w, ImmutableArray<long> values)
    {
        var items = values.IsDefault ? ImmutableArray<long>.Empty : values;
        w.Write(items.Length);
        foreach (var v in items) w.Write(v);
    }

    private static ImmutableArray<long> ReadLongs(CodecReader r) => ReadArray(r, x => x.ReadInt64());

    private static ImmutableArray<T> ReadArray<T>(CodecReader r, Func<CodecReader, T> read)
    {
        var count = r.ReadInt32();
        // A count larger than what is left cannot be honest: refuse it before allocating for it.
        if (count < 0 || count > r.Remaining)
            throw new SerializationException($"an array of {count} item(s) where {r.Remaining} byte(s) are left");
        // Most arrays of a tick are empty (no admissions, nothing queued): those cost nothing.
        if (count == 0) return ImmutableArray<T>.Empty;
        var items = new T[count];
        for (var i = 0; i < count; i++) items[i] = read(r);
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(items);
    }
}
