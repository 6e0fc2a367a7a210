namespace Esrs.Catalogue;

/// <summary>The catalogue's storage, its per-silo cache and how enrichment compares (configuration section <c>Esrs:Catalogue</c>).</summary>
public sealed class CatalogueOptions
{
    public const string SectionName = "Esrs:Catalogue";

    /// <summary>Whether user grains enrich events from the catalogue at ingest.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Item shards (grains). Fixed for a deployment: changing it moves items to shards that do not hold them.</summary>
    public int Shards { get; set; } = 16;

    /// <summary>How long a silo keeps an item it fetched: a catalogue change reaches events within this time.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a silo remembers that an item id is not in the catalogue.</summary>
    public TimeSpan MissCacheFor { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A shard holding at most this many items is read whole at its first miss (one call, then every id of it is known,
    /// found or not, for <see cref="CacheFor"/>); a larger one is read per batch, for the batch's missing ids.
    /// </summary>
    public int WholeShardItems { get; set; } = 50_000;

    /// <summary>Items a silo's cache holds at most; past it, the cache starts again empty.</summary>
    public int CacheCapacity { get; set; } = 500_000;

    /// <summary>An event price outside [list / this, list × this] (same currency) disagrees with the catalogue.</summary>
    public decimal PriceTolerance { get; set; } = 2m;


    /// <summary>List and sale prices above this (in any currency) are data errors; higher than events' limit, as catalogues list in many currencies.</summary>
    public decimal MaxListPrice { get; set; } = 10_000_000m;
}
