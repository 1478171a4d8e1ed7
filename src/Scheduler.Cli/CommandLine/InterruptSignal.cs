using System.Runtime.InteropServices;

namespace Scheduler.Cli.CommandLine;

/// <summary>
/// SIGINT and SIGTERM for commands that can stop gracefully (run, serve): while one has claimed the signal, the
/// first one cancels <see cref="Token"/> instead of killing the process, so the command flushes what it wrote and
/// says what it did; a second one ends the process as usual. Commands that never claim it stop at once, as before.
/// </summary>
public sealed class InterruptSignal : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _claims;

    /// <summary>A signal that is never raised (tests run commands in-process).</summary>
    public static InterruptSignal None() => new();

    /// <summary>Listens to the process's SIGINT and SIGTERM.</summary>
    public static InterruptSignal FromProcess()
    {
        var signal = new InterruptSignal();
        foreach (var kind in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            signal._registrations.Add(PosixSignalRegistration.Create(kind, signal.Handle));
        return signal;
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>Which signal arrived first (for the message), or null.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>The command handles the signal until the returned scope is disposed.</summary>
    public IDisposable Claim()
    {
        Interlocked.Increment(ref _claims);
        return new Scope(this);
    }

    /// <summary>Raise it from code (tests).</summary>
    public void Raise(PosixSignal signal = PosixSignal.SIGTERM)
    {
        Received ??= signal;
        _cancel.Cancel();
    }

    private void Handle(PosixSignalContext context)
    {
        if (Volatile.Read(ref _claims) == 0 || _cancel.IsCancellationRequested) return;
        context.Cancel = true;
        Raise(context.Signal);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _cancel.Dispose();
    }

    private sealed class Scope(InterruptSignal signal) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref signal._claims);
        }
    }
}
