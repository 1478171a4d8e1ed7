namespace Scheduler.Cli.Output;

public enum OutputFormat
{
    Table,
    Json,
    Csv,
}
