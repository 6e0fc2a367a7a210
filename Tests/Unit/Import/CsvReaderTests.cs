using Esrs.Client.Import;
using Esrs.Datasets;

namespace Esrs.Tests.Unit.Import;

public sealed class CsvReaderTests
{
    [Fact]
    public void ReadsQuotedCommasDoubledQuotesAndLineBreaks()
    {
        var csv = new CsvReader(new StringReader("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,end\nlast"));

        Assert.True(csv.Read());
        Assert.Equal(["a", "b,c", "say \"hi\""], csv.Fields);
        Assert.True(csv.Read());
        Assert.Equal(["multi\nline", "", "end"], csv.Fields);
        Assert.Equal(2, csv.LineNumber);
        Assert.True(csv.Read());
        Assert.Equal(["last"], csv.Fields);
        Assert.Equal(4, csv.LineNumber);
        Assert.False(csv.Read());
    }

    [Fact]
    public void UnclosedQuoteIsAFormatErrorWithTheLine()
    {
        var csv = new CsvReader(new StringReader("ok\n\"broken"));
        Assert.True(csv.Read());

        var error = Assert.Throws<FormatException>(() => csv.Read());

        Assert.Contains("Line 2", error.Message, StringComparison.Ordinal);
    }
}
