using System.Globalization;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Client.Import;
using Esrs.Client.Load;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Esrs.Tests.Faults;

/// <summary>
/// The grid under load from the load client, on 3 silos with PostgreSQL, while a process dies: a silo killed with SIGKILL
/// and started again, a silo paused (SIGSTOP) past the membership timeout, PostgreSQL restarted, Redis killed and started
/// again under the stream consumers, a consumer killed with entries in hand, and a gateway shedding load. After each, every
/// acknowledged event is kept exactly once (the ledger held against every profile), and the time the grid took to come
/// back is measured (artifacts/faults/*.json). Minutes each: tagged Slow, run by <c>./esrs test --all</c>.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterFaultTests(LocalCluster cluster, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task ASiloKilledMidIngestAndStartedAgainLosesNothingAndCountsNothingTwice()
    {
        await RunFaultAsync("silo-kill", async (at, runner) =>
        {
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(10));
            at.Add(runner.Elapsed.TotalSeconds);
            await cluster.SiloAsync("kill", "2");
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(25));
            await cluster.SiloAsync("start", "2");
        });

        // The ledger check above read back the users the killed silo held from storage: for the busiest of the Zipf-skewed
        // users that meant a dedupe window from its snapshot and the adds after it, and a quarantine from its rows.
        await using var database = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={cluster.Environment["ESRS_PG_PORT"]};Username=postgres;Database=esrs");
        await database.OpenAsync();
        await using var rows = new Npgsql.NpgsqlCommand(
            "SELECT count(DISTINCT GrainKey) FILTER (WHERE RowKey < 0), count(DISTINCT GrainKey) FILTER (WHERE RowKey >= 0) FROM EsrsGrainStateRow", database);
        await using var reader = await rows.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (windows, quarantines) = (reader.GetInt64(0), reader.GetInt64(1));
        output.WriteLine($"users with their dedupe window in rows: {windows}; with quarantine rows: {quarantines}");
        Assert.True(windows > 0 && quarantines > 0, $"windows in rows: {windows}, quarantines in rows: {quarantines}");
    }

    [Fact]
    public Task ASiloPausedPastTheMembershipTimeoutLosesNothingAndCountsNothingTwice() =>
        RunFaultAsync("silo-pause", async (at, runner) =>
        {
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(10));
            at.Add(runner.Elapsed.TotalSeconds);
            await cluster.SiloAsync("pause", "3");
            // Past the membership timeout (probes every 5 s, 3 missed): the others declare it dead; resumed, it learns so and stops.
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(40));
            await cluster.SiloAsync("resume", "3");
            await Task.Delay(TimeSpan.FromSeconds(3));
            await cluster.HealAsync();
        }, new FaultRun(Duration: TimeSpan.FromSeconds(60)));

    [Fact]
    public Task PostgreSqlRestartedMidIngestLosesNothingAndCountsNothingTwice() =>
        RunFaultAsync("postgres-restart", async (at, runner) =>
        {
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(10));
            at.Add(runner.Elapsed.TotalSeconds);
            await cluster.SiloAsync("stop-postgres");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await cluster.SiloAsync("start-postgres");
        });

    [Fact]
    public Task RedisKilledAndRestartedWithTheConsumersRunningLosesNothingAndCountsNothingTwice() =>
        RunFaultAsync("redis-restart", async (at, runner) =>
        {
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(10));
            at.Add(runner.Elapsed.TotalSeconds);
            // SIGKILL: no shutdown, no last save; what Redis acknowledged is in its append-only file.
            await cluster.KillRedisAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            await cluster.StartRedisAsync();
        }, new FaultRun(ViaRedis: true));

    [Fact]
    public Task AStreamConsumerKilledWithEntriesInHandLosesNothingAndCountsNothingTwice() =>
        RunFaultAsync("consumer-kill", async (at, runner) =>
        {
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(10));
            at.Add(runner.Elapsed.TotalSeconds);
            // Every silo consumes the stream: SIGKILL one with entries read and not acknowledged. It stays down for the rest
            // of the run, so the others must claim its entries once they are idle past ClaimIdle (30 s).
            await cluster.SiloAsync("kill", "2");
        }, new FaultRun(ViaRedis: true));

    [Fact]
    public async Task AGatewayUnderOverloadShedsWith503RetryAfterAndLosesNoAcknowledgedEvent()
    {
        // A second frontend gateway in front of the same silos, with room for two ingest requests and no queue, under
        // 48 writers that never wait between requests: most requests are shed, each with Retry-After, and retried.
        await using var gateway = await StartGatewayAsync(("Esrs:Gateway:MaxConcurrentIngests", "2"), ("Esrs:Gateway:IngestQueueLimit", "0"), ("Esrs:Gateway:RetryAfterSeconds", "1"));
        var report = await RunFaultAsync("gateway-overload", (_, _) => Task.CompletedTask, new FaultRun(
            Gateway: new Uri(gateway.Urls.First() + "/"),
            Settings: new LoadSettings { Concurrency = 48, Duration = TimeSpan.FromSeconds(30), Batch = 5, ReadShare = 0, ProbeRate = 5, GiveUpAfter = TimeSpan.FromSeconds(120) }));
        await gateway.StopAsync();

        Assert.True(report.Errors.TryGetValue("http-503", out var shed) && shed > 0, "the gateway shed nothing: " + string.Join(", ", report.Errors));
        Assert.DoesNotContain(report.Errors.Keys, k => k.EndsWith("no-retry-after", StringComparison.Ordinal));
    }

    /// <summary>How a fault run drives the grid: through which gateway, over HTTP or the Redis stream, at what load.</summary>
    /// <param name="Duration">How long the load runs (default 45 s): long enough that a recovery can be seen to hold for 5 s.</param>
    private sealed record FaultRun(bool ViaRedis = false, Uri? Gateway = null, LoadSettings? Settings = null, TimeSpan? Duration = null);

    private async Task<WebApplication> StartGatewayAsync(params (string Key, string Value)[] settings)
    {
        var args = new List<string> { "--Esrs:Gateway:Url", "http://127.0.0.1:0", "--Esrs:Gateway:KeysFile", Path.Combine(cluster.DataDirectory, "gateway-keys.json") };
        var gatewayPort = int.Parse(cluster.Environment["ESRS_GATEWAY_PORT"], CultureInfo.InvariantCulture);
        for (var k = 0; k < LocalCluster.Silos; k++)
        {
            args.AddRange([$"--Esrs:Gateway:SiloGateways:{k}", "127.0.0.1:" + (gatewayPort + k).ToString(CultureInfo.InvariantCulture)]);
        }

        foreach (var (key, value) in settings)
        {
            args.AddRange(["--" + key, value]);
        }

        var app = GatewayHost.Build([.. args], builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        return app;
    }

    private async Task<LoadReport> RunFaultAsync(string fault, Func<List<double>, LoadRunner, Task> inject, FaultRun? run = null)
    {
        run ??= new FaultRun();
        await cluster.HealAsync();
        var ledgerPath = Path.Combine(cluster.DataDirectory, fault + ".ledger");
        await using var target = await LoadTarget.OpenAsync(run.Gateway ?? cluster.Gateway, cluster.Keys["ESRS_API_KEY"], cluster.Keys["ESRS_READ_KEY"],
            run.ViaRedis ? cluster.Redis : null, "esrs:events", connections: 256);
        var vocabulary = LoadVocabulary.Read(Path.GetDirectoryName(Path.GetDirectoryName(UciExpectations.DataFile))!, uciRows: 20_000, taobaoRows: 50_000);
        var workload = new LoadWorkload(vocabulary, new WorkloadSettings(Users: 20_000, DirtyShare: 0.1), runId: fault + "-" + Guid.NewGuid().ToString("N")[..6], seed: 7);
        var settings = run.Settings ?? new LoadSettings { Rate = 30, Duration = run.Duration ?? Load, Batch = 5, ReadShare = 0.1, ProbeRate = 5, GiveUpAfter = TimeSpan.FromSeconds(120) };
        LoadReport report;
        var faultsAt = new List<double>();
        using (var ledger = new LoadLedger(ledgerPath))
        {
            var runner = new LoadRunner(target, workload, settings, ledger);
            var running = runner.RunAsync(TextWriter.Null, interactive: false);
            await inject(faultsAt, runner);
            report = await running;
        }

        // Through the Redis stream an acknowledgement means "Redis has it": the check waits, bounded, until every entry
        // has been applied (a killed consumer's entries wait ClaimIdle before another silo claims them).
        var drain = System.Diagnostics.Stopwatch.StartNew();
        var check = await LedgerCheck.RunAsync(target, ledgerPath, TimeSpan.FromSeconds(run.ViaRedis ? 180 : 30), TextWriter.Null);
        drain.Stop();
        await cluster.HealAsync();
        double? recovery = faultsAt.Count > 0 ? report.RecoverySeconds(faultsAt[0]) : null;
        var record = new
        {
            fault,
            via = run.ViaRedis ? "redis" : "http",
            sent = report.EventsSent,
            acknowledged = report.EventsAcknowledged,
            abandoned = report.EventsAbandoned,
            lost = check.Lost,
            duplicated = check.Twice,
            faultAtSeconds = faultsAt.Count > 0 ? Math.Round(faultsAt[0], 1) : (double?)null,
            recoverySeconds = recovery,
            allAppliedSecondsAfterLoad = Math.Round(drain.Elapsed.TotalSeconds, 1),
            writeP99Ms = report.WriteLatencyMs.P99,
            eventToVisibleP99Ms = report.EventToVisibleMs.P99,
            eventToVisibleMaxMs = report.EventToVisibleMs.Max,
            errors = report.Errors,
            acknowledgedPerSecond = report.AcknowledgedPerSecond,
        };
        var json = JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        Directory.CreateDirectory(Path.Combine(TestServices.Artifacts, "faults"));
        await File.WriteAllTextAsync(Path.Combine(TestServices.Artifacts, "faults", fault + ".json"), json);
        await File.WriteAllTextAsync(Path.Combine(TestServices.Artifacts, "faults", fault + ".svg"),
            LoadTimelineChart.Render($"{fault}: 3 silos on PostgreSQL under the load client ({record.via})", report.AcknowledgedPerSecond, report.ErrorsPerSecond,
                [.. faultsAt.Take(1).Select(at => (at, fault))]));

        if (!check.Passed)
        {
            await WriteMismatchesAsync(fault, ledgerPath, check);
        }

        Assert.True(check.Passed, check.ToText() + "\n" + string.Join("\n", check.Mismatches.Take(10).Select(m => $"{m.UserId}: {m.Problem}")));
        Assert.Equal(0, check.Lost);
        Assert.Equal(0, check.Twice);
        Assert.Equal(0, report.EventsAbandoned);
        Assert.True(report.EventsAcknowledged > 0);
        if (faultsAt.Count > 0)
        {
            Assert.True(recovery is not null, "acknowledgements never came back to half their rate before the fault: " + string.Join(",", report.AcknowledgedPerSecond));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fault}: recovered in {recovery:0} s"));
        }

        return report;
    }

    /// <summary>For each user that does not account for the ledger: its ledger lines, counters and quarantine, into the artifacts.</summary>
    private async Task WriteMismatchesAsync(string fault, string ledgerPath, LedgerCheckResult check)
    {
        using var http = new HttpClient { BaseAddress = cluster.Gateway };
        http.DefaultRequestHeaders.Add("X-Api-Key", cluster.Keys["ESRS_READ_KEY"]);
        var lines = File.ReadAllLines(ledgerPath);
        var text = new System.Text.StringBuilder();
        foreach (var m in check.Mismatches.Take(20))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## {m.UserId}: {m.Problem}; {m.Profile}");
            foreach (var line in lines.Where(l => l.Contains("\t" + m.UserId + "\t", StringComparison.Ordinal)))
            {
                text.AppendLine(line);
            }

            text.AppendLine(await http.GetStringAsync($"v1/users/{m.UserId}/quarantine?limit=500"));
        }

        await File.WriteAllTextAsync(Path.Combine(TestServices.Artifacts, "faults", fault + "-mismatches.txt"), text.ToString());
        output.WriteLine(text.ToString());
    }

    private static async Task WaitUntilAsync(LoadRunner runner, TimeSpan at)
    {
        var wait = at - runner.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }
}
