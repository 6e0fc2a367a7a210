using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Tests.Support;

namespace Esrs.Tests.Readme;

/// <summary>
/// The README's quick start as a new user runs it, through the <c>esrs</c> script: <c>./esrs run</c> (on free loopback
/// ports and a fresh data folder), then import, curl of a profile, <c>./esrs quality</c>, <c>./esrs client profile</c>,
/// <c>./esrs redrive --dry-run</c>, and the keys never on a command line that <c>ps</c> shows.
/// </summary>
public sealed class ReadmeQuickStartTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Slow")]
    public async Task TheQuickStartWorksAsWrittenAndNoKeyIsOnACommandLine()
    {
        var ports = (Http: RealSilo.FreePort(), Silo: RealSilo.FreePort(), Gateway: RealSilo.FreePort(), Metrics: RealSilo.FreePort());
        var environment = new Dictionary<string, string>
        {
            ["ESRS_DATA_DIR"] = _data.Path,
            ["ESRS_HTTP_PORT"] = ports.Http.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ESRS_SILO_PORT"] = ports.Silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ESRS_GATEWAY_PORT"] = ports.Gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ESRS_METRICS_PORT"] = ports.Metrics.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ESRS_NO_BUILD"] = "1",
            // The monitors' cadence, shortened: the snapshot shows an import within a second instead of several.
            ["Esrs__Quality__FlushInterval"] = "00:00:00.200",
            ["Esrs__Quality__PushInterval"] = "00:00:00.200",
            ["Esrs__Quality__TickInterval"] = "00:00:00.300",
        };
        // The gateway starts last: its "listening" line means both processes are up.
        using var run = EsrsScript.StartWatched(["run"], $"Now listening on: http://127.0.0.1:{ports.Http}", environment, out var started, out _);
        try
        {
            await started.WaitAsync(Patience);
            var keys = File.ReadAllLines(Path.Combine(_data.Path, "dev-keys.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal(4, keys.Count);

            // No key in the command line of the script, the silo or the gateway.
            foreach (var pid in ProcessTree(run.Id))
            {
                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                Assert.All(keys.Values, key => Assert.DoesNotContain(key, commandLine, StringComparison.Ordinal));
            }

            // "The catalogue": UCI's items first, so the events are joined to them (price disagreements show among the first 2,000).
            var (itemsCode, itemsText) = await RunAsync(["import", "uci-items"], environment);
            Assert.True(itemsCode == 0, itemsText);
            Assert.Matches(@"records read\s+4,070", itemsText);
            var (flipkartCode, flipkartText) = await RunAsync(["import", "flipkart-product-catalog"], environment);
            Assert.True(flipkartCode == 0, flipkartText);
            Assert.Matches(@"records read\s+20,000", flipkartText);
            Assert.Matches(@"catalogue\.category\.cut-off\s+1,732", flipkartText);

            var (importCode, importText) = await RunAsync(["import", "uci-online-retail", "--limit", "2000"], environment);
            Assert.True(importCode == 0, importText);
            Assert.Matches(@"read\s+2,000", importText);
            Assert.Matches(@"rule catalogue\.disagree\s+\d", importText);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}/") };
            http.DefaultRequestHeaders.Add("X-Api-Key", keys["ESRS_READ_KEY"]);
            // The README's catalogue curls: the case twin names its product; the Flipkart source shows its counts.
            var twin = await http.GetFromJsonAsync<JsonElement>("v1/catalogue/items/85123a");
            Assert.Equal("85123A", twin.GetProperty("canonicalId").GetString());
            var flipkart = await http.GetFromJsonAsync<JsonElement>("v1/catalogue/flipkart?limit=5");
            Assert.Equal(20_000, flipkart.GetProperty("received").GetInt64());
            var profile = await http.GetFromJsonAsync<JsonElement>("v1/users/17850/profile");
            Assert.True(profile.GetProperty("counts").GetProperty("purchase").GetInt32() > 0);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/users/~unattributed%2F3/quarantine?limit=20")).StatusCode);

            // "Ranking and recommendations": the README's rank body for 17850, whose first line bought 85123A.
            var rank = await http.PostAsync("v1/users/17850/rank", new StringContent("""
                {"candidates": [{"itemId": "85123A", "title": "WHITE HANGING HEART T-LIGHT HOLDER", "score": 0.7},
                                {"itemId": "22423", "title": "REGENCY CAKESTAND 3 TIER", "score": 0.9}], "blend": 0.5}
                """, Encoding.UTF8, "application/json"));
            var ranked = await rank.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(ranked.GetProperty("personalised").GetBoolean(), ranked.ToString());
            Assert.Equal("85123A", ranked.GetProperty("items")[0].GetProperty("itemId").GetString());
            using (var fed = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                // The item graph is fed every second after the import's writes.
                JsonElement recommended;
                while ((recommended = await http.GetFromJsonAsync<JsonElement>("v1/users/17850/recommendations?k=20", fed.Token)).GetProperty("items").GetArrayLength() == 0)
                {
                    await Task.Delay(200, fed.Token);
                }

                Assert.True(recommended.GetProperty("personalised").GetBoolean());
            }

            // The monitors are asynchronous by design (collector, shards, aggregator tick): wait, bounded, for the import to show.
            using var operatorHttp = new HttpClient { BaseAddress = http.BaseAddress };
            operatorHttp.DefaultRequestHeaders.Add("X-Api-Key", keys["ESRS_OPERATOR_KEY"]);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            // Until the snapshot has the source itself (the name alone can show up earlier, in another source's figures).
            while (!(await operatorHttp.GetFromJsonAsync<JsonElement>("v1/quality", deadline.Token)).GetProperty("sources").EnumerateArray()
                .Any(source => source.GetProperty("source").GetString() == "uci-online-retail"))
            {
                await Task.Delay(200, deadline.Token);
            }

            var export = await operatorHttp.GetFromJsonAsync<JsonElement>("v1/quality/export?epsilon=1");
            Assert.Contains(export.GetProperty("sources").EnumerateArray(), source => source.GetProperty("source").GetString() == "uci-online-retail");

            var (qualityCode, qualityText) = await RunAsync(["quality"], environment);
            Assert.True(qualityCode == 0, qualityText);
            Assert.Contains("uci-online-retail", qualityText, StringComparison.Ordinal);

            var (profileCode, profileText) = await RunAsync(["client", "profile", "17850"], environment);
            Assert.True(profileCode == 0, profileText);
            Assert.Contains("\"userId\": \"17850\"", profileText, StringComparison.Ordinal);

            // "Registry, pseudonyms and links": generate, import through the gateway, the links of 17850, the offline score.
            var registry = Path.Combine(_data.Path, "registry.csv");
            var (generateCode, generateText) = await RunAsync(["generate", "registry", "--users", "300", "--duplicates", "0.2", "--out", registry], environment);
            Assert.True(generateCode == 0, generateText);
            var (registryCode, registryText) = await RunAsync(["import", "registry", "--file", registry], environment);
            Assert.True(registryCode == 0, registryText);
            Assert.Matches(@"stored \(pseudonymised\)\s+300", registryText);
            var person = await http.GetFromJsonAsync<JsonElement>("v1/users/17850/links");
            Assert.Contains("17850", person.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
            var (scoreCode, scoreText) = await RunAsync(["evaluate", "links", "--registry", registry], environment);
            Assert.True(scoreCode == 0, scoreText);
            Assert.Contains("| precision | recall |", scoreText, StringComparison.Ordinal);
            var (gridCode, gridText) = await RunAsync(["evaluate", "links", "--registry", registry, "--grid"], environment);
            Assert.True(gridCode == 0, gridText);
            // The grid's links score as the in-process linking does (the first table's row: same pairs, same precision, recall).
            Assert.Equal(scoreText.Split('\n')[2], gridText.Split('\n')[2]);

            // "Erasing a user", as the README shows it: 17850 goes, with what it had.
            using (var erased = await operatorHttp.DeleteAsync("v1/users/17850"))
            {
                var result = await erased.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(erased.StatusCode == HttpStatusCode.OK, result.ToString());
                Assert.True(result.GetProperty("hadState").GetBoolean() && result.GetProperty("eventsApplied").GetInt64() > 0 && result.GetProperty("scrubbed").GetBoolean(), result.ToString());
                Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("v1/users/17850/profile")).GetProperty("ingest").GetProperty("accepted").GetInt64());
            }

            var (redriveCode, redriveText) = await RunAsync(["redrive", "--dry-run", "--redis", TestServices.Redis, "--dead-stream", "esrs:readme:" + Guid.NewGuid().ToString("N")], environment);
            Assert.True(redriveCode == 0, redriveText);
            Assert.Matches(@"dead letters read\s+0", redriveText);

            // "Load, clusters and faults": the load client with a ledger, then the ledger check, as the README shows them.
            var ledger = Path.Combine(_data.Path, "run.ledger");
            var timeline = Path.Combine(_data.Path, "run.svg");
            var (loadCode, loadText) = await RunAsync(["load", "--rate", "50", "--duration", "5", "--ledger", ledger, "--svg", timeline], environment);
            Assert.True(loadCode == 0, loadText);
            Assert.StartsWith("<svg", await File.ReadAllTextAsync(timeline), StringComparison.Ordinal);
            Assert.Contains("<polyline class=\"a\"", await File.ReadAllTextAsync(timeline), StringComparison.Ordinal);
            Assert.Matches(@"abandoned\s+0", loadText);
            // An open loop reports reads from when they were due and from when they were sent, and its own lag between the two:
            // a read never takes longer from its send than from its due time, so neither can any percentile.
            double[] Row(string name) => System.Text.RegularExpressions.Regex.Match(loadText, "(?m)^" + System.Text.RegularExpressions.Regex.Escape(name) + @"\s+([\d,]+)((?:\s+[\d.]+){5})")
                .Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var (due, sent, lag) = (Row("profile read"), Row("  from send"), Row("client's send lag"));
            Assert.True(due.Length == 5 && sent.Length == 5 && lag.Length == 5, loadText);
            Assert.All(due.Zip(sent), p => Assert.True(p.Second <= p.First, loadText));
            var (checkCode, checkText) = await RunAsync(["load", "check", "--ledger", ledger], environment);
            Assert.True(checkCode == 0, checkText);
            Assert.Contains("lost 0, counted twice 0: PASS", checkText, StringComparison.Ordinal);
            File.AppendAllLines(ledger, [$"A\tnever-sent-{Guid.NewGuid():N}\tload-x-1\taccepted\tclean"]);
            var (tamperedCode, tamperedText) = await RunAsync(["load", "check", "--ledger", ledger, "--wait", "1"], environment);
            Assert.True(tamperedCode == 1, tamperedText);
            Assert.Contains("FAIL", tamperedText, StringComparison.Ordinal);
            var (baselinesCode, baselinesText) = await RunAsync(["bench", "baselines", "--events", "2000", "--paths", "dictionary,volatile,sqlite"], environment);
            Assert.True(baselinesCode == 0, baselinesText);
            Assert.Contains("| Esrs, one silo, volatile state", baselinesText, StringComparison.Ordinal);
            Assert.Contains("| Esrs, one silo, SQLite, group commit", baselinesText, StringComparison.Ordinal);
            // The durable path's diagnostics: commits, writes, and what a write sends (state, quarantine rows, log rows).
            Assert.Matches(@"SqliteGroupCommit: [\d,]+ group commits for [\d,]+ grain writes .* ms per commit, \d+\.\d KB a write", baselinesText);
            // "./esrs bench --events N": the ingest micro-benchmark and the stored state per profile, its quarantine rows included.
            var (benchCode, benchText) = await RunAsync(["bench", "--events", "2000"], environment);
            Assert.True(benchCode == 0, benchText);
            Assert.Matches(@"\| stored user states \(SQLite\), mean bytes: state and its quarantine rows \| [1-9][\d,]* states, [1-9][\d,]* B \|", benchText);
            Assert.Matches(@"(?m)^read +2,000$", benchText);
            // "Latency at a fixed request rate": a profile read split into grain, Orleans client and HTTP, then a rank; every request answered.
            var (rankCode, rankText) = await RunAsync(["bench", "rank", "--calls", "profile-grain", "profile-client", "profile", "rank", "--rate", "50", "--seconds", "1", "--warmup", "1", "--rows", "2000"], environment);
            Assert.True(rankCode == 0, rankText);
            foreach (var row in new[] { "profile read, grain call in the silo (no HTTP)", "profile read, the gateway's Orleans client (no HTTP)", "profile read", "rank, 100 candidates" })
            {
                Assert.Matches(@"(?m)^\| " + System.Text.RegularExpressions.Regex.Escape(row) + @" \| 50 \| 0 \|", rankText);
            }

            var (usageCode, usageText) = await RunAsync(["import", "no-such-data-set"], environment);
            Assert.Equal(2, usageCode);
            Assert.Contains("no-such-data-set", usageText, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var pid in Enumerable.Reverse(ProcessTree(run.Id)))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                }
            }

            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
    }

    private static async Task<(int Code, string Text)> RunAsync(string[] arguments, Dictionary<string, string> environment)
    {
        var (code, stdout, stderr) = await EsrsScript.RunAsync(arguments, Patience, environment);
        return (code, stdout + stderr);
    }

    /// <summary>The process and its descendants, parents first.</summary>
    private static List<int> ProcessTree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException)
            {
            }
        }

        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(children.GetValueOrDefault(tree[i]) ?? []);
        }

        return tree;
    }
}
