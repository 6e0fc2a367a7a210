using Esrs.Cli;
using System.CommandLine;
using System.Globalization;
using Esrs.Bench.Evaluation;
using Esrs.Client.Import;
using Esrs.Recommending;
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

            var rows = UciOnlineRetail.ReadRows(file, parse.GetValue(events)).ToList();
            // The catalogue of the same rows' items, as ./esrs import uci-items sends it.
            var catalogue = CatalogueImport.UciItems(rows).Select(r => new Catalogue.CatalogueRecord
            {
                ItemId = r.ItemId!, Title = r.Title, CategoryPath = r.CategoryPath, Brand = r.Brand, ListPrice = r.ListPrice, SalePrice = r.SalePrice, Currency = r.Currency, Description = r.Description,
            }).ToList();
            return await IngestBench.RunAsync([.. rows.Select(UciOnlineRetail.ToEvent)], catalogue);
        });
        root.Add(TaggerPool());
        root.Add(Evaluate());
        root.Add(Rank());
        root.Add(Baselines());
        root.Add(Profiles());
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter? error = null) => CommandLineRunner.RunAsync(Create(), args, args is ["evaluate", ..] ? "esrs evaluate" : "esrs bench", error, ex => ex switch
    {
        // The gateway or Redis away (evaluate links --grid, bench rank): 3, as the client's commands answer it.
        Esrs.Client.Import.ImportException => ExitCodes.Unreachable,
        _ => null,
    });

    private static Command Profiles()
    {
        var users = Positive("--users", "User profiles to create on the one silo", 1_000_000);
        var events = Positive("--events-per-user", "Events each user gets in phase 1", 2);
        var concurrency = Positive("--concurrency", "Users written at once in phase 1", 256);
        var hot = Positive("--hot-users", "Users of the hot set that keeps writing while the others are collected", 1_000);
        var rate = Positive("--hot-rate", "Writes per second of the hot set", 200);
        var command = new Command("profiles", "Many user profiles on one silo (SQLite, in process): activation rate, memory and storage per profile, collection of idle grains while a hot set keeps writing (its latency), reactivation")
        {
            users, events, concurrency, hot, rate,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var (n, h) = (parse.GetValue(users), parse.GetValue(hot));
            if (h >= n)
            {
                throw new Cli.UsageException("--hot-users must be fewer than --users");
            }

            await ProfilesAtScale.RunAsync(n, parse.GetValue(events), parse.GetValue(concurrency), h, parse.GetValue(rate), Console.Out, Console.Error);
            return ExitCodes.Success;
        });
        return command;
    }

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

    private static Command Rank()
    {
        var rate = Positive("--rate", "Requests per second, open loop", 1000);
        var seconds = Positive("--seconds", "Measured seconds per call", 20);
        var warmup = Positive("--warmup", "Warm-up seconds per call (not counted)", 5);
        var candidates = Positive("--candidates", "Candidates per rank request", 100);
        var rows = Positive("--rows", "UCI rows imported first (profiles and item graph)", 50_000);
        var calls = new Option<string[]>("--calls")
        {
            Description = "Which calls to measure, in this order (a call named twice runs twice): " + string.Join(", ", RankBench.Calls),
            DefaultValueFactory = _ => [.. RankBench.Calls],
            AllowMultipleArgumentsPerToken = true,
        };
        calls.AcceptOnlyFromAmong([.. RankBench.Calls]);
        var data = Data();
        var command = new Command("rank", "POST /v1/users/{id}/rank and GET /v1/users/{id}/recommendations through real HTTP at a fixed rate: latency percentiles (one silo on SQLite and the gateway in process)")
        {
            rate, seconds, warmup, candidates, rows, calls, data,
        };
        command.SetAction(async (parse, _) =>
        {
            var file = Path.GetFullPath(Path.Combine(parse.GetRequiredValue(data), "uci-online-retail", UciOnlineRetail.FileName));
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"data file not found: {file} (use --data DIR)", file);
            }

            return await RankBench.RunAsync([.. UciOnlineRetail.ReadRows(file, parse.GetValue(rows))], parse.GetValue(rate), parse.GetValue(seconds),
                parse.GetValue(warmup), Math.Min(parse.GetValue(candidates), 500), [.. parse.GetRequiredValue(calls).SelectMany(c => c.Split(','))], Console.Out);
        });
        return command;
    }

    private static Command Baselines()
    {
        var events = Positive("--events", "Load-client events per path", 200_000);
        var seed = new Option<int>("--seed") { Description = "Seed of the load-client workload", DefaultValueFactory = _ => 1 };
        var users = Positive("--users", "User population", 100_000);
        var dirty = new Option<double>("--dirty") { Description = "Share of dirty events, 0..1", DefaultValueFactory = _ => 0.1 };
        var zipf = new Option<double>("--zipf") { Description = "Skew of user activity (Zipf exponent; 0 is uniform)", DefaultValueFactory = _ => 1.0 };
        var batch = Positive("--batch", "Events per request fed to the in-process grid", 10);
        var concurrency = Positive("--concurrency", "Requests in flight", 32);
        var postgres = new Option<string?>("--postgres")
        {
            Description = "PostgreSQL connection string for the naive baseline and Esrs on PostgreSQL (default $ESRS_POSTGRES; without one those rows are left out)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_POSTGRES"),
        };
        var connections = Positive("--connections", "Connections of the naive baseline", 8);
        var paths = new Option<string>("--paths") { Description = "Comma list of the paths to run: " + string.Join(", ", Esrs.Bench.Baselines.BaselinesBench.Paths), DefaultValueFactory = _ => string.Join(",", Esrs.Bench.Baselines.BaselinesBench.Paths) };
        paths.Validators.Add(r =>
        {
            var unknown = (r.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.TrimEntries).Except(Esrs.Bench.Baselines.BaselinesBench.Paths).ToList();
            if (unknown.Count > 0)
            {
                r.AddError($"--paths: unknown path(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Esrs.Bench.Baselines.BaselinesBench.Paths)}.");
            }
        });
        var data = Data();
        var command = new Command("baselines", "The same load-client events through a dictionary loop (the ceiling), Esrs in process on volatile, SQLite and PostgreSQL storage, and a naive per-event PostgreSQL design: events/s and ratios")
        {
            events, seed, users, zipf, dirty, batch, concurrency, postgres, connections, paths, data,
        };
        command.SetAction((parse, _) => Esrs.Bench.Baselines.BaselinesBench.RunAsync(parse.GetRequiredValue(data), parse.GetValue(events), parse.GetValue(seed), parse.GetValue(users),
            parse.GetValue(zipf), parse.GetValue(dirty), parse.GetValue(batch), parse.GetValue(concurrency), parse.GetValue(postgres), parse.GetValue(connections),
            parse.GetRequiredValue(paths).Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal), Console.Out));
        return command;
    }

    private static Command Evaluate()
    {
        var data = Data();
        var seed = new Option<int>("--seed") { Description = "Seeds the dirt injector and the bootstrap", DefaultValueFactory = _ => 1 };
        var resamples = Positive("--resamples", "Bootstrap resamples for the 95 % intervals", 1000);
        var rates = new Option<string>("--dirt")
        {
            Description = "Comma list of injected dirt rates (extra dirty events per clean training event)",
            DefaultValueFactory = _ => "0,0.1,0.3,0.5",
        };
        rates.Validators.Add(result =>
        {
            if (ParseRates(result.GetValueOrDefault<string>()) is null)
            {
                result.AddError($"--dirt needs a comma list of rates from 0 to 10, e.g. 0,0.1,0.3,0.5, not '{result.GetValueOrDefault<string>()}'.");
            }
        });
        var kindRate = new Option<double>("--kind-rate")
        {
            Description = "Rate at which each kind of dirt is also injected alone (0: skip that table)",
            DefaultValueFactory = _ => 0.3,
        };
        kindRate.Validators.Add(result =>
        {
            if (result.ValueOrNull<double>() is { } value && (value is < 0 or > 10 || !double.IsFinite(value)))
            {
                result.AddError($"--kind-rate must be from 0 to 10, not {value}.");
            }
        });
        var limit = new Option<int?>("--limit") { Description = "Read only the first N rows (quick trials; the split needs rows after 2011-10-01)" };
        limit.Validators.Add(result => result.AddErrorIfBelow(1));
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file" };
        var noTaobao = new Option<bool>("--no-taobao") { Description = "Leave out the Taobao slice's next-category prediction" };
        var svg = new Option<string?>("--svg") { Description = "Also draw NDCG@10 against the dirt rate, raw and Esrs, as SVG to this file" };
        var tagger = new Option<string>("--tagger")
        {
            Description = "Tagger checkpoint directory for the esrs+rank+tags system (default $ESRS_TAGGER_MODEL or .data/tagger of the checkout; left out when it holds no checkpoint)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_TAGGER_MODEL") is { Length: > 0 } dir ? dir : Path.Combine(Root, ".data", "tagger"),
        };
        var noTags = new Option<bool>("--no-tags") { Description = "Leave out the esrs+rank+tags system even when a checkpoint exists" };
        var blend = new Option<double>("--blend") { Description = "Share of the recommender's own score when the profile re-ranks (esrs+rank systems), 0..1", DefaultValueFactory = _ => 0.5 };
        blend.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is var value && (value is < 0 or > 1 || !double.IsFinite(value)))
            {
                result.AddError($"--blend must be from 0 to 1, not {value}.");
            }
        });
        var registry = new Option<string>("--registry") { Description = "The registry CSV (./esrs generate registry); its truth is FILE.truth.csv", Required = true };
        var truthFile = new Option<string?>("--truth") { Description = "The truth CSV (default: the registry's FILE.truth.csv)" };
        var linksJson = new Option<string?>("--json") { Description = "Also write the scores as JSON to this file" };
        var grid = new Option<bool>("--grid") { Description = "Score the running grid's links (GET /v1/users/{id}/links, after ./esrs import registry) instead of linking in process" };
        var gridUrl = new Option<string>("--url") { Description = "Gateway URL for --grid (read key from ESRS_READ_KEY)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_GATEWAY_URL") ?? "http://127.0.0.1:5080/" };
        var links = new Command("links", "Identity linking scored: the registry pseudonymised and linked by the registry's own code (or, with --grid, the running grid's links), the persons found against the planted truth (pair precision and recall, recall per plant, look-alike strangers joined)")
        {
            registry, truthFile, linksJson, grid, gridUrl,
        };
        links.SetAction(async (parse, cancel) =>
        {
            var file = parse.GetRequiredValue(registry);
            var truth = parse.GetValue(truthFile) ?? file + ".truth.csv";
            foreach (var path in new[] { file, truth })
            {
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException($"file not found: {Path.GetFullPath(path)} (./esrs generate registry writes both)", path);
                }
            }

            var truthRows = Esrs.Client.Identity.RegistryGenerator.ReadTruth(truth);
            Esrs.Client.Identity.LinkScore score;
            if (parse.GetValue(grid))
            {
                var key = Environment.GetEnvironmentVariable("ESRS_READ_KEY") ?? throw new Cli.UsageException("evaluate links --grid: ESRS_READ_KEY is needed (./esrs run prints the development keys)");
                var url = parse.GetRequiredValue(gridUrl);
                using var http = new HttpClient { BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/") };
                http.DefaultRequestHeaders.Add(Esrs.Client.Gateway.ApiKeyAuthorizer.Header, key);
                await Esrs.Client.Import.GridEndpoints.CheckGatewayAsync(http);
                score = await Esrs.Client.Identity.LinkEvaluation.FromGridAsync(http, truthRows, cancel);
                await Console.Out.WriteLineAsync($"Links of the running grid at {http.BaseAddress} (GET /v1/users/{{id}}/links for {truthRows.Count:N0} users):");
            }
            else
            {
                score = Esrs.Client.Identity.LinkEvaluation.Run([.. Esrs.Client.Identity.RegistryCsv.Read(file)], truthRows);
                await Console.Out.WriteLineAsync("Links made in process by the registry's own pseudonymisation and rules:");
            }

            await Console.Out.WriteAsync(score.ToMarkdown());
            if (parse.GetValue(linksJson) is { } jsonFile)
            {
                await File.WriteAllTextAsync(jsonFile, System.Text.Json.JsonSerializer.Serialize(new
                {
                    score.Records, score.Refused, score.Persons, score.TruePairs, score.PredictedPairs, score.CorrectPairs, score.Precision, score.Recall,
                    recallByPlant = score.RecallByPlant.ToDictionary(p => p.Key, p => new { planted = p.Value.Planted, found = p.Value.Found }),
                    lookalikesJoined = score.LookalikesJoined.ToDictionary(p => p.Key, p => new { planted = p.Value.Planted, joined = p.Value.WronglyJoined }),
                    score.LinksByEvidence,
                }), cancel);
            }

            return ExitCodes.Success;
        });
        var command = new Command("evaluate", "Offline proof that cleaning pays: the recommender trained on raw UCI rows and on Esrs's cleaned stream, every product ranked for every test customer (HR@10, NDCG@10, Recall@20, MRR with 95 % bootstrap intervals), then under injected dirt")
        {
            data, seed, resamples, rates, kindRate, limit, json, svg, noTaobao, tagger, noTags, blend, links,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var file = Path.GetFullPath(Path.Combine(parse.GetRequiredValue(data), "uci-online-retail", UciOnlineRetail.FileName));
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"data file not found: {file} (use --data DIR)", file);
            }

            var model = parse.GetValue(noTags) ? null : LoadTagger(parse.GetRequiredValue(tagger));
            using var disposeModel = model as IDisposable;
            var evaluation = new OfflineEvaluation(new RecommendOptions(), parse.GetValue(seed), parse.GetValue(resamples), ParseRates(parse.GetRequiredValue(rates))!, parse.GetValue(kindRate), Console.Error,
                model, new Esrs.Tagging.TaggerOptions().MinScore, parse.GetValue(blend));
            var taobao = Path.GetFullPath(Path.Combine(parse.GetRequiredValue(data), "taobao-user-behavior-slice", TaobaoUserBehavior.FileName));
            var report = evaluation.Run(file, parse.GetValue(limit), parse.GetValue(noTaobao) || !File.Exists(taobao) ? null : taobao);
            await Console.Out.WriteAsync(EvaluationOutput.Markdown(report));
            if (parse.GetValue(json) is { } jsonFile)
            {
                await File.WriteAllTextAsync(jsonFile, EvaluationOutput.ToJson(report), cancel);
            }

            if (parse.GetValue(svg) is { } svgFile)
            {
                await File.WriteAllTextAsync(svgFile, EvaluationOutput.DirtChart(report), cancel);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The silo's model code over the checkpoint in <paramref name="directory"/>, or null (said on stderr) when there is none.</summary>
    private static Esrs.Tagging.ITagModel? LoadTagger(string directory)
    {
        var model = Esrs.Silo.Tagging.TorchTagModel.Load(new Esrs.Tagging.TaggerOptions { ModelDirectory = directory }, directory);
        if (model.IsAvailable)
        {
            return model;
        }

        Console.Error.WriteLine($"evaluate: no tagger checkpoint in {Path.GetFullPath(directory)}: the esrs+rank+tags system is left out (./esrs train-tagger makes one)");
        return null;
    }

    private static List<double>? ParseRates(string? text)
    {
        var rates = new List<double>();
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate is < 0 or > 10 || !double.IsFinite(rate))
            {
                return null;
            }

            rates.Add(rate);
        }

        return rates.Count == 0 ? null : rates;
    }

    private static Option<string> Data() => new("--data")
    {
        Description = "Folder of the data sets (default $ESRS_DATA or ../shared/data beside the checkout)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_DATA") is { Length: > 0 } dir ? dir : Path.Combine(Root, "..", "shared", "data"),
    };

    private static Option<int> Positive(string name, string description, int defaultValue) =>
        OptionChecks.Positive(name, description, defaultValue);
}
