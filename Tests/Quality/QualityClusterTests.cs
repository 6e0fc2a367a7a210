using System.Text.RegularExpressions;
using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Quality;
using Esrs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Esrs.Tests.Quality;

/// <summary>The monitors on real data in a cluster: UCI's known dirt, drift between sources, history across a restart.</summary>
public sealed partial class QualityClusterTests : IDisposable
{
    private const int Shards = 4;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public Task FirstTwentyThousandUciRowsShowTheFilesDirtInTheMonitor() => UciDirtMatchesTheRawFile(20_000);

    [Fact]
    [Trait("Category", "Slow")]
    public Task TheWholeUciFileShowsItsDirtInTheMonitor() => UciDirtMatchesTheRawFile(null);

    [Fact]
    public async Task ANewSourcesTypeMixFiresDriftWhileReimportingTheSameSourceDoesNot()
    {
        await using var cluster = await StartAsync("esrs-drift-" + Guid.NewGuid().ToString("N"));
        var quality = cluster.Client.GetGrain<IQualityGrain>(0);
        var uci = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 6_000).Select(UciOnlineRetail.ToEvent).ToList();
        await using var taobaoFile = File.OpenRead(Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, "..", "taobao-user-behavior-slice", TaobaoUserBehavior.FileName));
        var taobao = TaobaoUserBehavior.ReadEvents(taobaoFile, 6_000).ToList();

        await IngestAndTickAsync(cluster, uci.Take(3_000));
        await IngestAndTickAsync(cluster, uci.Skip(3_000));
        Assert.Empty(await quality.GetAlertsAsync(includeResolved: true));

        await IngestAndTickAsync(cluster, taobao);
        var drift = (await quality.GetAlertsAsync(includeResolved: false)).Where(a => a.Metric.StartsWith("drift_", StringComparison.Ordinal)).ToList();
        var typeMix = Assert.Single(drift, a => a.Metric == "drift_type_psi");
        Assert.Equal((QualityGrain.AllSources, "type", "psi"), (typeMix.Source, typeMix.Field, typeMix.Detector));
        Assert.True(typeMix.Observed > 1, $"PSI {typeMix.Observed}");
        Assert.Contains(drift, a => a.Metric == "drift_type_js");

        // The same UCI rows again (all duplicates now): UCI's own mix has not moved.
        var duplicatesBefore = (await quality.GetSnapshotAsync()).Sources.Single(s => s.Source == UciOnlineRetail.SourceName).Total.Duplicates;
        await IngestAndTickAsync(cluster, uci);
        var snapshot = await quality.GetSnapshotAsync();
        var uciNow = snapshot.Sources.Single(s => s.Source == UciOnlineRetail.SourceName);
        Assert.InRange(uciNow.LastTickMetrics["drift_type_psi"], 0, 0.01);
        Assert.DoesNotContain(await quality.GetAlertsAsync(includeResolved: true), a => a.Source == UciOnlineRetail.SourceName);
        Assert.Equal(duplicatesBefore + 6_000, uciNow.Total.Duplicates);
    }

    [Fact]
    public async Task HistoryAndAlertsSurviveAClusterRestart()
    {
        var serviceId = "esrs-history-" + Guid.NewGuid().ToString("N");
        var events = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 3_000).Select(UciOnlineRetail.ToEvent).ToList();
        IReadOnlyList<QualityPoint> before;
        await using (var cluster = await StartAsync(serviceId))
        {
            await IngestAndTickAsync(cluster, events);
            before = await cluster.Client.GetGrain<IQualityGrain>(0).GetHistoryAsync("quarantine_rate", UciOnlineRetail.SourceName, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), WindowGranularity.Minute);
            Assert.NotEmpty(before);
        }

        await using (var cluster = await StartAsync(serviceId))
        {
            var quality = cluster.Client.GetGrain<IQualityGrain>(0);
            var after = await quality.GetHistoryAsync("quarantine_rate", UciOnlineRetail.SourceName, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), WindowGranularity.Minute);
            Assert.Equal(before.Select(p => (p.Start, p.Value, p.Events)), after.Select(p => (p.Start, p.Value, p.Events)));
            var snapshot = await quality.GetSnapshotAsync();
            Assert.Equal(3_000, snapshot.Sources.Single(s => s.Source == UciOnlineRetail.SourceName).Total.Events);
        }
    }

    [Fact]
    public async Task WhatArrivedJustBeforeAStopIsCountedAfterTheRestart()
    {
        var serviceId = "esrs-stop-" + Guid.NewGuid().ToString("N");
        var events = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 2_000).Select(UciOnlineRetail.ToEvent).ToList();
        await using (var cluster = await StartAsync(serviceId))
        {
            // No flush and no tick: the collector, the shards and the aggregator still hold all of it in memory (their
            // timers are an hour here) when the cluster's only silo stops.
            await DirectIngest.RunAsync(cluster.Client, events, TextWriter.Null);
        }

        await using (var cluster = await StartAsync(serviceId))
        {
            var snapshot = await cluster.Client.GetGrain<IQualityGrain>(0).GetSnapshotAsync();
            Assert.Equal(2_000, snapshot.Sources.Single(s => s.Source == UciOnlineRetail.SourceName).Total.Events);
        }
    }

    [Fact]
    public async Task ARetriedDeliveryIsMergedOnceByTheShardAndByTheAggregator()
    {
        await using var cluster = await StartAsync("esrs-deliveries-" + Guid.NewGuid().ToString("N"));
        var shard = cluster.Client.GetGrain<IQualityShardGrain>(0);
        var sketch = new QualitySketch();
        var e = TestEvents.View("u-1");
        sketch.Add(e, new EventOutcome(e.EventId, OutcomeKind.Accepted, EventOutcome.NoDecisions), DateTime.UtcNow);

        // The collector's first send merged but its answer was lost; it sends the same numbered delivery again.
        Assert.True(await shard.MergeAsync("collector/test", 1, new() { ["shop"] = sketch }));
        Assert.False(await shard.MergeAsync("collector/test", 1, new() { ["shop"] = sketch }));
        Assert.True(await shard.MergeAsync("collector/test", 2, new() { ["shop"] = sketch }));
        await shard.FlushAsync();
        var quality = cluster.Client.GetGrain<IQualityGrain>(0);
        Assert.False(await quality.MergeAsync("shard/replayed", 1, new() { ["shop"] = sketch }) && await quality.MergeAsync("shard/replayed", 1, new() { ["shop"] = sketch }));
        await quality.TickAsync();

        Assert.Equal(3, (await quality.GetSnapshotAsync()).Sources.Single(s => s.Source == "shop").Total.Events);
    }

    private async Task UciDirtMatchesTheRawFile(int? limit)
    {
        var rows = UciOnlineRetail.ReadRows(UciExpectations.DataFile, limit).ToList();
        var expected = UciExpectations.From(rows);
        var nonProduct = NonProductRows(rows);
        await using var cluster = await StartAsync("esrs-uci-quality-" + Guid.NewGuid().ToString("N"));

        await IngestAndTickAsync(cluster, rows.Select(UciOnlineRetail.ToEvent));

        var snapshot = await cluster.Client.GetGrain<IQualityGrain>(0).GetSnapshotAsync();
        var uci = snapshot.Sources.Single(s => s.Source == UciOnlineRetail.SourceName);
        var total = uci.Total;
        if (limit is null)
        {
            // The data set's README counts 5,268 byte-identical rows and 135,080 rows without a customer; two more lines
            // repeat an invoice line with its description typed differently.
            Assert.Equal((5_268, 2, 135_080), (expected.ExactDuplicateLines, expected.RewordedDuplicates, expected.GuestLines));
        }

        Assert.Equal(rows.Count, total.Events);
        Assert.Equal(expected.Duplicates, total.DuplicatesByContent);
        Assert.Equal(expected.WithoutCustomer, total.QuarantineRules[RuleIds.UserMissing]);
        Assert.Equal(expected.Quarantined, total.Quarantined);
        Assert.Equal(expected.NegativeQuantities, total.RepairRules[RuleIds.QuantitySign]);
        Assert.Equal(expected.ZeroPrice, total.RepairRules[RuleIds.PriceZero]);
        Assert.Equal(expected.UntidyText, total.RepairRules[RuleIds.TextNormalised]);
        Assert.Equal(nonProduct, total.RepairRules[RuleIds.NonProductItem]);
        // Completeness counts every line received, duplicates included.
        var withCustomer = rows.Count(r => r.CustomerId.Length > 0);
        Assert.Equal(withCustomer, total.FieldsPresent["purchase/userId"]);
        Assert.Equal(withCustomer / (double)rows.Count, total.Completeness("userId"), 9);
        Assert.Equal(expected.Duplicates / (double)rows.Count, uci.Metrics["duplicate_content_rate"], 9);
        Assert.True(total.Examples.ContainsKey(RuleIds.UserMissing));
        // The cluster-wide view is the sum of its sources (one here).
        Assert.Equal(total.Events, snapshot.Sources.Single(s => s.Source == QualityGrain.AllSources).Total.Events);
    }

    /// <summary>Distinct rows whose stock code is not a product code (five digits, optional letters): postage, fees, manual lines, discounts, vouchers.</summary>
    private static int NonProductRows(IReadOnlyList<UciRow> rows)
    {
        var seen = new HashSet<(string, string, int, DateTime, decimal, string)>();
        return rows.Count(r => seen.Add((r.InvoiceNo, r.StockCode, r.Quantity, r.InvoiceDate, r.UnitPrice, r.CustomerId)) && !ProductCode().IsMatch(r.StockCode));
    }

    private async Task<InProcessTestCluster> StartAsync(string serviceId) =>
        await EsrsCluster.StartAsync(EsrsCluster.Sqlite(_directory.Path), serviceId, o => o.Quality.Configure(q =>
        {
            q.Shards = Shards;
            // Only explicit ticks in these tests: the timer would evaluate half-flushed imports.
            q.TickInterval = TimeSpan.FromHours(1);
            q.PushInterval = TimeSpan.FromHours(1);
            q.FlushInterval = TimeSpan.FromHours(1);
            q.FlushEvents = int.MaxValue;
        }));

    private static async Task IngestAndTickAsync(InProcessTestCluster cluster, IEnumerable<UserEvent> events)
    {
        await DirectIngest.RunAsync(cluster.Client, events, TextWriter.Null);
        foreach (var silo in cluster.Silos)
        {
            await silo.ServiceProvider.GetRequiredService<QualityCollector>().FlushAsync();
        }

        for (var shard = 0; shard < Shards; shard++)
        {
            await cluster.Client.GetGrain<IQualityShardGrain>(shard).FlushAsync();
        }

        await cluster.Client.GetGrain<IQualityGrain>(0).TickAsync();
    }

    [GeneratedRegex(@"^\d{5}[A-Za-z]*$")]
    private static partial Regex ProductCode();
}
