using System.Globalization;
using Esrs.Bench;
using Esrs.Client.Import;

// ./esrs bench [--events N] [--data DIR]: ingest micro-benchmarks and the state-size report, as markdown.
// ./esrs bench tagger-pool [--model DIR] [--callers N] [--seconds N] [--data DIR]: tagger pool, batched vs unbatched.
var eventsToRead = 100_000;
var dataRoot = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "shared", "data");
if (args.Length > 0 && args[0] == "tagger-pool")
{
    var model = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".data", "tagger");
    var (callers, seconds) = (64, 10);
    for (var i = 1; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "--model": model = args[i + 1]; break;
            case "--callers": callers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--data": dataRoot = args[i + 1]; break;
            default:
                Console.Error.WriteLine("usage: esrs bench tagger-pool [--model DIR] [--callers N] [--seconds N] [--data DIR]");
                return 2;
        }
    }

    var oaMine = Path.Combine(dataRoot, "oamine-product-title-attributes", Esrs.Tagging.Data.OaMine.FileName);
    if (!File.Exists(oaMine))
    {
        Console.Error.WriteLine($"esrs bench: data file not found: {Path.GetFullPath(oaMine)} (use --data DIR)");
        return 2;
    }

    var titles = Esrs.Tagging.Data.OaMine.Read(oaMine).Where(t => t.Split == "test").Select(t => t.Title).ToList();
    return await TaggerPoolBench.RunAsync(model, titles, callers, TimeSpan.FromSeconds(seconds), Console.Out);
}
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--events" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0:
            eventsToRead = n;
            i++;
            break;
        case "--data" when i + 1 < args.Length:
            dataRoot = args[++i];
            break;
        default:
            Console.Error.WriteLine("usage: esrs bench [--events N] [--data DIR]");
            return 2;
    }
}

var file = Path.GetFullPath(Path.Combine(dataRoot, "uci-online-retail", UciOnlineRetail.FileName));
if (!File.Exists(file))
{
    Console.Error.WriteLine($"esrs bench: data file not found: {file} (use --data DIR)");
    return 2;
}

var events = UciOnlineRetail.ReadRows(file, eventsToRead).Select(UciOnlineRetail.ToEvent).ToList();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Esrs ingest bench: {events.Count:N0} UCI Online Retail events, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}"));
Console.WriteLine();

// At least a million events through the pipeline, so tiered JIT has settled before the figure counts.
var (pipelineRate, allocPerEvent) = PipelineBench.Run(events, rounds: Math.Max(3, 1_000_000 / Math.Max(events.Count, 1)));
Console.WriteLine("| measure | value |");
Console.WriteLine("| --- | --- |");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| pipeline (dedupe+rules+profile, 1 thread, no Orleans) | {pipelineRate:N0} events/s, {allocPerEvent:N0} B allocated/event |"));
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
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one silo, SQLite, grain calls in process (first pass), quality monitors on (two runs) | {on.Average():N0} events/s ({on[0]:N0}, {on[1]:N0}); {(on.Average() / off.Average()) - 1:+0.0%;-0.0%} |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| same events again (all duplicates) | {silo.DuplicateEventsPerSecond:N0} events/s |"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| stored user rows (SQLite), mean payload | {silo.StoredRows:N0} rows, {silo.MeanStoredBytes:N0} B |"));
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
