namespace Esrs.Users;

/// <summary>
/// The stores outside a user grain's state that can hold something of the user, as the silo hosting the grain has them:
/// the cleared state row (its key is the user id), the spilled quarantine rows, the Redis dead letters. Called by
/// <see cref="UserGrain.EraseAsync"/> after the grain cleared its state.
/// </summary>
public interface IUserDataEraser
{
    /// <summary>
    /// Deletes the rows and dead letters of <paramref name="userKey"/>, then scrubs freed space where the store allows
    /// it (SQLite: the database rebuilt and its write-ahead log truncated). Safe to run again after a failure.
    /// </summary>
    Task<ErasedElsewhere> EraseAsync(string userKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scrubs freed space again, as <see cref="EraseAsync"/> does after its deletes: for writes that followed an erasure and
    /// replaced rows that named the erased user (the regrouping of the person it was part of). Nothing where the store
    /// cannot (PostgreSQL) or scrubbing is off.
    /// </summary>
    Task ScrubAsync(CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IUserDataEraser.EraseAsync"/> removed, and whether freed space was scrubbed or is being scrubbed still.</summary>
public readonly record struct ErasedElsewhere(long SpilledRows, long DeadLetters, bool Scrubbed, bool ScrubPending = false);
