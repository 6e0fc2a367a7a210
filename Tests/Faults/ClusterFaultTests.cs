using System.Globalization;
using System.Text.Json;
using Esrs.Client.Import;
using Esrs.Client.Load;
using Esrs.Tests.Support;
using Xunit.Abstractions;

namespace Esrs.Tests.Faults;

/// <summary>
/// The grid under load from the load client, on 3 silos with PostgreSQL, while a process dies: a silo killed with SIGKILL
/// and started again, a silo paused (SIGSTOP) past the membership timeout, PostgreSQL restarted. After each, every
/// acknowledged event is kept exactly once (the ledger held against every profile), and the time the grid took to come
/// back is measured (artifacts/faults/*.json). Minutes each: tagged Slow, run by <c>./esrs test --all</c>.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterFaultTests(LocalCluster cluster, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    private static readonly TimeSpan Load = TimeSpan.FromSeconds(45);

    [Fact]
    public Task ASiloKilledMidIngestAndStartedAgainLosesNothingAndCountsNothingTwice() =>
        RunFaultAsync("silo-kill", async (at, runner) =>
        {
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(10));
            at.Add(runner.Elapsed.TotalSeconds);
            await cluster.SiloAsync("kill", "2");
            await WaitUntilAsync(runner, TimeSpan.FromSeconds(25));
            await cluster.SiloAsync("start", "2");
        });

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
        });

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

    private async Task RunFaultAsync(string fault, Func<List<double>, LoadRunner, Task> inject)
    {
        await cluster.HealAsync();
        var ledgerPath = Path.Combine(cluster.DataDirectory, fault + ".ledger");
        await using var target = await LoadTarget.OpenAsync(cluster.Gateway, cluster.Keys["ESRS_API_KEY"], cluster.Keys["ESRS_READ_KEY"], null, "", connections: 256);
        var vocabulary = LoadVocabulary.Read(Path.GetDirectoryName(Path.GetDirectoryName(UciExpectations.DataFile))!, uciRows: 20_000, taobaoRows: 50_000);
        var workload = new LoadWorkload(vocabulary, new WorkloadSettings(Users: 20_000, DirtyShare: 0.1), runId: fault + "-" + Guid.NewGuid().ToString("N")[..6], seed: 7);
        var settings = new LoadSettings { Rate = 30, Duration = Load, Batch = 5, ReadShare = 0.1, ProbeRate = 5, GiveUpAfter = TimeSpan.FromSeconds(120) };
        LoadReport report;
        var faultsAt = new List<double>();
        using (var ledger = new LoadLedger(ledgerPath))
        {
            var runner = new LoadRunner(target, workload, settings, ledger);
            var run = runner.RunAsync(TextWriter.Null, interactive: false);
            await inject(faultsAt, runner);
            report = await run;
        }

        await cluster.HealAsync();
        var check = await LedgerCheck.RunAsync(target, ledgerPath, TimeSpan.FromSeconds(30), TextWriter.Null);
        var recovery = report.RecoverySeconds(faultsAt[0]);
        var record = new
        {
            fault,
            sent = report.EventsSent,
            acknowledged = report.EventsAcknowledged,
            abandoned = report.EventsAbandoned,
            lost = check.Lost,
            duplicated = check.Twice,
            faultAtSeconds = Math.Round(faultsAt[0], 1),
            recoverySeconds = recovery,
            writeP99Ms = report.WriteLatencyMs.P99,
            errors = report.Errors,
            acknowledgedPerSecond = report.AcknowledgedPerSecond,
        };
        var json = JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        Directory.CreateDirectory(Path.Combine(TestServices.Artifacts, "faults"));
        await File.WriteAllTextAsync(Path.Combine(TestServices.Artifacts, "faults", fault + ".json"), json);
        await File.WriteAllTextAsync(Path.Combine(TestServices.Artifacts, "faults", fault + ".svg"),
            LoadTimelineChart.Render($"{fault}: 3 silos on PostgreSQL under the load client", report.AcknowledgedPerSecond, report.ErrorsPerSecond, [(faultsAt[0], fault)]));

        if (!check.Passed)
        {
            await WriteMismatchesAsync(fault, ledgerPath, check);
        }

        Assert.True(check.Passed, check.ToText() + "\n" + string.Join("\n", check.Mismatches.Take(10).Select(m => $"{m.UserId}: {m.Problem}")));
        Assert.Equal(0, check.Lost);
        Assert.Equal(0, check.Twice);
        Assert.Equal(0, report.EventsAbandoned);
        Assert.True(report.EventsAcknowledged > 0);
        Assert.True(recovery is not null, "acknowledgements never came back to half their rate before the fault: " + string.Join(",", report.AcknowledgedPerSecond));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fault}: recovered in {recovery:0} s"));
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
