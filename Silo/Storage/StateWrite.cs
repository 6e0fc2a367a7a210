namespace Esrs.Silo.Storage;

/// <summary>
/// One grain's write waiting for the next group commit: the row's identity, the version the grain last read (null: it
/// believes there is no row), the new payload (null: clear). <see cref="Done"/> completes with the row's new version once
/// the transaction that holds it has committed, with null when the version no longer matched.
/// </summary>
public sealed class StateWrite(string serviceId, string grainType, string grainKey, long? expectedVersion, byte[]? payload, bool delete = false)
{
    /// <summary>
    /// Rows for the user event log (<c>EsrsUserEventLog</c>) that go in with this state write: written in its transaction
    /// only when the state write itself succeeds (replacing a row left under the same key by a write that failed later);
    /// null: none.
    /// </summary>
    public IReadOnlyList<LogRow>? Appends { get; init; }

    /// <summary>
    /// Changes to the rows the state keeps beside its own (<c>EsrsGrainStateRow</c>, <see cref="IStateRows"/>), applied in its
    /// transaction only when the state write itself succeeds; null: none. A clear or delete removes every row regardless.
    /// </summary>
    public RowChanges? Rows { get; init; }

    /// <summary>Deletes the row (at <see cref="ExpectedVersion"/>) instead of writing it; <see cref="NewVersion"/> is 0 when done.</summary>
    public bool Delete { get; } = delete;

    public string ServiceId { get; } = serviceId;
    public string GrainType { get; } = grainType;
    public string GrainKey { get; } = grainKey;
    public long? ExpectedVersion { get; } = expectedVersion;
    public byte[]? Payload { get; } = payload;

    /// <summary>Set by the database inside the transaction; published through <see cref="Done"/> only after commit.</summary>
    public long? NewVersion { get; set; }

    public TaskCompletionSource<long?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// A row of the user event log: the user id the events were sent to, the grain that applied them, its log sequence of the
/// first, and the logged events (one state write's worth for that user id).
/// </summary>
public readonly record struct LogRow(string UserKey, string Writer, long Sequence, byte[] Payload);

/// <summary>A row kept beside a state's own row (<c>EsrsGrainStateRow</c>): its key within the state, and its payload.</summary>
public readonly record struct StateRow(long Key, byte[] Payload);

/// <summary>
/// What one write changes in the rows beside its state: <paramref name="Upserts"/> written (inserted or replaced by key),
/// <paramref name="Deletes"/> removed; with <paramref name="ReplaceAll"/>, every stored row whose key is not upserted is
/// removed (the writer did not know what was stored).
/// </summary>
public sealed record RowChanges(IReadOnlyList<StateRow> Upserts, IReadOnlyList<long> Deletes, bool ReplaceAll)
{
    public bool IsEmpty => !ReplaceAll && Upserts.Count == 0 && Deletes.Count == 0;
}

/// <summary>
/// A stored row: its version and payload (null when the state was cleared), and, when asked for, the rows kept beside it
/// in key order (null when they were not asked for).
/// </summary>
public readonly record struct StoredState(long Version, byte[]? Payload, IReadOnlyList<StateRow>? Rows = null);

/// <summary>The database side of <see cref="GroupCommitGrainStorage"/>: point reads, and many writes in one transaction.</summary>
public interface IStateDatabase : IAsyncDisposable
{
    /// <summary>How many group commits may be in flight at once (SQLite has one writer; PostgreSQL takes several).</summary>
    int MaxConcurrentCommits { get; }

    /// <summary>The state's row, with the rows kept beside it when <paramref name="withRows"/> (one snapshot: both or neither current).</summary>
    Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken, bool withRows = false);

    /// <summary>
    /// Applies every write of <paramref name="batch"/> in one transaction with one commit: each write's
    /// <see cref="StateWrite.NewVersion"/> is set, or left null on a version conflict (which costs no other write).
    /// Throws, committing nothing, when the database fails.
    /// </summary>
    Task WriteBatchAsync(IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken);
}
