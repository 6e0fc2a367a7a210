namespace Esrs.Users;

/// <summary>The per-user quarantine (configuration section <c>Esrs:Quarantine</c>).</summary>
public sealed class QuarantineOptions
{
    public const string SectionName = "Esrs:Quarantine";

    /// <summary>
    /// Most rejected events kept per user grain. Past it the oldest entry is evicted, counted in
    /// <see cref="Profiles.IngestCounters.QuarantineEvicted"/> and logged as a warning, never dropped silently.
    /// </summary>
    public int Capacity { get; set; } = 1_000;

    /// <summary>Largest page <see cref="IUserGrain.GetQuarantineAsync"/> returns.</summary>
    public int MaxPageSize { get; set; } = 500;
}
