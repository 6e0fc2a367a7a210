using System.Globalization;
using Esrs.Client.Load;

namespace Esrs.Bench.Baselines;

/// <summary>
/// <c>./esrs bench baselines</c>: the same load-client events (same seed) through a dictionary loop (the ceiling), Esrs in
/// process on volatile, SQLite and PostgreSQL storage, and the naive per-event PostgreSQL design, one after another in one
/// process, as a markdown table with the ratios.
/// </summary>
internal static class BaselinesBench
{
    /// <summary>The paths <c>--paths</c> may name, in the order they run.</summary>
    public static readonly string[] Paths = ["dictionary", "volatile", "sqlite", "sqlite-per-write", "postgres", "naive"];

    private const string Ceiling = "dictionary loop, 1 thread, nothing durable, no cleaning (the ceiling)";
    private const string Naive = "naive: one PostgreSQL transaction per event (dedupe insert + profile upsert)";

    public static async Task<int> RunAsync(string dataRoot, int count, int seed, int users, double zipf, double dirty, int batch, int concurrency, string? postgres, int connections, IReadOnlySet<string> paths, TextWriter output)
    {
        var vocabulary = LoadVocabulary.Read(dataRoot);
        LoadEvent[] Events(string run, int n) => new LoadWorkload(vocabulary, new WorkloadSettings(users, zipf, dirty), run, seed).NextBatch(n);
        var events = Events("base-" + Guid.NewGuid().ToString("N")[..6], count);
        var warmup = Events("warm-" + Guid.NewGuid().ToString("N")[..6], Math.Min(count, 20_000));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Ingest baselines: {count:N0} load-client events (seed {seed}, {users:N0} users, Zipf {zipf:0.0#}, {dirty:P0} dirty), {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm}"));
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Esrs in process: requests of {batch} events, {concurrency} in flight, split per user and coalesced as the gateway does (one call in flight per user); tagger and monitors off."));
        output.WriteLine();
        var rows = new List<(string Name, double Rate)>();
        void Row(string name, double rate)
        {
            rows.Add((name, rate));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"esrs: {name}: {rate:N0} events/s"));
        }

        if (paths.Contains("dictionary"))
        {
            Row(Ceiling, DictionaryLoop.Run(events));
        }

        if (paths.Contains("volatile"))
        {
            Row("Esrs, one silo, volatile state (nothing durable)", await InProcessGrid.RunAsync(GridStorage.Volatile, warmup, events, batch, concurrency, null));
        }

        if (paths.Contains("sqlite"))
        {
            Row("Esrs, one silo, SQLite, group commit (the embedded default)", await InProcessGrid.RunAsync(GridStorage.SqliteGroupCommit, warmup, events, batch, concurrency, null));
        }

        if (paths.Contains("sqlite-per-write"))
        {
            Row("Esrs, one silo, SQLite, one transaction per grain write (before group commit)", await InProcessGrid.RunAsync(GridStorage.SqlitePerWrite, warmup, events, batch, concurrency, null));
        }

        if (postgres is not null && paths.Contains("postgres"))
        {
            Row("Esrs, one silo, PostgreSQL, group commit", await InProcessGrid.RunAsync(GridStorage.PostgreSqlGroupCommit, warmup, events, batch, concurrency, postgres));
        }

        if (postgres is not null && paths.Contains("naive"))
        {
            Row(string.Create(CultureInfo.InvariantCulture, $"{Naive}, {connections} connections"), await NaivePostgres.RunAsync(postgres, events, connections));
        }

        double? ceiling = rows.FirstOrDefault(r => r.Name == Ceiling).Rate is > 0 and var c ? c : null;
        double? naive = rows.FirstOrDefault(r => r.Name.StartsWith(Naive, StringComparison.Ordinal)).Rate is > 0 and var n ? n : null;
        output.WriteLine("| path | events/s | of the ceiling | × naive PostgreSQL |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, rate) in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {rate:N0} | {(ceiling is { } top ? (rate / top).ToString("P1", CultureInfo.InvariantCulture) : "n/a")} | {(naive is { } bottom ? (rate / bottom).ToString("0.0", CultureInfo.InvariantCulture) + "×" : "n/a")} |"));
        }

        return 0;
    }
}
