namespace Esrs.Profiles;

/// <summary>How the live profile weighs and bounds what it keeps (configuration section <c>Esrs:Profiles</c>).</summary>
public sealed class ProfileOptions
{
    public const string SectionName = "Esrs:Profiles";

    /// <summary>Interest weights halve over this time.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Most recent distinct items kept.</summary>
    public int RecentItems { get; set; } = 50;

    /// <summary>Most categories, brands and search terms kept each; the weakest is dropped first.</summary>
    public int MaxInterests { get; set; } = 32;

    /// <summary>Most items kept in the item interest map.</summary>
    public int MaxItemInterests { get; set; } = 64;

    /// <summary>Entries per interest list in a profile read.</summary>
    public int TopN { get; set; } = 20;

    /// <summary>
    /// Trust of each event source for fields several sources state (age, gender); sources not listed get
    /// <see cref="DefaultTrust"/>. The registry (what the account holder declared) is <see cref="RegistryTrust"/>.
    /// </summary>
    public Dictionary<string, int> SourceTrust { get; set; } = new(StringComparer.Ordinal);

    public int DefaultTrust { get; set; } = 50;

    public int RegistryTrust { get; set; } = 100;

    /// <summary>Most claims kept per field (one per source; the oldest go first).</summary>
    public int MaxClaimsPerField { get; set; } = 8;
}
