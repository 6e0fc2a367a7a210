namespace Esrs.Users;

/// <summary>
/// Durable home of the quarantine entries a user grain spilled out of its state (the oldest, once the quarantine is past
/// its capacity or byte budget). Entries keep their sequence numbers; a grain reads those up to the last sequence its state
/// says it spilled, so rows a failed write left behind are never listed twice. Writes are idempotent by sequence.
/// </summary>
public interface IQuarantineSpillStore
{
    /// <summary>Stores entries (idempotent: an entry already stored under its sequence is left as it is).</summary>
    Task SpillAsync(string grainKey, IReadOnlyList<QuarantinedEvent> entries, CancellationToken cancellationToken = default);

    /// <summary>Entries with sequence up to <paramref name="through"/>, oldest first, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<QuarantinedEvent>> ReadAsync(string grainKey, long through, int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many entries with sequence up to <paramref name="through"/> are stored.</summary>
    Task<long> CountAsync(string grainKey, long through, CancellationToken cancellationToken = default);

    /// <summary>
    /// Which of <paramref name="identities"/> (see <see cref="QuarantineIdentity"/>) and which of the content hashes
    /// <paramref name="contents"/> belong to stored entries up to <paramref name="through"/>.
    /// </summary>
    Task<SpilledMatches> FindAsync(string grainKey, long through, IReadOnlyCollection<ulong> identities, IReadOnlyCollection<ulong> contents, CancellationToken cancellationToken = default);

    /// <summary>Removes entries by sequence (after a replay applied them, or found them duplicates, durably).</summary>
    Task DeleteAsync(string grainKey, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken = default);
}

/// <summary>What the spill store holds of a batch: identities of spilled entries, and their content hashes.</summary>
public sealed record SpilledMatches(IReadOnlySet<ulong> Identities, IReadOnlySet<ulong> Contents)
{
    /// <summary>Nothing spilled matches.</summary>
    public static readonly SpilledMatches None = new(new HashSet<ulong>(), new HashSet<ulong>());
}
