using Orleans.Concurrency;

namespace Esrs.Catalogue;

/// <summary>
/// One catalogue source (key: its name, e.g. <c>flipkart</c>). It cleans the source's records in arrival order with what it
/// remembers of the feed (each brand's first spelling, each product's first id), stores the items in the catalogue
/// shards, quarantines what it cannot use, and counts it all under the <c>catalogue</c> quality source.
/// </summary>
public interface ICatalogueSourceGrain : IGrainWithStringKey
{
    /// <summary>Cleans and stores a batch; one outcome per record, in order. A retried batch gives the same items.</summary>
    Task<IReadOnlyList<CatalogueOutcome>> PutAsync(IReadOnlyList<CatalogueRecord> records);

    /// <summary>Counts, rules, and a page of the quarantine (oldest first).</summary>
    [ReadOnly]
    Task<CatalogueSummary> GetSummaryAsync(int offset, int limit);
}

/// <summary>Reads the catalogue without knowing its shards (a stateless worker in every silo).</summary>
public interface ICatalogueGrain : IGrainWithIntegerKey
{
    /// <summary>The stored item of <paramref name="itemId"/> (cleaned values, decisions, raw record), or null.</summary>
    [ReadOnly]
    Task<CatalogueItem?> GetItemAsync(string itemId);
}

/// <summary>One shard of the catalogue's items (key: shard number, XxHash32 of the item id modulo the shard count).</summary>
public interface ICatalogueShardGrain : IGrainWithIntegerKey
{
    /// <summary>Stores items; per item, whether it was added, replaced one, or was the same source's same raw record (unchanged).</summary>
    Task<CatalogueWrite[]> PutAsync(IReadOnlyList<CatalogueItem> items);

    /// <summary>The stored items of <paramref name="itemIds"/> this shard owns, null where it has none.</summary>
    [ReadOnly]
    Task<CatalogueItem?[]> GetItemsAsync(IReadOnlyList<string> itemIds);

    /// <summary>What enrichment needs of <paramref name="itemIds"/>, null where the shard has no item.</summary>
    [ReadOnly]
    Task<CatalogueFacts?[]> GetFactsAsync(IReadOnlyList<string> itemIds);

    /// <summary>What enrichment needs of every item of the shard, or null when it holds more than <paramref name="max"/>.</summary>
    [ReadOnly]
    Task<CatalogueFacts[]?> GetAllFactsAsync(int max);
}

/// <summary>What a shard did with one item it was given.</summary>
public enum CatalogueWrite
{
    Added = 0,
    Updated = 1,
    Unchanged = 2,
}

/// <summary>Names of catalogue sources.</summary>
public static class CatalogueSources
{
    /// <summary>Whether <paramref name="source"/> can name a catalogue source: 1..64 of a-z, 0-9, <c>-</c>, <c>_</c>, <c>.</c>.</summary>
    public static bool IsValid(string? source) =>
        source is { Length: > 0 and <= 64 } && source.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.');
}
