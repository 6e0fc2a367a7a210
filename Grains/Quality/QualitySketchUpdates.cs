using System.Runtime.InteropServices;
using Esrs.Events;

namespace Esrs.Quality;

/// <summary>
/// Building <see cref="QualitySketch"/>es: one event and its outcome at a time (allocation-free on the hot path: the
/// <c>type/field</c> keys are made once), tagger results, and merges. Adding events one by one and merging partial
/// sketches give the same counts.
/// </summary>
public static class QualitySketchUpdates
{
    /// <summary>Longest text kept in a <see cref="QuarantineExample"/> field: examples are for looking at, not for storing events.</summary>
    public const int ExampleTextLength = 200;

    private const string UnknownType = "unknown";

    // "type/field" keys, made once: Add runs per event and must not build strings.
    private static readonly string[][] FieldKeys = [.. Enum.GetValues<EventType>().OrderBy(t => (int)t)
        .Select(t => QualitySketch.Fields.Select(f => EventTypeNames.Name(t) + "/" + f).ToArray())];

    /// <summary>Records one received event and what ingest made of it.</summary>
    public static void Add(this QualitySketch sketch, UserEvent e, EventOutcome outcome, DateTime ingestedAt)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(outcome);
        sketch.Events++;
        var known = (uint)e.Type < (uint)FieldKeys.Length;
        Bump(sketch.Types, known ? EventTypeNames.Name(e.Type) : UnknownType);
        CountOutcome(sketch, outcome.Kind, ingestedAt);

        CountRules(sketch, outcome.Decisions);

        if (outcome.Kind == OutcomeKind.Quarantined && outcome.Decisions.FirstOrDefault(d => d.Kind == DecisionKind.Rejected) is { } rejected)
        {
            sketch.Examples[rejected.RuleId] = Example(e, rejected, ingestedAt);
        }

        // In the order of Fields.
        var keys = FieldKeys[known ? (int)e.Type : 0];
        var present = sketch.FieldsPresent;
        Present(present, keys[0], !string.IsNullOrEmpty(e.UserId));
        Present(present, keys[1], e.ItemId is { Length: > 0 });
        Present(present, keys[2], e.ItemTitle is { Length: > 0 });
        Present(present, keys[3], e.CategoryPath is { Length: > 0 });
        Present(present, keys[4], e.Brand is { Length: > 0 });
        Present(present, keys[5], e.Query is { Length: > 0 });
        Present(present, keys[6], e.Quantity.HasValue);
        Present(present, keys[7], e.UnitPrice.HasValue);
        Present(present, keys[8], e.Currency is { Length: > 0 });
        Present(present, keys[9], e.Rating.HasValue);
        Present(present, keys[10], e.Age.HasValue);
        Present(present, keys[11], e.Gender is { Length: > 0 });

        if (e.OccurredAt != default)
        {
            sketch.Freshness.Add(Math.Max(0, (ingestedAt - e.OccurredAt).TotalSeconds));
        }

        if (e.UnitPrice is { } price)
        {
            sketch.Price.Add((double)price);
        }

        if (e.Quantity is { } quantity)
        {
            sketch.Quantity.Add(quantity);
        }

        CountTopCategory(sketch.TopCategories, e.CategoryPath);
        if (outcome.Kind is OutcomeKind.DuplicateById or OutcomeKind.DuplicateByContent)
        {
            return;
        }

        if (e.ItemId is { Length: > 0 } item)
        {
            sketch.Items.Add(item);
        }

        if (e.CategoryPath is { Length: > 0 } category)
        {
            sketch.Categories.Add(category);
        }

