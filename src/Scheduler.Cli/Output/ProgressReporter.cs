namespace Scheduler.Cli.Output;

/// <summary>Progress on stderr: a live line that rewrites itself on a terminal, plain lines for milestones.</summary>
public sealed class ProgressReporter(TextWriter stderr, bool quiet)
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private bool _liveShown;

    public bool Enabled => !quiet && _interactive;

    public void Live(string text)
    {
        if (!Enabled) return;
        stderr.Write("\r" + text.PadRight(Math.Min(100, Math.Max(text.Length, 60))));
        _liveShown = true;
    }

    public void Line(string text)
    {
        if (quiet) return;
        if (_liveShown) { stderr.Write("\r" + new string(' ', 100) + "\r"); _liveShown = false; }
        stderr.WriteLine(text);
    }
}
