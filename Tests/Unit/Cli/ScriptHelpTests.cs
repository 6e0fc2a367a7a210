using Esrs.Cli;
using Esrs.Tests.Support;

namespace Esrs.Tests.Unit.Cli;

/// <summary>Every command answers <c>--help</c> without starting anything, and a value of the wrong kind is named in words, not .NET types.</summary>
public sealed class ScriptHelpTests
{
    [Theory]
    [InlineData("run", "ESRS_HTTP_PORT")]
    [InlineData("test", "--all")]
    public async Task RunAndTestPrintTheirHelpAndStartNothing(string command, string said)
    {
        var (code, stdout, stderr) = await EsrsScript.RunAsync([command, "--help"], TimeSpan.FromSeconds(30));

        Assert.True(code == 0, stderr);
        Assert.Contains(said, stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("building", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cannot parse argument 'abc' for option '--limit' as expected type 'System.Nullable`1[System.Int32]'.", "--limit needs a whole number, not 'abc'.")]
    [InlineData("Cannot parse argument 'x' for option '--kind-rate' as expected type 'System.Double'.", "--kind-rate needs a number, not 'x'.")]
    [InlineData("Unrecognized command or argument 'frobnicate'.", "Unrecognized command or argument 'frobnicate'.")]
    public void ParseErrorsSayWhatKindOfValueIsNeeded(string parser, string plain)
    {
        Assert.Equal(plain, CommandLineRunner.Plain(parser));
    }
}