        if (e.Brand is { Length: > 0 } brand)
        {
            sketch.Brands.Add(brand);
        }
    }

    /// <summary>The type name catalogue records are counted under in the <c>catalogue</c> source's sketch.</summary>
    public const string CatalogueItemType = "item";

    private static readonly string[] CatalogueFieldKeys = [.. QualitySketch.Fields.Select(f => CatalogueItemType + "/" + f)];

    /// <summary>
    /// Records one catalogue record and what cleaning made of it: outcome, rules, example, which fields it had (title as
    /// <c>itemTitle</c>, list price as <c>unitPrice</c>), its list price, top category, category and brand.
    /// </summary>
    public static void AddCatalogueRecord(this QualitySketch sketch, Catalogue.CatalogueRecord record, Catalogue.CatalogueOutcome outcome, DateTime ingestedAt)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(outcome);
        sketch.Events++;
        Bump(sketch.Types, CatalogueItemType);
        CountOutcome(sketch, outcome.Kind, ingestedAt);

        if (outcome.Kind == OutcomeKind.DuplicateById)
        {
            return;
        }

        CountRules(sketch, outcome.Decisions);

        if (outcome.Kind == OutcomeKind.Quarantined && outcome.Decisions.FirstOrDefault(d => d.Kind == DecisionKind.Rejected) is { } rejected)
        {
            sketch.Examples[rejected.RuleId] = new QuarantineExample(rejected.RuleId, Cut(rejected.Detail), Cut(record.ItemId) ?? "", "", CatalogueItemType,
                Cut(record.ItemId), record.ListPrice, null, ingestedAt, ingestedAt);
        }

        var present = sketch.FieldsPresent;
        Present(present, CatalogueFieldKeys[1], record.ItemId is { Length: > 0 });
        Present(present, CatalogueFieldKeys[2], !string.IsNullOrWhiteSpace(record.Title));
        Present(present, CatalogueFieldKeys[3], !string.IsNullOrWhiteSpace(record.CategoryPath));
        Present(present, CatalogueFieldKeys[4], !string.IsNullOrWhiteSpace(record.Brand));
        Present(present, CatalogueFieldKeys[7], record.ListPrice.HasValue);
        Present(present, CatalogueFieldKeys[8], record.Currency is { Length: > 0 });
        if (record.ListPrice is { } price)
        {
            sketch.Price.Add((double)price);
        }

        CountTopCategory(sketch.TopCategories, record.CategoryPath);
        if (record.CategoryPath is { Length: > 0 } category)
        {
            sketch.Categories.Add(category);
        }

        if (record.Brand is { Length: > 0 } brand)
        {
            sketch.Brands.Add(brand);
        }
    }

    /// <summary>Records what the tagger did with applied events: tags per label, or that they stayed untagged.</summary>
    public static void AddTagging(this QualitySketch sketch, long tagged, long untagged, IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        ArgumentNullException.ThrowIfNull(labels);
        sketch.Tagged += tagged;
        sketch.Untagged += untagged;
        foreach (var label in labels)
        {
            Bump(sketch.TagLabels, label);
        }
    }

    public static void Merge(this QualitySketch sketch, QualitySketch other)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        ArgumentNullException.ThrowIfNull(other);
        sketch.Events += other.Events;
        sketch.Accepted += other.Accepted;
        sketch.Repaired += other.Repaired;
        sketch.DuplicatesById += other.DuplicatesById;
        sketch.DuplicatesByContent += other.DuplicatesByContent;
        sketch.Quarantined += other.Quarantined;
        sketch.Tagged += other.Tagged;
        sketch.Untagged += other.Untagged;
        Add(sketch.Types, other.Types);
        Add(sketch.QuarantineRules, other.QuarantineRules);
        Add(sketch.RepairRules, other.RepairRules);
        Add(sketch.FieldsPresent, other.FieldsPresent);
        Add(sketch.SourceTypes, other.SourceTypes);
        Add(sketch.SourceFieldsPresent, other.SourceFieldsPresent);
        Add(sketch.TagLabels, other.TagLabels);
        foreach (var (category, count) in other.TopCategories)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(sketch.TopCategories, Bounded(sketch.TopCategories, category), out _) += count;
        }

        sketch.Freshness.Merge(other.Freshness);
        sketch.Price.Merge(other.Price);
        sketch.Quantity.Merge(other.Quantity);
        sketch.Items.Merge(other.Items);
        sketch.Categories.Merge(other.Categories);
        sketch.Brands.Merge(other.Brands);
        foreach (var (rule, example) in other.Examples)
        {
            if (!sketch.Examples.TryGetValue(rule, out var mine) || mine.IngestedAt <= example.IngestedAt)
            {
                sketch.Examples[rule] = example;
            }
        }

        sketch.FirstIngest = Min(sketch.FirstIngest, other.FirstIngest);
        sketch.LastIngest = Max(sketch.LastIngest, other.LastIngest);
    }

    /// <summary>
    /// Merges one source's sketch into a sketch of several sources (<c>*</c>), also keeping its type and field counts under
    /// its name, for the headline completeness.
    /// </summary>
    public static void MergeSource(this QualitySketch all, string source, QualitySketch sketch)
    {
        ArgumentNullException.ThrowIfNull(all);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sketch);
        all.Merge(sketch);
        foreach (var (type, count) in sketch.Types)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(all.SourceTypes, source + "|" + type, out _) += count;
        }

        foreach (var (key, count) in sketch.FieldsPresent)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(all.SourceFieldsPresent, source + "|" + key, out _) += count;
        }
    }

    /// <summary>A deep copy (nothing shared with <paramref name="sketch"/>).</summary>
    public static QualitySketch Clone(this QualitySketch sketch)
    {
        var copy = new QualitySketch();
        copy.Merge(sketch);
        return copy;
    }

    /// <summary>The example an operator sees for a rule: the event's main fields, each cut to <see cref="ExampleTextLength"/>.</summary>
    public static QuarantineExample Example(UserEvent e, RuleDecision decision, DateTime ingestedAt)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(decision);
        return new QuarantineExample(decision.RuleId, Cut(decision.Detail), Cut(e.EventId) ?? "", Cut(e.UserId) ?? "",
            Enum.IsDefined(e.Type) ? EventTypeNames.Name(e.Type) : UnknownType, Cut(e.ItemId), e.UnitPrice, e.Quantity, e.OccurredAt, ingestedAt);
    }

    /// <summary>
    /// Removes the examples of events of <paramref name="userId"/>, and those whose detail names it (an event sent to
    /// another user's grain names both); returns how many.
    /// </summary>
    public static int ForgetUser(this QualitySketch sketch, string userId)
    {
        ArgumentNullException.ThrowIfNull(sketch);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var cut = Cut(userId)!;
        var removed = 0;
        foreach (var (rule, example) in sketch.Examples)
        {
            if (string.Equals(example.UserId, cut, StringComparison.Ordinal) || example.Detail?.Contains(userId, StringComparison.Ordinal) == true)
            {
                sketch.Examples.Remove(rule);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>A text as an example holds it (cut to <see cref="ExampleTextLength"/>).</summary>
    public static string? ExampleText(string? text) => Cut(text);

    private static string? Cut(string? text) => text is { Length: > ExampleTextLength } ? string.Concat(text.AsSpan(0, ExampleTextLength - 1), "…") : text;

    /// <summary>
    /// Each rule once per event or record, however many of its fields the rule touched (the tables count events per rule);
    /// under the quarantine's rules when it rejected, else under the repair rules.
    /// </summary>
    private static void CountRules(QualitySketch sketch, IReadOnlyList<RuleDecision> decisions)
    {
        for (var i = 0; i < decisions.Count; i++)
        {
            var decision = decisions[i];
            var rejected = decision.Kind == DecisionKind.Rejected;
            var seen = false;
            for (var j = 0; j < i && !seen; j++)
            {
                seen = decisions[j].RuleId == decision.RuleId && (decisions[j].Kind == DecisionKind.Rejected) == rejected;
            }

            if (!seen)
            {
                Bump(rejected ? sketch.QuarantineRules : sketch.RepairRules, decision.RuleId);
            }
        }
    }

    /// <summary>One more record of <paramref name="kind"/>, received at <paramref name="ingestedAt"/>.</summary>
    private static void CountOutcome(QualitySketch sketch, OutcomeKind kind, DateTime ingestedAt)
    {
        sketch.FirstIngest = sketch.FirstIngest is { } first && first <= ingestedAt ? first : ingestedAt;
        sketch.LastIngest = sketch.LastIngest is { } last && last >= ingestedAt ? last : ingestedAt;
        switch (kind)
        {
            case OutcomeKind.Accepted: sketch.Accepted++; break;
            case OutcomeKind.Repaired: sketch.Repaired++; break;
            case OutcomeKind.DuplicateById: sketch.DuplicatesById++; break;
            case OutcomeKind.DuplicateByContent: sketch.DuplicatesByContent++; break;
            case OutcomeKind.Quarantined: sketch.Quarantined++; break;
        }
    }

    private static void Present(Dictionary<string, long> present, string key, bool isPresent)
    {
        if (isPresent)
        {
            Bump(present, key);
        }
    }

    /// <summary>
    /// Counts one event under the first segment of <paramref name="path"/> (split at <c>/</c>, <c>&gt;</c> or <c>|</c>, trimmed,
    /// lower case, cut to <see cref="QualitySketch.TopCategoryLength"/>); allocates only for a value not seen before.
    /// </summary>
    public static void CountTopCategory(Dictionary<string, long> counts, string? path)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var segment = path.AsSpan();
        var end = segment.IndexOfAny('/', '>', '|');
        segment = (end >= 0 ? segment[..end] : segment).Trim();
        if (segment.IsEmpty)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(counts, QualitySketch.NoCategory, out _)++;
            return;
        }

        Span<char> lower = stackalloc char[QualitySketch.TopCategoryLength];
        var length = segment[..Math.Min(segment.Length, lower.Length)].ToLowerInvariant(lower);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(lower[..length], out var count))
        {
            lookup[lower[..length]] = count + 1;
            return;
        }

        CollectionsMarshal.GetValueRefOrAddDefault(counts, Bounded(counts, new string(lower[..length])), out _)++;
    }

    /// <summary>A new key, or <see cref="QualitySketch.OtherCategory"/> once the counts hold the most distinct values they may.</summary>
    private static string Bounded(Dictionary<string, long> counts, string key) =>
        counts.ContainsKey(key) || counts.Count < QualitySketch.MaxTopCategories ? key : QualitySketch.OtherCategory;

    private static void Bump(Dictionary<string, long> counts, string key) =>
        CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;

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
