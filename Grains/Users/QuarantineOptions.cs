namespace Esrs.Users;

/// <summary>The per-user quarantine (configuration section <c>Esrs:Quarantine</c>).</summary>
public sealed class QuarantineOptions
{
    public const string SectionName = "Esrs:Quarantine";

    /// <summary>
    /// Most rejected events kept in the grain's state. Past it, or past <see cref="MaxBytes"/>, the oldest entries are
    /// spilled to the quarantine spill table (durable, listed and replayed with the rest), never dropped.
    /// </summary>
    public int Capacity { get; set; } = 1_000;

    /// <summary>Estimated bytes of quarantined events kept in the grain's state before the oldest are spilled.</summary>
    public int MaxBytes { get; set; } = 512 * 1024;

    /// <summary>Largest page <see cref="IUserGrain.GetQuarantineAsync"/> returns.</summary>
    public int MaxPageSize { get; set; } = 500;

    /// <summary>Spilled entries one replay call re-validates (the oldest first); call again for the rest.</summary>
    public int MaxReplaySpilled { get; set; } = 1_000;
}
