using Esrs.Events;

namespace Esrs.Users;

/// <summary>
/// What identity resolution asks of a user grain (the registry calls it; frontends do not). The ids the registry links
/// into one person get one profile, kept by the person's canonical id (the smallest): the others forward their events
/// and reads to it, and the canonical rebuilds its profile from every member's log of applied events, so an event seen
/// under two ids counts once and an unlink restores each side from its own events.
/// </summary>
public interface IUserMergeGrain : IGrainWithStringKey
{
    /// <summary>Ingests a batch addressed to <paramref name="origin"/>, a member this grain keeps the profile of.</summary>
    /// <param name="origin">The user id the events were sent to (and are validated and logged under).</param>
    /// <param name="batch">The events, as <see cref="IUserGrain.IngestAsync"/> takes them.</param>
    /// <param name="hops">Forwards so far; a chain longer than a few is refused (a regrouping in progress), and retried.</param>
    Task<IngestResult> IngestForAsync(string origin, IReadOnlyList<UserEvent> batch, int hops);

    /// <summary>
    /// Whether this id's profile can be merged: false when its events were applied before the event log existed (a
    /// rebuild from the log would lose them); such a person's ids keep their own profiles.
    /// </summary>
    Task<bool> CanMergeAsync();

    /// <summary>From now on this id's events and reads go to <paramref name="canonical"/> (durable before it returns).</summary>
    Task JoinAsync(string canonical);

    /// <summary>
    /// Makes this grain the profile of <paramref name="members"/> (this id among them): the profile, dedupe memory and
    /// counters are rebuilt from the members' logs in the order the events were applied, the registry's declarations
    /// re-applied and the tags requested again. Nothing is done when the grain already keeps exactly these members.
    /// </summary>
    Task<MergeResult> RebuildAsync(IReadOnlyList<string> members);

    /// <summary>Rebuilds this person's profile from its members' logs now (a member applied events of its own: a quarantine replay).</summary>
    Task RefreshAsync();
}

/// <summary>What a rebuild did: the members, events applied from their logs, and events found under two of them (counted once).</summary>
[GenerateSerializer, Immutable, Alias("esrs.merge-result")]
public sealed record MergeResult(
    [property: Id(0)] string Canonical,
    [property: Id(1)] IReadOnlyList<string> Members,
    [property: Id(2)] bool Rebuilt,
    [property: Id(3)] long Applied,
    [property: Id(4)] long MergedDuplicates);
