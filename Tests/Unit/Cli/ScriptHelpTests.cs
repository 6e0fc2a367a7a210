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
    [InlineData(new[] { "run", "--silos", "3" }, "--silos N needs --cluster postgres")]
    [InlineData(new[] { "run", "--silos", "x", "--cluster", "postgres" }, "--silos must be a whole number")]
    [InlineData(new[] { "run", "--cluster", "mysql" }, "--cluster must be postgres")]
    [InlineData(new[] { "silo", "bogus" }, "silo: unknown action 'bogus'")]
    [InlineData(new[] { "run", "--port", "5081" }, "run: unknown option '--port'")]
    [InlineData(new[] { "run", "--Esrs:Quarantine:Capacity" }, "--Esrs:Quarantine:Capacity needs a value")]
    public async Task ClusterCommandLinesThatCannotWorkExitWithTwoAndSayWhy(string[] arguments, string said)
    {
        var data = Path.Combine(Path.GetTempPath(), "esrs-no-cluster-" + Guid.NewGuid().ToString("N"));
        var (code, _, stderr) = await EsrsScript.RunAsync(arguments, TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["ESRS_DATA_DIR"] = data });

        Assert.Equal(2, code);
        Assert.Contains(said, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("building", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "a refused command line created the data folder");
    }

    [Fact]
    public async Task AnUnknownCommandIsNamed()
    {
        var (code, _, stderr) = await EsrsScript.RunAsync(["bogus"], TimeSpan.FromSeconds(30));

        Assert.Equal(2, code);
        Assert.Contains("unknown command 'bogus'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGatewayUrlThatIsNoneIsTheUsersToFix()
    {
        var (code, _, stderr) = await EsrsScript.RunAsync(["quality", "--url", "notaurl"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["ESRS_OPERATOR_KEY"] = "some-operator-key-0123456789" });

        Assert.True(code == 2, stderr);
        Assert.Contains("Invalid URI", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("UriFormatException", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTaggerCheckpointLivesInTheDataFolderTheSiloReads()
    {
        // A grid moved with ESRS_DATA_DIR reads <data>/tagger; the tagger commands train into and read the same place.
        var data = Path.Combine(Path.GetTempPath(), "esrs-moved-" + Guid.NewGuid().ToString("N"));

        var (code, _, stderr) = await EsrsScript.RunAsync(["eval-tagger"], TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["ESRS_DATA_DIR"] = data });

        Assert.Equal(2, code);
        Assert.Contains($"No tagger checkpoint at {Path.Combine(data, "tagger")}", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWithItsPortTakenSaysSoBeforeStartingAnything()
    {
        // A second ./esrs run (or any program) on the HTTP port: once this printed "silo up" and its keys, then died.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var data = Path.Combine(Path.GetTempPath(), "esrs-port-taken-" + Guid.NewGuid().ToString("N"));

        var (code, stdout, stderr) = await EsrsScript.RunAsync(["run"], TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["ESRS_HTTP_PORT"] = port, ["ESRS_DATA_DIR"] = data });

        Assert.Equal(1, code);
        Assert.Contains($"port {port} (ESRS_HTTP_PORT) is taken", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("silo up", stdout + stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "a refused run created the data folder");
    }

    [Fact]
    public async Task EvaluateLinksAgainstAGatewayThatIsNotThereExitsWithThree()
    {
        using var directory = new TempDirectory();
        var registry = Path.Combine(directory.Path, "registry.csv");
        await File.WriteAllTextAsync(registry, "userId,email,phone,name,birthYear,gender,deviceIds\nu1,a@b.co,,,,,\n");
        await File.WriteAllTextAsync(registry + ".truth.csv", "userId,personId,plant\nu1,u1,primary\n");
        var (code, _, stderr) = await EsrsScript.RunAsync(["evaluate", "links", "--registry", registry, "--grid"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["ESRS_GATEWAY_URL"] = "http://127.0.0.1:1/", ["ESRS_READ_KEY"] = "no-such-key-0123456789", ["ESRS_DATA_DIR"] = directory.Path });

        Assert.True(code == 3, stderr);
        Assert.Contains("cannot reach the gateway", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", new[] { "train", "--bogus" }, "esrs: see --help of 'train'")]
    [InlineData("./esrs", new[] { "train", "--bogus" }, "esrs: see ./esrs train --help")]
    [InlineData("./esrs", new[] { "load", "check", "--bogus" }, "esrs: see ./esrs load check --help")]
    [InlineData("./esrs client", new[] { "--bogus" }, "esrs: see ./esrs client --help")]
    public async Task AUsageErrorPointsAtTheHelpOfTheCommandTheUserTyped(string program, string[] arguments, string hint)
    {
        var root = new System.CommandLine.RootCommand("test")
        {
            new System.CommandLine.Command("train", "test"),
            new System.CommandLine.Command("load", "test") { new System.CommandLine.Command("check", "test") },
        };
        using var error = new StringWriter();

        var code = await CommandLineRunner.RunAsync(root, arguments, error: error, program: program);

        Assert.Equal(ExitCodes.Usage, code);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("esrs: Unrecognized command or argument '--bogus'.", lines);
        Assert.Equal(hint, lines[^1]);
    }

    [Theory]
    [InlineData(new[] { "load", "--help" }, "./esrs load [command] [options]")]
    [InlineData(new[] { "load", "check", "--help" }, "./esrs load check [options]")]
    [InlineData(new[] { "client", "profile", "--help" }, "./esrs client profile <userId> [options]")]
    [InlineData(new[] { "bench", "baselines", "--help" }, "./esrs bench baselines [options]")]
    [InlineData(new[] { "evaluate", "--help" }, "./esrs evaluate [command] [options]")]
    [InlineData(new[] { "train-tagger", "--help" }, "./esrs train-tagger [options]")]
    [InlineData(new[] { "compare-taggers", "--help" }, "./esrs compare-taggers [options]")]
    public async Task HelpShowsTheCommandAsTheUserTypesIt(string[] arguments, string usage)
    {
        // Usage lines once read "Esrs.Tagger.Cli train [options]" and "Esrs.Client load": names a user of ./esrs never types.
        var (code, stdout, stderr) = await EsrsScript.RunAsync(arguments, TimeSpan.FromSeconds(120));

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(usage, lines);
        Assert.DoesNotContain("Esrs.", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATaggerUsageErrorPointsAtTheScriptsCommand()
    {
        var (code, _, stderr) = await EsrsScript.RunAsync(["compare-taggers", "--bogus"], TimeSpan.FromSeconds(120));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("esrs: see ./esrs compare-taggers --help", stderr, StringComparison.Ordinal);
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
