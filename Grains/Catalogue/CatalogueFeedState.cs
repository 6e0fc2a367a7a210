namespace Esrs.Catalogue;

/// <summary>
/// What a catalogue source remembers of its feed (grain state): the first spelling of each brand (by folded form), the
/// first id of each product (by a hash of its folded title, brand, prices and category) and of each id ignoring case,
/// counts and the quarantine.
/// </summary>
[GenerateSerializer, Alias("esrs.catalogue-feed-state")]
public sealed class CatalogueFeedState
{
    [Id(0)] public Dictionary<string, string> Brands { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<ulong, string> Products { get; set; } = [];

    /// <summary>Words in the longest known brand (how far into a title the brand lookup looks).</summary>
    [Id(2)] public int LongestBrandWords { get; set; }
    [Id(3)] public long Received { get; set; }
    [Id(4)] public long Accepted { get; set; }
    [Id(5)] public long Repaired { get; set; }
    [Id(6)] public long Duplicates { get; set; }
    [Id(7)] public long Unchanged { get; set; }
    [Id(8)] public long Quarantined { get; set; }
    [Id(9)] public Dictionary<string, long> Rules { get; set; } = new(StringComparer.Ordinal);
    [Id(10)] public List<QuarantinedRecord> Quarantine { get; set; } = [];
    [Id(11)] public long NextQuarantineSequence { get; set; }

    /// <summary>The first item id of each id in upper case: <c>85123a</c> is a second listing of <c>85123A</c>.</summary>
    [Id(12)] public Dictionary<string, string> Ids { get; set; } = new(StringComparer.Ordinal);
}
