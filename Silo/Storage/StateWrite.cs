namespace Esrs.Silo.Storage;

/// <summary>
/// One grain's write waiting for the next group commit: the row's identity, the version the grain last read (null: it
/// believes there is no row), the new payload (null: clear). <see cref="Done"/> completes with the row's new version once
/// the transaction that holds it has committed, with null when the version no longer matched.
/// </summary>
public sealed class StateWrite(string serviceId, string grainType, string grainKey, long? expectedVersion, byte[]? payload, bool delete = false)
{
    /// <summary>
    /// A write that only appends rows to the user event log (<c>EsrsUserEvents</c>; a row already there under its key is
    /// left as it is), in the next group commit with the state writes; <see cref="NewVersion"/> is 0 when done.
    /// </summary>
    public static StateWrite Append(string serviceId, IReadOnlyList<LogRow> rows) => new(serviceId, "", "", null, null) { Appends = rows };

    /// <summary>The rows of an append-only write (<see cref="Append"/>); null for a state write.</summary>
    public IReadOnlyList<LogRow>? Appends { get; private init; }

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

/// <summary>A row of the user event log: the user id the event was sent to, the event's identity, its order, the logged event.</summary>
public readonly record struct LogRow(string UserKey, long Identity, long Sequence, byte[] Payload);

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
