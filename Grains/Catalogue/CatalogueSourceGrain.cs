using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Quality;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Catalogue;

/// <summary>
/// One catalogue source. Records are cleaned in arrival order (<see cref="CatalogueCleaner"/>), the items written to
/// their shards (one call per shard per batch), then the source's feed memory, counts and quarantine, then the batch is
/// counted under the <c>catalogue</c> quality source. A failed write deactivates the grain so a retry starts from what is
/// durable and gives the same items; records already stored come back unchanged (<see cref="OutcomeKind.DuplicateById"/>),
/// and a quarantined record sent again is not kept twice.
/// </summary>
public sealed partial class CatalogueSourceGrain(
    [PersistentState("feed", StorageNames.Catalogue)] IPersistentState<CatalogueFeedState> state,
    IOptions<ValidationOptions> validation,
    IOptions<CatalogueOptions> options,
    QualityCollector quality,
    CatalogueCache cache,
    TimeProvider time,
    ILogger<CatalogueSourceGrain> logger) : Grain, ICatalogueSourceGrain
{
    /// <summary>Most records one call takes.</summary>
    public const int MaxRecords = 5_000;

    private HashSet<CatalogueRecord>? _quarantined;

    private string Source => this.GetPrimaryKeyString();

    public async Task<IReadOnlyList<CatalogueOutcome>> PutAsync(IReadOnlyList<CatalogueRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!CatalogueSources.IsValid(Source))
        {
            throw new ArgumentException($"'{Source}' is not a catalogue source name (1..64 of a-z, 0-9, '-', '_', '.').");
        }

        if (records.Count > MaxRecords)
        {
            throw new ArgumentException($"At most {MaxRecords} records per call, not {records.Count}.", nameof(records));
        }

        var now = time.GetUtcNow().UtcDateTime;
        var feed = state.State;
        var cleaner = new CatalogueCleaner(validation.Value, options.Value.MaxListPrice);
        var cleaned = new CleanedRecord[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            cleaned[i] = cleaner.Clean(records[i] ?? throw new ArgumentException($"Record {i} is null.", nameof(records)), Source, feed, now);
        }

        var writes = await WriteItemsAsync(cleaned);
        _quarantined ??= [.. feed.Quarantine.Select(q => q.Record)];
        var outcomes = new CatalogueOutcome[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var (item, kind, decisions) = cleaned[i];
            if (item is null)
            {
                if (_quarantined.Add(records[i]))
                {
                    feed.Quarantine.Add(new QuarantinedRecord(feed.NextQuarantineSequence++, records[i], decisions, now));
                    feed.Quarantined++;
                }
                else
                {
                    kind = OutcomeKind.DuplicateById;
                }
            }
            else if (writes[i] == CatalogueWrite.Unchanged)
            {
                kind = OutcomeKind.DuplicateById;
            }
            else if (writes[i] == CatalogueWrite.Updated)
            {
                decisions = [.. decisions, new RuleDecision(CatalogueRuleIds.Updated, DecisionKind.Flagged, "itemId", "replaces the item stored under this id")];
            }

            outcomes[i] = new CatalogueOutcome(records[i].ItemId, kind, decisions, item?.CanonicalId);
            Count(feed, outcomes[i]);
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }

        cache.Invalidate(cleaned.Where((c, i) => c.Item is not null && writes[i] != CatalogueWrite.Unchanged).Select(c => c.Item!.ItemId));
        try
        {
            quality.RecordCatalogue(Source, records, outcomes);
        }
        catch (Exception ex)
        {
            LogErrorQuality(logger, ex, Source);
        }

        return outcomes;
    }

    public Task<CatalogueSummary> GetSummaryAsync(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var s = state.State;
        return Task.FromResult(new CatalogueSummary(
            Source, s.Received, s.Accepted, s.Repaired, s.Duplicates, s.Unchanged, s.Quarantined, s.Brands.Count,
            new Dictionary<string, long>(s.Rules, StringComparer.Ordinal), [.. s.Quarantine.Skip(offset).Take(limit)]));
    }

    private async Task<CatalogueWrite[]> WriteItemsAsync(CleanedRecord[] cleaned)
    {
        var writes = new CatalogueWrite[cleaned.Length];
        var shards = options.Value.Shards;
        var byShard = Enumerable.Range(0, cleaned.Length).Where(i => cleaned[i].Item is not null)
            .GroupBy(i => CatalogueShardGrain.ShardOf(cleaned[i].Item!.ItemId, shards));
        try
        {
            await Task.WhenAll(byShard.Select(async shard =>
            {
                var indexes = shard.ToList();
                var written = await GrainFactory.Reference<ICatalogueShardGrain>(shard.Key).PutAsync([.. indexes.Select(i => cleaned[i].Item!)]);
                for (var j = 0; j < indexes.Count; j++)
                {
                    writes[indexes[j]] = written[j];
                }
            }));
        }
        catch
        {
            // The feed memory learnt this batch in memory only: reload it so a retry is cleaned as this call was.
            DeactivateOnIdle();
            throw;
        }

        return writes;
    }

    private static void Count(CatalogueFeedState feed, CatalogueOutcome outcome)
    {
        feed.Received++;
        switch (outcome.Kind)
        {
            case OutcomeKind.Accepted: feed.Accepted++; break;
            case OutcomeKind.Repaired: feed.Repaired++; break;
            case OutcomeKind.DuplicateByContent: feed.Duplicates++; break;
            case OutcomeKind.DuplicateById: feed.Unchanged++; break;
        }

        if (outcome.Kind == OutcomeKind.DuplicateById)
        {
            return;
        }

        // Records per rule, as the importer and the quality tables count them.
        foreach (var rule in outcome.Decisions.Select(d => d.RuleId).Distinct(StringComparer.Ordinal))
        {
            feed.Rules[rule] = feed.Rules.GetValueOrDefault(rule) + 1;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Counting catalogue source {Source}'s batch in the quality monitors failed; the batch stands")]
    private static partial void LogErrorQuality(ILogger logger, Exception exception, string source);
}
