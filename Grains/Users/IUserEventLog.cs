using Esrs.Events;

namespace Esrs.Users;

/// <summary>
/// The log of the events applied to each user's profile, kept by the user id the events were sent to (the origin),
/// whichever grain applied them. A profile holds decayed sums, which cannot be split or have one event taken out: merging
/// the profiles of two linked ids exactly once, and restoring both when they are unlinked, is done by replaying their
/// logs (<see cref="UserEventProcessor.Rebuild"/>). A grain appends what a call applied before it writes its state, so
/// the log never lacks an event the state holds (with group commit, in the same transaction).
/// </summary>
public interface IUserEventLog
{
    /// <summary>
    /// True when the user grain storage writes a state's <see cref="UserState.PendingLog"/> with the state, in one
    /// transaction (the grain then sets it instead of calling <see cref="AppendAsync"/> first).
    /// </summary>
    bool AppendsWithState { get; }

    /// <summary>
    /// Appends what one call of grain <paramref name="writer"/> applied, durable when it returns; appended again by a retry
    /// of the call (same writer and sequences), it replaces what the failed attempt left.
    /// </summary>
    Task AppendAsync(string writer, IReadOnlyList<LoggedEvent> entries, CancellationToken cancellationToken = default);

    /// <summary>Every entry of <paramref name="origins"/>, in no particular order.</summary>
    Task<IReadOnlyList<LoggedEvent>> ReadAsync(IReadOnlyCollection<string> origins, CancellationToken cancellationToken = default);
}

/// <summary>
/// One applied event as the profile received it (repaired and enriched) with the decisions taken on it, the user id it was
/// sent to, and when and in which order its grain applied it. The hashes are of the event as it was sent (before repair),
/// the ones its dedupe judged it by, so a replay judges it the same way.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.logged-event")]
public sealed record LoggedEvent(
    [property: Id(0)] string Origin,
    [property: Id(1)] long Sequence,
    [property: Id(2)] DateTime AppliedAt,
    [property: Id(3)] UserEvent Event,
    [property: Id(4)] IReadOnlyList<RuleDecision> Decisions,
    [property: Id(5)] ulong IdHash,
    [property: Id(6)] ulong ContentHash)
{
    /// <summary>The order of a rebuild: as the events were applied, whichever member's log they are in.</summary>
    public static int Compare(LoggedEvent? a, LoggedEvent? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null || b is null)
        {
            return a is null ? -1 : 1;
        }

        var c = a.AppliedAt.CompareTo(b.AppliedAt);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.Origin, b.Origin);
        }

        return c != 0 ? c : a.Sequence.CompareTo(b.Sequence);
    }
}
