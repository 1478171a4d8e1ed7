using Scheduler.Core.Model;
using Scheduler.Runtime.Ingestion;

namespace Scheduler.Runtime.Tests.Ingestion;

public sealed class RequestRecordParserTests
{
    private static ParsedRecord? Parse(RequestRecordParser parser, string line, long number) => parser.Parse(line, number);

    [Fact]
    public void A_valid_record_becomes_a_request_with_the_next_dense_id()
    {
        var parser = new RequestRecordParser("t.csv");

        var accepted = Assert.IsType<ParsedRecord.Accepted>(Parse(parser, "17,213,7,6,1.5", 2));

        Assert.Equal(new Request(0, 213, 7, 6, 1.5), accepted.Request.Request);
        Assert.Equal(17, accepted.Request.SourceId);
        Assert.Equal(2, accepted.Request.Position);
    }

    [Fact]
    public void The_header_and_blank_lines_are_not_records()
    {
        var parser = new RequestRecordParser("t.csv");
        Assert.Null(Parse(parser, "id,prompt_tokens,output_tokens,predicted_output_tokens", 1));
        Assert.Null(Parse(parser, "   ", 2));
        Assert.Equal(0, Assert.IsType<ParsedRecord.Accepted>(Parse(parser, "0,5,5,5", 3)).Request.Request.Id);
    }

    [Theory]
    [InlineData("1,2,3", "expected 4 or 5 comma-separated fields")]
    [InlineData("x,2,3,3", "id 'x' is not an integer")]
    [InlineData("1,0,3,3", "prompt_tokens 0 must be positive")]
    [InlineData("1,-4,3,3", "prompt_tokens -4 must be positive")]
    [InlineData("1,2,zero,3", "output_tokens 'zero' is not an integer")]
    [InlineData("1,2,0,3", "output_tokens 0 must be positive")]
    [InlineData("1,2,3,-1", "predicted_output_tokens -1 must not be negative")]
    [InlineData("1,2,3,3,soon", "arrival_s 'soon' is not a finite number")]
    [InlineData("1,2,3,3,-0.5", "arrival_s -0.5 must not be negative")]
    [InlineData("1,2,3,3,NaN", "arrival_s 'NaN' is not a finite number")]
    public void A_malformed_record_is_rejected_with_its_reason_and_line(string line, string reason)
    {
        var parser = new RequestRecordParser("t.csv");

        var rejected = Assert.IsType<ParsedRecord.Rejected>(Parse(parser, line, 9));

        Assert.Contains(reason, rejected.DeadLetter.Reason);
        Assert.Equal(9, rejected.DeadLetter.Line);
        Assert.Equal(line, rejected.DeadLetter.Text);
        Assert.Equal("t.csv", rejected.DeadLetter.Source);
    }

    [Fact]
    public void Ids_must_increase_and_timestamps_must_not_decrease()
    {
        var parser = new RequestRecordParser("t.csv");
        Parse(parser, "5,10,10,10,2.0", 1);

        Assert.Contains("ids must increase", Assert.IsType<ParsedRecord.Rejected>(Parse(parser, "5,10,10,10,2.0", 2)).DeadLetter.Reason);
        Assert.Contains("timestamps must not decrease", Assert.IsType<ParsedRecord.Rejected>(Parse(parser, "6,10,10,10,1.0", 3)).DeadLetter.Reason);
    }

    [Fact]
    public void Records_after_a_rejected_one_keep_dense_ids()
    {
        var parser = new RequestRecordParser("t.csv");
        Parse(parser, "0,10,10,10", 1);
        Parse(parser, "1,bad,10,10", 2);

        var next = Assert.IsType<ParsedRecord.Accepted>(Parse(parser, "2,10,10,10", 3));

        Assert.Equal(1, next.Request.Request.Id);
        Assert.Equal(2, next.Request.SourceId);
    }
}
