namespace Esrs.Quality;

/// <summary>The numbers operators read (named in <see cref="QualityMetrics.Headline"/>), computed from a <see cref="QualitySketch"/>.</summary>
public static class QualityMeasures
{
    /// <summary>Headline metrics plus completeness per field and the rate of every rule that fired.</summary>
    /// <param name="sketch">What was seen.</param>
    /// <param name="seconds">Length of the span the sketch covers (for events/s); 0 when unknown.</param>
    /// <param name="detailed">Also per-field completeness and per-rule rates.</param>
    public static Dictionary<string, double> From(QualitySketch sketch, double seconds, bool detailed = true)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        var n = (double)sketch.Events;
        var m = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["events"] = n,
            ["events_per_s"] = seconds > 0 ? n / seconds : double.NaN,
            ["acceptance"] = Share(sketch.Accepted + sketch.Repaired, n),
            ["duplicate_rate"] = Share(sketch.Duplicates, n),
            ["duplicate_id_rate"] = Share(sketch.DuplicatesById, n),
            ["duplicate_content_rate"] = Share(sketch.DuplicatesByContent, n),
            ["quarantine_rate"] = Share(sketch.Quarantined, n),
            ["repair_rate"] = Share(sketch.Repaired, n),
            ["uniqueness"] = n == 0 ? double.NaN : 1 - Share(sketch.Duplicates, n),
            ["freshness_p50_s"] = sketch.Freshness.Quantile(0.5),
            ["freshness_p95_s"] = sketch.Freshness.Quantile(0.95),
            ["freshness_p99_s"] = sketch.Freshness.Quantile(0.99),
            ["price_p50"] = sketch.Price.Quantile(0.5),
            ["quantity_p50"] = sketch.Quantity.Quantile(0.5),
            ["tagged_share"] = Share(sketch.Tagged, sketch.Tagged + sketch.Untagged),
        };

        // Headline completeness: over the fields each event type carries at all (a field it never sends is not its gap).
        m["completeness"] = sketch.UsedFieldCompleteness();
        if (detailed)
        {
            foreach (var (type, count) in sketch.Types)
            {
                m["events_per_s." + type] = seconds > 0 ? count / seconds : double.NaN;
            }

            foreach (var field in QualitySketch.Fields)
            {
                m["completeness." + field] = sketch.Completeness(field);
            }

            foreach (var (rule, count) in sketch.QuarantineRules)
            {
                m["quarantine_rate." + rule] = Share(count, n);
            }

            foreach (var (rule, count) in sketch.RepairRules)
            {
                m["validity." + rule] = 1 - Share(count, n);
            }

            foreach (var (rule, count) in sketch.QuarantineRules)
            {
                m["validity." + rule] = 1 - Share(count + sketch.RepairRules.GetValueOrDefault(rule), n);
            }
        }

        return m;
    }

    private static double Share(double part, double whole) => whole == 0 ? double.NaN : part / whole;
}
