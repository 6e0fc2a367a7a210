using Esrs.Events;

namespace Esrs.Quality;

/// <summary>
/// Everything the monitors know about one source's events over some span of time, in mergeable form: counts per outcome,
/// rule, type and field; relative-error sketches of freshness, price and quantity; frequent-items sketches of items,
/// categories and brands; tagger coverage. Adding events one by one and merging partial sketches give the same counts.
/// </summary>
[GenerateSerializer, Alias("esrs.quality-sketch")]
public sealed class QualitySketch
{
    /// <summary>The fields whose presence completeness measures, as the event JSON names them.</summary>
    public static readonly string[] Fields =
        ["userId", "itemId", "itemTitle", "categoryPath", "brand", "query", "quantity", "unitPrice", "currency", "rating", "age", "gender"];

    // "type/field" keys, made once: Add runs per event and must not build strings.
    private static readonly string[][] FieldKeys = [.. Enum.GetValues<EventType>().OrderBy(t => (int)t)
        .Select(t => Fields.Select(f => EventTypeNames.Name(t) + "/" + f).ToArray())];

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

    public long Duplicates => DuplicatesById + DuplicatesByContent;

    /// <summary>Records one received event and what ingest made of it.</summary>
    public void Add(UserEvent e, EventOutcome outcome, DateTime ingestedAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(outcome);
        Events++;
        var type = EventTypeNames.Name(e.Type);
        Bump(Types, type);
        FirstIngest = FirstIngest is { } first && first <= ingestedAt ? first : ingestedAt;
        LastIngest = LastIngest is { } last && last >= ingestedAt ? last : ingestedAt;
        switch (outcome.Kind)
        {
            case OutcomeKind.Accepted: Accepted++; break;
            case OutcomeKind.Repaired: Repaired++; break;
            case OutcomeKind.DuplicateById: DuplicatesById++; break;
            case OutcomeKind.DuplicateByContent: DuplicatesByContent++; break;
            case OutcomeKind.Quarantined: Quarantined++; break;
        }

        foreach (var decision in outcome.Decisions)
        {
            Bump(decision.Kind == DecisionKind.Rejected ? QuarantineRules : RepairRules, decision.RuleId);
        }

        if (outcome.Kind == OutcomeKind.Quarantined && outcome.Decisions.FirstOrDefault(d => d.Kind == DecisionKind.Rejected) is { } rejected)
        {
            Examples[rejected.RuleId] = QuarantineExample.Of(e, rejected, ingestedAt);
        }

        // In the order of Fields.
        var keys = (int)e.Type < FieldKeys.Length ? FieldKeys[(int)e.Type] : FieldKeys[0];
        Present(keys[0], !string.IsNullOrEmpty(e.UserId));
        Present(keys[1], e.ItemId is { Length: > 0 });
        Present(keys[2], e.ItemTitle is { Length: > 0 });
        Present(keys[3], e.CategoryPath is { Length: > 0 });
        Present(keys[4], e.Brand is { Length: > 0 });
        Present(keys[5], e.Query is { Length: > 0 });
        Present(keys[6], e.Quantity.HasValue);
        Present(keys[7], e.UnitPrice.HasValue);
        Present(keys[8], e.Currency is { Length: > 0 });
        Present(keys[9], e.Rating.HasValue);
        Present(keys[10], e.Age.HasValue);
        Present(keys[11], e.Gender is { Length: > 0 });

        if (e.OccurredAt != default)
        {
            Freshness.Add(Math.Max(0, (ingestedAt - e.OccurredAt).TotalSeconds));
        }

        if (e.UnitPrice is { } price)
        {
            Price.Add((double)price);
        }

        if (e.Quantity is { } quantity)
        {
            Quantity.Add(quantity);
        }

        if (outcome.Kind is OutcomeKind.DuplicateById or OutcomeKind.DuplicateByContent)
        {
            return;
        }

        if (e.ItemId is { Length: > 0 } item)
        {
            Items.Add(item);
        }

        if (e.CategoryPath is { Length: > 0 } category)
        {
            Categories.Add(category);
        }

        if (e.Brand is { Length: > 0 } brand)
        {
            Brands.Add(brand);
        }
    }

    /// <summary>Records what the tagger did with applied events: tags per label, or that they stayed untagged.</summary>
    public void AddTagging(long tagged, long untagged, IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Tagged += tagged;
        Untagged += untagged;
        foreach (var label in labels)
        {
            Bump(TagLabels, label);
        }
    }

    public void Merge(QualitySketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Events += other.Events;
        Accepted += other.Accepted;
        Repaired += other.Repaired;
        DuplicatesById += other.DuplicatesById;
        DuplicatesByContent += other.DuplicatesByContent;
        Quarantined += other.Quarantined;
        Tagged += other.Tagged;
        Untagged += other.Untagged;
        Add(Types, other.Types);
        Add(QuarantineRules, other.QuarantineRules);
        Add(RepairRules, other.RepairRules);
        Add(FieldsPresent, other.FieldsPresent);
        Add(TagLabels, other.TagLabels);
        Freshness.Merge(other.Freshness);
        Price.Merge(other.Price);
        Quantity.Merge(other.Quantity);
        Items.Merge(other.Items);
        Categories.Merge(other.Categories);
        Brands.Merge(other.Brands);
        foreach (var (rule, example) in other.Examples)
        {
            if (!Examples.TryGetValue(rule, out var mine) || mine.IngestedAt <= example.IngestedAt)
            {
                Examples[rule] = example;
            }
        }

        FirstIngest = Min(FirstIngest, other.FirstIngest);
        LastIngest = Max(LastIngest, other.LastIngest);
    }

    public QualitySketch Clone()
    {
        var copy = new QualitySketch();
        copy.Merge(this);
        return copy;
    }

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

    private void Present(string key, bool present)
    {
        if (present)
        {
            Bump(FieldsPresent, key);
        }
    }

    private static void Bump(Dictionary<string, long> counts, string key) =>
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;

    private static void Add(Dictionary<string, long> into, Dictionary<string, long> from)
    {
        foreach (var (key, count) in from)
        {
            into[key] = into.GetValueOrDefault(key) + count;
        }
    }

    private static DateTime? Min(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
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
    [property: Id(9)] DateTime IngestedAt)
{
    public static QuarantineExample Of(UserEvent e, RuleDecision decision, DateTime ingestedAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(decision);
        return new QuarantineExample(decision.RuleId, decision.Detail, e.EventId, e.UserId, EventTypeNames.Name(e.Type), e.ItemId, e.UnitPrice, e.Quantity, e.OccurredAt, ingestedAt);
    }
}
