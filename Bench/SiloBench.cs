using System.Diagnostics;
using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Silo.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Esrs.Bench;

/// <summary>
/// Ingest through a real one-silo host on embedded defaults (SQLite), grains called from the same
/// process: the grain path, Orleans messaging and one durable write per batch.
/// </summary>
internal static class SiloBench
{
    /// <param name="events">Events to ingest, twice (the second pass is all duplicates).</param>
    /// <param name="dataDirectory">A fresh folder for the SQLite database.</param>
    /// <param name="progress">Where the import progress goes.</param>
    /// <param name="monitoring">Whether user grains report to the quality monitors (off measures the monitors' overhead).</param>
    /// <param name="catalogue">Catalogue records loaded before the timed ingest, with enrichment on; null: enrichment off.</param>
    public static async Task<SiloBenchResult> RunAsync(
        IReadOnlyList<UserEvent> events, string dataDirectory, TextWriter progress, bool monitoring = true, IReadOnlyList<Catalogue.CatalogueRecord>? catalogue = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Bench" });
        builder.Logging.ClearProviders();
        builder.Configuration["Esrs:Quality:Enabled"] = monitoring ? "true" : "false";
        // The tagger has its own bench (bench tagger-pool); here it would only count titles untagged.
        builder.Configuration["Esrs:Tagger:Enabled"] = "false";
        builder.Configuration["Esrs:Silo:MetricsPort"] = "0";
        builder.Configuration["Esrs:Catalogue:Enabled"] = catalogue is null ? "false" : "true";
        builder.AddEsrsSilo(o => (o.DataDirectory, o.SiloPort, o.GatewayPort) = (dataDirectory, 21111, 31000));
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        foreach (var chunk in (catalogue ?? []).Chunk(2_000))
        {
            await grains.GetGrain<Catalogue.ICatalogueSourceGrain>("bench").PutAsync(chunk);
        }

        var cache = host.Services.GetRequiredService<Catalogue.CatalogueCache>();
        var fetchesBefore = cache.Fetches;
        var stopwatch = Stopwatch.StartNew();
        var summary = await DirectIngest.RunAsync(grains, events, progress);
        stopwatch.Stop();
        var fetches = cache.Fetches - fetchesBefore;

        var again = Stopwatch.StartNew();
        await DirectIngest.RunAsync(grains, events, TextWriter.Null);
        again.Stop();
        await host.StopAsync();

        var (rows, meanBytes) = await StoredSizeAsync(Path.Combine(Path.GetFullPath(dataDirectory), "esrs.db"));
        return new SiloBenchResult(events.Count / stopwatch.Elapsed.TotalSeconds, events.Count / again.Elapsed.TotalSeconds, summary, rows, meanBytes, fetches);
    }

    /// <summary>Rows and mean bytes (state and the rows beside it) the storage provider wrote for user grains.</summary>
    private static async Task<(long Rows, double MeanBytes)> StoredSizeAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(SchemaInstaller.SqliteConnectionString(databasePath));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // A state's bytes: its row and the rows beside it (its quarantine's entries).
        command.CommandText = """
            SELECT count(*), coalesce(avg(length(s.Payload) + coalesce((SELECT sum(length(r.Payload)) FROM EsrsGrainStateRow r
                WHERE r.ServiceId = s.ServiceId AND r.GrainType = s.GrainType AND r.GrainKey = s.GrainKey), 0)), 0)
            FROM EsrsGrainState s WHERE s.GrainType = 'user/user'
            """;
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetDouble(1));
    }
}

/// <summary>One silo bench run; <c>CatalogueFetches</c> is the catalogue shard calls the first pass made (enrichment's grain calls).</summary>
internal sealed record SiloBenchResult(double EventsPerSecond, double DuplicateEventsPerSecond, string Summary, long StoredRows, double MeanStoredBytes, long CatalogueFetches);
