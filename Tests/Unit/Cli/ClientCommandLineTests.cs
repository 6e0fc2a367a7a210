using Esrs.Cli;
using Esrs.Client.Commands;

namespace Esrs.Tests.Unit.Cli;

/// <summary>The client's command line refuses what it cannot run with exit code 2 and a message naming what was wrong, never a crash.</summary>
public sealed class ClientCommandLineTests
{
    [Theory]
    [InlineData("import uci-online-retail --limit abc", "--limit")]
    [InlineData("import uci-online-retail --limit 0", "--limit needs a positive whole number")]
    [InlineData("import uci-online-retail --via ftp", "ftp")]
    [InlineData("import nope", "nope")]
    [InlineData("redrive --limit abc", "--limit")]
    [InlineData("quarantine 17850 --offset abc", "--offset")]
    [InlineData("quarantine 17850 --offset -1", "--offset must be at least 0")]
    [InlineData("quarantine 17850 --limit 99999999999", "--limit")]
    [InlineData("profile", "userId")]
    [InlineData("profile --bogus", "'--bogus' is not an option of profile")]
    [InlineData("quarantine -x --limit 5", "'-x' is not an option of quarantine")]
    [InlineData("teleport", "teleport")]
    public async Task ABadCommandLineExitsWithTwoAndSaysWhatWasWrong(string line, string said)
    {
        var error = new StringWriter();

        var code = await ClientCommandLine.RunAsync(line.Split(' '), error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(said, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableRedisExitsWithThreeAndNoClientLibraryAdvice()
    {
        var error = new StringWriter();

        var code = await ClientCommandLine.RunAsync(["redrive", "--dry-run", "--redis", "127.0.0.1:1"], error);

        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.Contains("cannot reach Redis at 127.0.0.1:1", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("abortConnect", error.ToString(), StringComparison.Ordinal);
    }
}
