namespace Esrs.Quality;

/// <summary>
/// Everything the monitors know about one source's events over some span of time, in mergeable form: counts per outcome,
/// rule, type and field; relative-error sketches of freshness, price and quantity; frequent-items sketches of items,
/// categories and brands; tagger coverage. Adding events one by one and merging partial sketches give the same counts.
/// The data and its reading live here; adding and merging are in <c>QualitySketchUpdates</c> (Grains).
/// </summary>
[GenerateSerializer, Alias("esrs.quality-sketch")]
public sealed class QualitySketch
{
    /// <summary>The fields whose presence completeness measures, as the event JSON names them.</summary>
    public static readonly string[] Fields =
        ["userId", "itemId", "itemTitle", "categoryPath", "brand", "query", "quantity", "unitPrice", "currency", "rating", "age", "gender"];

    /// <summary>Events received (duplicates included).</summary>
    [Id(0)] public long Events { get; set; }

    /// <summary>Events received per type name (<c>view</c>, <c>purchase</c>...): the type mix drift is measured on.</summary>
    [Id(1)] public Dictionary<string, long> Types { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public long Accepted { get; set; }
    [Id(3)] public long Repaired { get; set; }
    [Id(4)] public long DuplicatesById { get; set; }
    [Id(5)] public long DuplicatesByContent { get; set; }
    [Id(6)] public long Quarantined { get; set; }

    /// <summary>Events per rule that rejected them (an event rejected by two rules counts under both).</summary>
    [Id(7)] public Dictionary<string, long> QuarantineRules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Events per rule that repaired, dropped a field of, or flagged them.</summary>
    [Id(8)] public Dictionary<string, long> RepairRules { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Events carrying each field, keyed <c>type/field</c>.</summary>
    [Id(9)] public Dictionary<string, long> FieldsPresent { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Seconds from occurred-at to ingest.</summary>
    [Id(10)] public LogHistogram Freshness { get; set; } = new();

    [Id(11)] public LogHistogram Price { get; set; } = new();
    [Id(12)] public LogHistogram Quantity { get; set; } = new();
    [Id(13)] public FrequentItems Items { get; set; } = new();
    [Id(14)] public FrequentItems Categories { get; set; } = new();
    [Id(15)] public FrequentItems Brands { get; set; } = new();

    /// <summary>Applied events whose query or title the tagger tagged, and those it could not.</summary>
    [Id(16)] public long Tagged { get; set; }
    [Id(17)] public long Untagged { get; set; }

    /// <summary>Tags per label (tagger label mix).</summary>
    [Id(18)] public Dictionary<string, long> TagLabels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest quarantined event per rule, for operators to look at.</summary>
    [Id(19)] public Dictionary<string, QuarantineExample> Examples { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Earliest and latest ingest instants of the events in the sketch.</summary>
    [Id(20)] public DateTime? FirstIngest { get; set; }
    [Id(21)] public DateTime? LastIngest { get; set; }

    /// <summary>
    /// Events by the first segment of their category path (lower case, at most <see cref="TopCategoryLength"/> characters),
    /// <see cref="NoCategory"/> without one, <see cref="OtherCategory"/> past <see cref="MaxTopCategories"/> distinct
    /// values: every event counted exactly once, duplicates included, which is what the private export releases.
    /// </summary>
    [Id(22)] public Dictionary<string, long> TopCategories { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Only in a sketch of several sources (<c>*</c>): events per <c>source|type</c>, and those carrying each field per
    /// <c>source|type/field</c>, so that the headline completeness counts each source's fields against its own events.
    /// </summary>
    [Id(23)] public Dictionary<string, long> SourceTypes { get; set; } = new(StringComparer.Ordinal);

    [Id(24)] public Dictionary<string, long> SourceFieldsPresent { get; set; } = new(StringComparer.Ordinal);

    public const string NoCategory = "~none";
    public const string OtherCategory = "~other";
    public const int MaxTopCategories = 256;
    public const int TopCategoryLength = 64;

    public long Duplicates => DuplicatesById + DuplicatesByContent;

    /// <summary>Share of events of <paramref name="type"/> (or all types when null) that carry <paramref name="field"/>.</summary>
    public double Completeness(string field, string? type = null)
    {
        long present = 0, total = 0;
        foreach (var (name, count) in Types)
        {
            if (type is null || name == type)
            {
                total += count;
                present += FieldsPresent.GetValueOrDefault(name + "/" + field);
            }
        }

        return total == 0 ? double.NaN : present / (double)total;
    }

    /// <summary>
    /// The headline completeness: over every (type, field) this sketch has seen carried at least once, the events of that
    /// type carrying the field against all events of that type. A field a type never carries (a view's rating, a
    /// source's missing price column) is not a gap. Over several sources the pairs are each source's own
    /// (<see cref="SourceTypes"/>), so the figure lies between the sources' figures instead of one source's columns
    /// counting as gaps of another's events of the same type.
    /// </summary>
    public double UsedFieldCompleteness() =>
        SourceTypes.Count > 0 ? UsedFieldCompleteness(SourceTypes, SourceFieldsPresent) : UsedFieldCompleteness(Types, FieldsPresent);

    private static double UsedFieldCompleteness(Dictionary<string, long> types, Dictionary<string, long> fieldsPresent)
    {
        long present = 0, expected = 0;
        foreach (var (name, count) in types)
        {
            foreach (var field in Fields)
            {
                if (fieldsPresent.GetValueOrDefault(name + "/" + field) is var carried and > 0)
                {
                    present += carried;
                    expected += count;
                }
            }
        }

        return expected == 0 ? double.NaN : present / (double)expected;
    }
}

/// <summary>A quarantined event as the quality page shows it: the rule, why, and the event's main fields.</summary>
[GenerateSerializer, Immutable, Alias("esrs.quarantine-example")]
public sealed record QuarantineExample(
    [property: Id(0)] string RuleId,
    [property: Id(1)] string? Detail,
    [property: Id(2)] string EventId,
    [property: Id(3)] string UserId,
    [property: Id(4)] string Type,
    [property: Id(5)] string? ItemId,
    [property: Id(6)] decimal? UnitPrice,
    [property: Id(7)] int? Quantity,
    [property: Id(8)] DateTime OccurredAt,
    [property: Id(9)] DateTime IngestedAt);
