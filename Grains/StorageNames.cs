namespace Esrs;

/// <summary>Names of the grain storage providers the grains use; the silo registers one of each.</summary>
public static class StorageNames
{
    /// <summary>User grain state: profile, dedupe window, quarantine.</summary>
    public const string Users = "users";

    /// <summary>Data-quality history: the aggregator's totals, windows and alerts.</summary>
    public const string Quality = "quality";

    /// <summary>The item co-occurrence graph's shards.</summary>
    public const string Recommend = "recommend";

    /// <summary>The user registry (pseudonymised records, links) and its identifier indexes.</summary>
    public const string Identity = "identity";

    /// <summary>The catalogue: each source's feed memory and quarantine, and the item shards.</summary>
    public const string Catalogue = "catalogue";
}
