using Scheduler.Cli.CommandLine;

namespace Scheduler.Cli.Tests;

public sealed class ArgumentReaderTests
{
    [Fact]
    public void Values_come_as_separate_words_or_after_an_equals_sign()
    {
        var args = new ArgumentReader(["--ranks", "8", "--batch=16", "--quiet"]);

        Assert.Equal(8, args.Int("ranks", 1));
        Assert.Equal(16, args.Int("batch", 1));
        Assert.True(args.Flag("quiet"));
        args.EnsureAllUsed();
    }

    [Fact]
    public void An_option_nobody_reads_is_an_error_naming_it()
    {
        var args = new ArgumentReader(["--rank", "8"]);
        args.Int("ranks", 32);

        var error = Assert.Throws<UsageException>(args.EnsureAllUsed);
        Assert.Contains("--rank", error.Message);
    }

    [Theory]
    [InlineData(new[] { "--ranks", "1", "--ranks", "2" }, "twice")]
    [InlineData(new[] { "ranks" }, "unexpected argument")]
    [InlineData(new[] { "--quiet=yes" }, "takes no value")]
    public void Malformed_command_lines_are_refused(string[] argv, string expected)
    {
        var error = Assert.ThrowsAny<UsageException>(() =>
        {
            var args = new ArgumentReader(argv);
            args.Flag("quiet");
            args.Int("ranks", 1);
        });
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Numbers_out_of_range_say_the_range()
    {
        var args = new ArgumentReader(["--ranks", "0"]);

        var error = Assert.Throws<UsageException>(() => args.Int("ranks", 32, 1, 100));
        Assert.Contains("between 1 and 100", error.Message);
    }
}
