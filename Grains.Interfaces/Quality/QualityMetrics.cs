namespace Esrs.Quality;

/// <summary>Names of the numbers operators read (computed from sketches by <c>QualityMeasures</c> in Grains).</summary>
public static class QualityMetrics
{
    /// <summary>Metrics kept per window in history, in this order.</summary>
    public static readonly string[] Headline =
    [
        "events", "events_per_s", "acceptance", "duplicate_rate", "duplicate_id_rate", "duplicate_content_rate",
        "quarantine_rate", "repair_rate", "uniqueness", "completeness", "freshness_p50_s", "freshness_p95_s", "freshness_p99_s",
        "price_p50", "quantity_p50", "tagged_share",
    ];
}
