using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Scheduler.Cli.Tests.Processes;

/// <summary>
/// The real <c>scheduler</c> program (the apphost beside the tests) in a process of its own: its output lines as they
/// come, signals, and its end. For what only a real process shows: signals, pipes, a port bound, files written to the end.
/// </summary>
internal sealed partial class SchedulerProcess : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly Lock _stdoutLock = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SchedulerProcess(System.Diagnostics.Process process)
    {
        _process = process;
    }

    public static string Program => Path.Combine(AppContext.BaseDirectory, "scheduler");

    public static SchedulerProcess Start(params string[] args) => Start(args, workingDirectory: null);

    public static SchedulerProcess Start(IEnumerable<string> args, string? workingDirectory)
    {
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return Attach(start);
    }

    /// <summary>A shell pipeline (e.g. publish | serve), with <c>scheduler</c> naming the program.</summary>
    public static SchedulerProcess Shell(string pipeline, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"set -o pipefail; scheduler() {{ '{Program}' \"$@\"; }}; {pipeline}");
        return Attach(start);
    }

    private static SchedulerProcess Attach(ProcessStartInfo start)
    {
        var process = new System.Diagnostics.Process { StartInfo = start, EnableRaisingEvents = true };
        var wrapper = new SchedulerProcess(process);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) wrapper._stderr.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (wrapper._stdoutLock) wrapper._stdout.AppendLine(e.Data);
        };
        process.Exited += (_, _) => wrapper._exited.TrySetResult();
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return wrapper;
    }

    public int Id => _process.Id;

    public StreamWriter StandardInput => _process.StandardInput;

    public bool HasExited => _exited.Task.IsCompleted;

    public string Stdout
    {
        get
        {
            lock (_stdoutLock) return _stdout.ToString();
        }
    }

    public IReadOnlyList<string> StderrLines => _stderr.ToArray();

    public string Stderr => string.Join('\n', _stderr);

    /// <summary>The first stderr line that satisfies <paramref name="match"/>, waiting for it (or for the process to end).</summary>
    public async Task<string> WaitForStderrAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var line = _stderr.FirstOrDefault(match);
            if (line is not null) return line;
            if (_exited.Task.IsCompleted) break;
            await Task.WhenAny(_exited.Task, Task.Delay(20));
        }
        throw new TimeoutException($"no matching line on stderr within {timeout} (exited: {_exited.Task.IsCompleted}); stderr so far:\n{Stderr}");
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public const int SigInt = 2;
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>The exit code, once it has ended within <paramref name="timeout"/>.</summary>
    public async Task<int> ExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)) != _exited.Task)
            throw new TimeoutException($"the process did not end within {timeout}; stderr:\n{Stderr}");
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
