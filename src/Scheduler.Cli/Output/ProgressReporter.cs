using System.Globalization;
using Scheduler.Cli.CommandLine;

namespace Scheduler.Cli.Output;

/// <summary>
/// Progress on stderr. On a terminal, updates rewrite one live line. Anywhere else (a pipe, a log file, CI) a
/// rewritten line would show nothing until the end, so an update prints as a plain line, at most one per
/// <see cref="CliConsole.ProgressInterval"/>. Milestones (<see cref="Line"/>) always print; --quiet silences both.
/// </summary>
public sealed class ProgressReporter
{
    private const int LiveWidth = 100;

    private readonly TextWriter _error;
    private readonly bool _quiet;
    private readonly bool _terminal;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private long _lastPrinted;
    private long _phaseStarted;
    private string? _phaseLabel;
    private bool _liveShown;

    public ProgressReporter(CliConsole console, bool quiet)
    {
        _error = console.Error;
        _quiet = quiet;
        _terminal = console.ErrorIsTerminal;
        _interval = console.ProgressInterval;
        _clock = console.Clock;
        _lastPrinted = _phaseStarted = _clock.GetTimestamp();
    }

    public bool Enabled => !_quiet;

    /// <summary>
    /// Where a phase stands: <c>label: detail, finished done/total (pct%), rate unit/s</c>. The rate counts from
    /// the start of the phase: the last milestone line, or the first update with this label.
    /// </summary>
    public void Update(string label, string? detail, long done, long? total, string unit = "req")
    {
        if (_quiet) return;
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            if (_phaseLabel != label)
            {
                if (_phaseLabel is not null) _phaseStarted = now;
                _phaseLabel = label;
            }
            if (!_terminal && _clock.GetElapsedTime(_lastPrinted, now) < _interval) return;
            var text = string.Create(CultureInfo.InvariantCulture, $"{label}: {(detail is null ? "" : detail + ", ")}finished {done:N0}");
            if (total is { } t && t > 0) text += string.Create(CultureInfo.InvariantCulture, $"/{t:N0} ({100.0 * done / t:F0}%)");
            var seconds = _clock.GetElapsedTime(_phaseStarted, now).TotalSeconds;
            if (seconds > 0) text += string.Create(CultureInfo.InvariantCulture, $", {Rate(done / seconds)} {unit}/s");
            Show(text, now);
        }
    }

    /// <summary>A status without a count (a warm-up run starting), paced like <see cref="Update"/>.</summary>
    public void Status(string text)
    {
        if (_quiet) return;
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            if (!_terminal && _clock.GetElapsedTime(_lastPrinted, now) < _interval) return;
            Show(text, now);
        }
    }

    /// <summary>A milestone: always its own line; the next update's rate counts from here.</summary>
    public void Line(string text)
    {
        if (_quiet) return;
        lock (_gate)
        {
            ClearLive();
            _error.WriteLine(text);
            _phaseStarted = _clock.GetTimestamp();
            _phaseLabel = null;
        }
    }

    private void Show(string text, long now)
    {
        if (_terminal)
        {
            _error.Write("\r" + text.PadRight(Math.Min(LiveWidth, Math.Max(text.Length, 60))));
            _liveShown = true;
        }
        else
        {
            _error.WriteLine(text);
        }
        _lastPrinted = now;
    }

    private void ClearLive()
    {
        if (!_liveShown) return;
        _error.Write("\r" + new string(' ', LiveWidth) + "\r");
        _liveShown = false;
    }

    private static string Rate(double perSecond) =>
        perSecond >= 10 ? perSecond.ToString("N0", CultureInfo.InvariantCulture) : perSecond.ToString("0.0", CultureInfo.InvariantCulture);
}
