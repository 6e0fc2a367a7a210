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

/// <summary>A stored row: its version and payload (null when the state was cleared).</summary>
public readonly record struct StoredState(long Version, byte[]? Payload);

/// <summary>The database side of <see cref="GroupCommitGrainStorage"/>: point reads, and many writes in one transaction.</summary>
public interface IStateDatabase : IAsyncDisposable
{
    /// <summary>How many group commits may be in flight at once (SQLite has one writer; PostgreSQL takes several).</summary>
    int MaxConcurrentCommits { get; }

    Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken);

    /// <summary>
    /// Applies every write of <paramref name="batch"/> in one transaction with one commit: each write's
    /// <see cref="StateWrite.NewVersion"/> is set, or left null on a version conflict (which costs no other write).
    /// Throws, committing nothing, when the database fails.
    /// </summary>
    Task WriteBatchAsync(IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken);
}
