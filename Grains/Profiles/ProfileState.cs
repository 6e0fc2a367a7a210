namespace Esrs.Profiles;

/// <summary>The durable part of a user profile. Scores are stored against <see cref="DecayEpoch"/> (see <see cref="DecayMath"/>).</summary>
[GenerateSerializer, Alias("esrs.profile-state")]
public sealed class ProfileState
{
    /// <summary>Accepted events per <see cref="Events.EventType"/> value.</summary>
    [Id(0)] public long[] Counts { get; set; } = new long[10];

    [Id(1)] public DateTime? FirstSeen { get; set; }
    [Id(2)] public DateTime? LastSeen { get; set; }
    [Id(3)] public DateTime DecayEpoch { get; set; }
    [Id(4)] public Dictionary<string, double> Categories { get; set; } = new(StringComparer.Ordinal);
    [Id(5)] public Dictionary<string, double> Brands { get; set; } = new(StringComparer.Ordinal);
    [Id(6)] public Dictionary<string, double> Items { get; set; } = new(StringComparer.Ordinal);
    [Id(7)] public Dictionary<string, double> SearchTerms { get; set; } = new(StringComparer.Ordinal);
    [Id(8)] public List<string> RecentItems { get; set; } = [];
    [Id(9)] public Dictionary<string, decimal> Spend { get; set; } = new(StringComparer.Ordinal);
    [Id(10)] public int? Age { get; set; }
    [Id(11)] public string? Gender { get; set; }
    [Id(12)] public Dictionary<string, Provenance> Provenance { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Tagged attribute interests keyed <c>LABEL=value</c> (value lower-cased).</summary>
    [Id(13)] public Dictionary<string, double> Attributes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Products the user cancelled most recently, newest first, until bought again (recommendations leave them out).</summary>
    [Id(14)] public List<string> Cancelled { get; set; } = [];

    /// <summary>Per field that several sources may state (<c>age</c> as a birth year, <c>gender</c>), the latest claim of each source.</summary>
    [Id(15)] public Dictionary<string, List<FieldClaim>> Claims { get; set; } = new(StringComparer.Ordinal);
}
