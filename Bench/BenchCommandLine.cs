using Esrs.Cli;
using System.CommandLine;
using Esrs.Client.Import;
using Esrs.Tagging.Data;

namespace Esrs.Bench;

/// <summary><c>./esrs bench</c> and <c>./esrs bench tagger-pool</c> under one parser; exit codes as <see cref="ExitCodes"/>.</summary>
internal static class BenchCommandLine
{
    /// <summary>The checkout root, from the build output (Bench/bin/Release/net10.0/).</summary>
    private static string Root => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));

    public static RootCommand Create()
    {
        var events = Positive("--events", "UCI Online Retail rows to read", 100_000);
        var data = Data();
        var root = new RootCommand("Esrs ingest micro-benchmarks and the state-size report, as markdown") { events, data };
        root.SetAction(async (parse, _) =>
        {
            var file = Path.GetFullPath(Path.Combine(parse.GetRequiredValue(data), "uci-online-retail", UciOnlineRetail.FileName));
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"data file not found: {file} (use --data DIR)", file);
            }

            return await IngestBench.RunAsync([.. UciOnlineRetail.ReadRows(file, parse.GetValue(events)).Select(UciOnlineRetail.ToEvent)]);
        });
        root.Add(TaggerPool());
        return root;
    }

    public static Task<int> RunAsync(string[] args) => CommandLineRunner.RunAsync(Create(), args, "esrs bench");

    private static Command TaggerPool()
    {
        var model = new Option<string>("--model")
        {
            Description = "Checkpoint directory (default $ESRS_TAGGER_MODEL or .data/tagger of the checkout)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_TAGGER_MODEL") is { Length: > 0 } dir ? dir : Path.Combine(Root, ".data", "tagger"),
        };
        var callers = Positive("--callers", "Concurrent callers, one title per call", 64);
        var seconds = new Option<double>("--seconds") { Description = "Measuring time per setting", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Warm-up time per setting (not counted)", DefaultValueFactory = _ => 3 };
        var data = Data();
        var command = new Command("tagger-pool", "The tagger pool on a real silo with the checkpoint: texts/s unbatched (batch size 1) and batched, and where a batch's time goes")
        {
            model, callers, seconds, warmup, data,
        };
        command.SetAction(async (parse, _) =>
        {
            var oaMine = Path.GetFullPath(Path.Combine(parse.GetRequiredValue(data), "oamine-product-title-attributes", OaMine.FileName));
            if (!File.Exists(oaMine))
            {
                throw new FileNotFoundException($"data file not found: {oaMine} (use --data DIR)", oaMine);
            }

            var titles = OaMine.Read(oaMine).Where(t => t.Split == "test").Select(t => t.Title).ToList();
            return await TaggerPoolBench.RunAsync(parse.GetRequiredValue(model), titles, parse.GetValue(callers),
                TimeSpan.FromSeconds(parse.GetValue(seconds)), TimeSpan.FromSeconds(parse.GetValue(warmup)), Console.Out);
        });
        return command;
    }

    private static Option<string> Data() => new("--data")
    {
        Description = "Folder of the data sets (default $ESRS_DATA or ../shared/data beside the checkout)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_DATA") is { Length: > 0 } dir ? dir : Path.Combine(Root, "..", "shared", "data"),
    };

    private static Option<int> Positive(string name, string description, int defaultValue) =>
        OptionChecks.Positive(name, description, defaultValue);
}
