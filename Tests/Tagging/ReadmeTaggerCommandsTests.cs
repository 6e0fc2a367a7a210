using System.Diagnostics;
using System.Text.RegularExpressions;
using Esrs.Tests.Support;
using Xunit.Abstractions;

namespace Esrs.Tests.Tagging;

/// <summary>
/// Every command of the README's tagger section, run as a user runs it (<c>./esrs ...</c> from the checkout, on the Release
/// build), on a tiny setting: a 2-layer slice trained for a few steps, short benchmarks. A broken entry point fails here.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class ReadmeTaggerCommandsTests(ITestOutputHelper output) : IDisposable
{
    // What each command gets added to stay tiny; the README's own options are kept.
    private static readonly Dictionary<string, string> Tiny = new(StringComparer.Ordinal)
    {
        ["train-tagger"] = "--layers 2 --max-steps 3",
        ["eval-tagger"] = "",
        ["compare-taggers"] = "--resamples 50",
        ["tag"] = "",
        ["bench-tagger"] = "--batches 1 8 --seconds 0.2",
        ["bench tagger-pool"] = "--seconds 1 --warmup 0.5 --callers 4",
    };

    private readonly TempDirectory _model = new();

    public void Dispose() => _model.Dispose();

    [Fact]
    public void EveryTaggerCommandOfTheReadmeRunsFromTheReleaseBuild()
    {
        var commands = ReadmeCommands();
        Assert.Equal(Tiny.Keys.Order(StringComparer.Ordinal), commands.Select(c => c.Name).Distinct().Order(StringComparer.Ordinal));

        foreach (var (line, name) in commands)
        {
            // The README's example run folders (runs/...) become the one checkpoint trained above: A against itself.
            var (code, stdout, stderr) = Esrs($"{RunFolder().Replace(line, _model.Path)} {Tiny[name]}");

            Assert.True(code == 0, $"'{line}' exited {code}:\n{stderr}");
            switch (name)
            {
                case "train-tagger":
                    // One model ("best dev epoch 1 (dev F1 0.x)") or a soup or ensemble of several ("dev F1 0.x"), then where it went.
                    Assert.Matches(@"(best dev epoch 1 \(dev F1 0\.\d+\)|; dev F1 0\.\d+); saved to", stdout);
                    if (!line.Contains("--", StringComparison.Ordinal))
                    {
                        // The default: three members (or the best one alone when the three do worse on dev).
                        Assert.Matches(@"ensemble member seed 42: .*\n.*ensemble member seed 43: .*\n.*ensemble member seed 44: ", stdout);
                    }

                    break;
                case "eval-tagger":
                    Assert.Matches(@"summary dev 0\.\d+ test 0\.\d+ ", stdout);
                    Assert.Contains("out-of-shop check", stdout, StringComparison.Ordinal);
                    break;
                case "compare-taggers":
                    // The same checkpoint on both sides: equal F1 and a difference of exactly nothing on every check.
                    Assert.Matches(@"\| dev \(carved from OA-Mine train\) \| \d+ \| (0\.\d{4}) \| \1 \| \+0\.0000 \| \[\+0\.0000, \+0\.0000\] \| not shown \|", stdout);
                    Assert.Equal(5, Regex.Matches(stdout, @"\| \+0\.0000 \| \[\+0\.0000, \+0\.0000\] \| not shown \|").Count);
                    break;
                case "tag":
                    var json = System.Text.Json.JsonDocument.Parse(Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
                    Assert.StartsWith("Nike Air Zoom", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
                    Assert.Equal(System.Text.Json.JsonValueKind.Array, json.RootElement.GetProperty("spans").ValueKind);
                    break;
                case "bench-tagger":
                    Assert.Matches(@"\| 8 \| [\d,]+ \| [\d,]+ \|", stdout);
                    break;
                default:
                    Assert.Matches(@"\| batched \(MaxBatchSize 32, MaxDelay 5 ms\) \| [\d,]+ \|", stdout);

                    // More callers than the model keeps up with (the README's line on the default ensemble sheds at a 2 s
                    // queue; here the queue may hold 1 ms): shed calls are retried after the pool's Retry-After and counted.
                    var (shedCode, shedOut, shedErr) = Esrs($"{line} --seconds 1 --warmup 0.5 --callers 32", ("Esrs__Tagger__MaxQueueWait", "00:00:00.001"));
                    Assert.True(shedCode == 0, $"the pool bench exited {shedCode} when its calls were shed:\n{shedErr}");
                    Assert.Matches(@"\| unbatched \(MaxBatchSize 1\) \| [\d,]+ \| [\d,]+ \| [\d.]+ \| [\d.]+ / [\d.]+ ms \| [1-9][\d,]* \|", shedOut);
                    break;
            }
        }
    }

    [Fact]
    public void TheCommandsSayWhatIsWrongAndExitWithTheUsageCode()
    {
        Assert.Equal(0, Esrs("./esrs train-tagger --help").Code);
        Assert.Equal(0, Esrs("./esrs bench tagger-pool --help").Code);

        // Each refused with the usage exit code and a message that names what was wrong.
        foreach (var (commandLine, says) in new[]
        {
            ("./esrs train-tagger --epochs many", "many"),
            ("./esrs eval-tagger", "No tagger checkpoint"),
            // Options the script also sets from the environment: the command line's win.
            ("./esrs eval-tagger --model /nonexistent/esrs-model", "No tagger checkpoint at /nonexistent/esrs-model"),
            ("./esrs train-tagger --data /nonexistent/esrs-data", "OA-Mine data not found: /nonexistent/esrs-data"),
            ("./esrs train-tagger --self-train /nonexistent/esrs-teacher --self-threshold 0", "--self-threshold must be above 0"),
            ("./esrs train-tagger --self-train /nonexistent/esrs-teacher", "No tagger checkpoint at /nonexistent/esrs-teacher"),
            ("./esrs train-tagger --soup 3 --ensemble 3", "--soup and --ensemble each train several models"),
            ("./esrs compare-taggers --a /nonexistent/esrs-a --b /nonexistent/esrs-b", "No tagger checkpoint at /nonexistent/esrs-a"),
            ("./esrs compare-taggers --a /nonexistent/esrs-a", "--b"),
            ("./esrs bench tagger-pool --callers 0", "--callers needs a positive whole number"),
            ("./esrs bench --data /nonexistent/esrs-data", "data file not found"),
        })
        {
            var (code, _, stderr) = Esrs(commandLine);
            Assert.True(code == 2, $"'{commandLine}' exited {code}, not 2:\n{stderr}");
            Assert.Contains(says, stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>The lines of the first sh block under "## The attribute tagger", comments cut, each with its esrs command.</summary>
    private static List<(string Line, string Name)> ReadmeCommands()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var section = readme[readme.IndexOf("## The attribute tagger", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```sh\n", StringComparison.Ordinal) + 6)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        return [.. block.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => Comment().Replace(line, "").Trim())
            .Select(line => (line, EsrsCommand().Match(line) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no ./esrs command in '{line}'")))];
    }

    private (int Code, string Stdout, string Stderr) Esrs(string commandLine, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("bash", ["-c", commandLine])
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ESRS_TAGGER_MODEL"] = _model.Path;
        start.Environment["ESRS_DATA"] = Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{commandLine}' did not finish in 10 minutes");
        }

        output.WriteLine($"$ {commandLine}  -> {process.ExitCode}\n{stdout.Result}{stderr.Result}");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "esrs")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("The checkout (with ./esrs) is not above the test's build output.");
        }
    }

    [GeneratedRegex(@"\s+#\s.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\./esrs (bench tagger-pool|bench-tagger|train-tagger|eval-tagger|compare-taggers|tag)\b")]
    private static partial Regex EsrsCommand();

    [GeneratedRegex(@"runs/[\w-]+")]
    private static partial Regex RunFolder();
}
