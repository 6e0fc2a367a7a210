using System.Globalization;
using Esrs.Events;

namespace Esrs.Bench;

/// <summary>
/// <c>./esrs bench</c>: the ingest pipeline without Orleans, the quality sketch's cost per event, a real one-silo host
/// with the quality monitors off and on, and the state-size report, as markdown.
/// </summary>
internal static class IngestBench
{
    public static async Task<int> RunAsync(IReadOnlyList<UserEvent> events, IReadOnlyList<Catalogue.CatalogueRecord> catalogue)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Esrs ingest bench: {events.Count:N0} UCI Online Retail events, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}"));
        Console.WriteLine();

        // At least a million events through the pipeline, so tiered JIT has settled before the figure counts.
        var (pipelineRate, allocPerEvent) = PipelineBench.Run(events, rounds: Math.Max(3, 1_000_000 / Math.Max(events.Count, 1)));
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| pipeline (dedupe+rules+profile, 1 thread, no Orleans) | {pipelineRate:N0} events/s, {allocPerEvent:N0} B allocated/event |"));
        var (pipelineEnrichedRate, enrichedAlloc) = PipelineBench.Run(events, rounds: Math.Max(3, 1_000_000 / Math.Max(events.Count, 1)), PipelineBench.Catalogue(catalogue));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| same, every event joined to the catalogue ({catalogue.Count:N0} items in memory) | {pipelineEnrichedRate:N0} events/s, {enrichedAlloc:N0} B allocated/event; {(pipelineEnrichedRate / pipelineRate) - 1:+0.0%;-0.0%} events/s against the row above |"));
        var (sketchRate, sketchAlloc) = QualitySketchBench.Run(events, rounds: Math.Max(3, 1_000_000 / Math.Max(events.Count, 1)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| quality sketch add per event (the monitors' share of ingest, 1 thread) | {sketchRate:N0} events/s ({1e9 / sketchRate:N0} ns), {sketchAlloc:N0} B allocated/event |"));

        var dataDirectory = Path.Combine(Path.GetTempPath(), "esrs-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Monitoring off and on, alternating twice after a warm-up pass, same events, fresh databases each:
            // the difference of the means is the monitors' cost on ingest (the first pass pays JIT and cold caches).
            await SiloBench.RunAsync(events, dataDirectory + "-warmup", TextWriter.Null);
            var off = new List<double>();
            var on = new List<double>();
            SiloBenchResult silo = null!;
            for (var round = 0; round < 2; round++)
            {
                off.Add((await SiloBench.RunAsync(events, $"{dataDirectory}-off{round}", TextWriter.Null, monitoring: false)).EventsPerSecond);
                silo = await SiloBench.RunAsync(events, $"{dataDirectory}-on{round}", round == 1 ? Console.Error : TextWriter.Null);
                on.Add(silo.EventsPerSecond);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one silo, SQLite, grain calls in process (first pass), quality monitors off (two runs) | {off.Average():N0} events/s ({off[0]:N0}, {off[1]:N0}) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one silo, SQLite, grain calls in process (first pass), quality monitors on (two runs) | {on.Average():N0} events/s ({on[0]:N0}, {on[1]:N0}); {Change(on, off)} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| same events again (all duplicates) | {silo.DuplicateEventsPerSecond:N0} events/s |"));

            // Catalogue enrichment off and on (UCI's items loaded first), alternating, fresh databases, monitors on in both.
            var plain = new List<double>();
            var enriched = new List<SiloBenchResult>();
            for (var round = 0; round < 2; round++)
            {
                plain.Add((await SiloBench.RunAsync(events, $"{dataDirectory}-plain{round}", TextWriter.Null)).EventsPerSecond);
                enriched.Add(await SiloBench.RunAsync(events, $"{dataDirectory}-enriched{round}", TextWriter.Null, catalogue: catalogue));
            }

            var enrichedRate = enriched.Average(r => r.EventsPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| catalogue enrichment off (two runs) | {plain.Average():N0} events/s ({plain[0]:N0}, {plain[1]:N0}) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| catalogue enrichment on, {catalogue.Count:N0} items (two runs) | {enrichedRate:N0} events/s ({enriched[0].EventsPerSecond:N0}, {enriched[1].EventsPerSecond:N0}); {Change([.. enriched.Select(r => r.EventsPerSecond)], plain)}; {enriched[1].CatalogueFetches:N0} shard calls for {events.Count:N0} events |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| stored user states (SQLite), mean bytes: state and its quarantine rows | {silo.StoredRows:N0} states, {silo.MeanStoredBytes:N0} B |"));
            var sizes = StateSizeReport.PerUser(events);
            var near100 = sizes.Where(s => s.Events is >= 80 and <= 120).Select(s => s.Bytes).Order().ToList();
            var all = sizes.Select(s => s.Bytes).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| state bytes, synthetic typical user with 100 events | {StateSizeReport.TypicalUserWith100Events():N0} B |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| state bytes, UCI customers with 80-120 events (median of {near100.Count}) | {(near100.Count > 0 ? near100[near100.Count / 2] : 0):N0} B |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| state bytes, all {all.Count:N0} UCI customers: median / p90 | {all[all.Count / 2]:N0} B / {all[(int)(all.Count * 0.9)]:N0} B |"));
            Console.WriteLine();
            Console.WriteLine("First pass outcomes:");
            Console.WriteLine("```");
            Console.Write(silo.Summary);
            Console.WriteLine("```");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var directory in Directory.GetDirectories(Path.GetDirectoryName(dataDirectory)!, Path.GetFileName(dataDirectory) + "-*"))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        return 0;
    }

    /// <summary>
    /// The feature's events/s against the runs without it, as a rate change ("+3.1% events/s": faster with it on), and
    /// said to be inside the noise when the two runs of either side differ by more than that: on two shared cores a
    /// feature's run is sometimes the faster one, which is not a gain.
    /// </summary>
    internal static string Change(IReadOnlyList<double> with, IReadOnlyList<double> without)
    {
        var change = (with.Average() / without.Average()) - 1;
        var spread = Math.Max(Spread(with), Spread(without));
        var text = string.Create(CultureInfo.InvariantCulture, $"{change:+0.0%;-0.0%} events/s against off");
        return Math.Abs(change) <= spread
            ? text + string.Create(CultureInfo.InvariantCulture, $", inside the runs' own spread ({spread:0.0%}): no cost shown")
            : text;

        static double Spread(IReadOnlyList<double> runs) => (runs.Max() - runs.Min()) / runs.Average();
    }
}
