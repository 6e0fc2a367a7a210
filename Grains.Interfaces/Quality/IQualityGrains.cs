namespace Esrs.Quality;

/// <summary>
/// One monitor shard (key 0..Shards-1; a user's shard is a hash of the user key). Silos' collectors send it the outcome
/// sketches of their user grains every second or so; it pushes what it gathered to the cluster aggregator every few seconds.
/// </summary>
public interface IQualityShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Merges a delivery of sketches per source into what this shard has not pushed yet. <paramref name="sender"/> names the
    /// delivering collector and <paramref name="sequence"/> numbers its deliveries: a delivery already merged (a retry after a
    /// lost answer) is ignored and answered false, so nothing is counted twice.
    /// </summary>
    Task<bool> MergeAsync(string sender, long sequence, Dictionary<string, QualitySketch> bySource);

    /// <summary>Pushes what this shard holds to the aggregator now.</summary>
    Task FlushAsync();
}

/// <summary>
/// The cluster aggregator (key 0): merges the shards, closes minute/hour/day windows, measures drift against what came
/// before, runs the anomaly detectors on each metric's history, and keeps alerts and history durable.
/// </summary>
public interface IQualityGrain : IGrainWithIntegerKey
{
    /// <summary>Merges a shard's delivery (evaluated at the next tick); a delivery already merged is ignored and answered false.</summary>
    Task<bool> MergeAsync(string sender, long sequence, Dictionary<string, QualitySketch> bySource);

    /// <summary>Evaluates what was merged since the last tick now (drift, windows, anomalies, alerts) and persists.</summary>
    Task TickAsync();

    /// <summary>
    /// Removes the examples that name <paramref name="userId"/> from every sketch and persists; examples of that user in
    /// deliveries still on their way are dropped when they arrive (for an hour).
    /// Returns how many examples were removed.
    /// </summary>
    Task<int> ForgetUserAsync(string userId);

    /// <summary>
    /// Releases per-source outcome counts and per-category counts with Laplace noise for privacy budget
    /// <paramref name="epsilon"/> (and <paramref name="delta"/> for which categories show), recording what was spent; refused
    /// (<see cref="QualityExport.Refusal"/>) when the budget of the window would be overspent.
    /// </summary>
    Task<QualityExport> ExportAsync(double epsilon, double delta);

    Task<QualitySnapshot> GetSnapshotAsync();

    /// <summary>Alerts, newest first: the open ones and, when <paramref name="includeResolved"/>, the resolved ones kept in history.</summary>
    Task<IReadOnlyList<QualityAlert>> GetAlertsAsync(bool includeResolved);

    /// <summary>
    /// The series of <paramref name="metric"/> for <paramref name="source"/> (<c>*</c> for all sources) between the two instants,
    /// from windows of <paramref name="granularity"/>; the window still open comes last, marked as open.
    /// </summary>
    Task<IReadOnlyList<QualityPoint>> GetHistoryAsync(string metric, string source, DateTime from, DateTime to, WindowGranularity granularity);
}

/// <summary>Names of pseudo-sources.</summary>
public static class QualitySources
{
    /// <summary>All event sources together (the catalogue is not an event source and stays out of it).</summary>
    public const string All = "*";

    /// <summary>The catalogue's cleaning: records, not events; not in <see cref="All"/>, and no drift or anomaly alerts (feeds come in bursts).</summary>
    public const string Catalogue = "catalogue";
}

/// <summary>Tumbling window lengths.</summary>
public enum WindowGranularity
{
    Minute = 0,
    Hour = 1,
    Day = 2,
}

/// <summary>One window's value of a metric.</summary>
[GenerateSerializer, Immutable, Alias("esrs.quality-point")]
public sealed record QualityPoint([property: Id(0)] DateTime Start, [property: Id(1)] double Value, [property: Id(2)] long Events, [property: Id(3)] bool Open);

/// <summary>An alert: opened when a detector or drift measure fired on a metric of a source (and field), resolved when it stops firing.</summary>
[GenerateSerializer, Immutable, Alias("esrs.quality-alert")]
public sealed record QualityAlert(
    [property: Id(0)] long Id,
    [property: Id(1)] string Metric,
    [property: Id(2)] string Source,
    [property: Id(3)] string? Field,
    [property: Id(4)] string Detector,
    [property: Id(5)] double Observed,
    [property: Id(6)] double Expected,
    [property: Id(7)] string Detail,
    [property: Id(8)] DateTime OpenedAt,
    [property: Id(9)] DateTime? ResolvedAt = null)
{
    public bool IsOpen => ResolvedAt is null;
}

/// <summary>
/// What an operator sees first: per source, everything since monitoring began, the last tick's metrics and drift, open
/// alerts, and, while the aggregator cannot write its state, why (<see cref="PersistProblem"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.quality-snapshot")]
public sealed record QualitySnapshot(
    [property: Id(0)] DateTime AsOf,
    [property: Id(1)] IReadOnlyList<SourceQuality> Sources,
    [property: Id(2)] IReadOnlyList<QualityAlert> OpenAlerts,
    [property: Id(3)] DateTime? LastTick,
    [property: Id(4)] string? PersistProblem = null);

/// <summary>One source (or <c>*</c>, all of them) in a <see cref="QualitySnapshot"/>.</summary>
[GenerateSerializer, Immutable, Alias("esrs.source-quality")]
public sealed record SourceQuality(
    [property: Id(0)] string Source,
    [property: Id(1)] QualitySketch Total,
    [property: Id(2)] IReadOnlyDictionary<string, double> Metrics,
    [property: Id(3)] IReadOnlyDictionary<string, double> LastTickMetrics);
