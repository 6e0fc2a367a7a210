using Esrs.Profiles;

namespace Esrs.Users;

/// <summary>Everything a user grain keeps durable, written once per ingest call.</summary>
[GenerateSerializer, Alias("esrs.user-state")]
public sealed class UserState
{
    [Id(0)] public ProfileState Profile { get; set; } = new();

    /// <summary>
    /// The dedupe window, packed by <see cref="Cleaning.DedupeWindow.Pack"/>: always whole in memory; in a stored payload
    /// empty when the window is kept as rows beside it (<see cref="PartsInRows"/>).
    /// </summary>
    [Id(1)] public byte[] DedupeEntries { get; set; } = [];

    /// <summary>Low watermark of the dedupe window (seconds since 2000; -1 while nothing was forgotten).</summary>
    [Id(2)] public long DedupeWatermark { get; set; } = -1;

    /// <summary>The quarantine kept in the state: whole in memory; in a stored payload empty when it is kept as rows (<see cref="PartsInRows"/>).</summary>
    [Id(3)] public List<QuarantinedEvent> Quarantine { get; set; } = [];

    /// <summary>Sequence number of the next quarantine entry.</summary>
    [Id(4)] public long NextQuarantineSequence { get; set; }

    [Id(5)] public long Accepted { get; set; }
    [Id(6)] public long Repaired { get; set; }
    [Id(7)] public long DuplicatesById { get; set; }
    [Id(8)] public long DuplicatesByContent { get; set; }
    [Id(9)] public long Quarantined { get; set; }
    [Id(10)] public long Replayed { get; set; }
    /// <summary>Quarantine entries moved to the spill store for space (kept there, listed and replayable).</summary>
    [Id(11)] public long QuarantineSpilled { get; set; }

    /// <summary>Accepted events whose query or title the tagger tagged.</summary>
    [Id(12)] public long TaggedEvents { get; set; }

    /// <summary>Accepted events whose query or title could not be tagged (tagger slow, down or without a model).</summary>
    [Id(13)] public long UntaggedEvents { get; set; }

    /// <summary>Highest quarantine sequence spilled to the spill store; -1 while nothing was. Stored rows above it are leftovers of a failed write and are ignored.</summary>
    [Id(14)] public long SpilledThrough { get; set; } = -1;

    /// <summary>
    /// Spilled entries a replay resolved (applied, or found duplicates) whose rows may still be in the spill store: the state
    /// that says so is written before the rows are deleted, and nothing is read from the store until they are.
    /// </summary>
    [Id(15)] public List<long> ResolvedSpilled { get; set; } = [];

    /// <summary>Ids of the last events the dedupe window forgot (<see cref="Cleaning.DedupeWindow.RecentlyForgotten"/>).</summary>
    [Id(16)] public List<ulong> DedupeRecentlyForgotten { get; set; } = [];

    /// <summary>
    /// The canonical id of the person this id was linked into (<see cref="IUserMergeGrain.JoinAsync"/>): events and reads go
    /// there; null while this grain keeps its own profile.
    /// </summary>
    [Id(17)] public string? ForwardTo { get; set; }

    /// <summary>The ids whose logged events this profile was rebuilt from, this one among them, sorted; empty: only this id.</summary>
    [Id(18)] public List<string> Members { get; set; } = [];

    /// <summary>Order of the next event this grain logs (<see cref="IUserEventLog"/>).</summary>
    [Id(19)] public long LogSequence { get; set; }

    /// <summary>Events applied under two members of the person, counted once when the profile was last rebuilt.</summary>
    [Id(20)] public long MergedDuplicates { get; set; }

    /// <summary>
    /// Whether the event log holds every event this profile was built from: true for a profile started (or rebuilt) since
    /// events are logged; false for one whose events were applied before, which a rebuild from the log would lose, so its
    /// id is not merged into a person (<see cref="IUserMergeGrain.CanMergeAsync"/>).
    /// </summary>
    [Id(21)] public bool LogComplete { get; set; }

    /// <summary>
    /// The writer id of this state's rows in the event log (random, made once per state): with <see cref="LogSequence"/>
    /// the rows' key, so a state started again after an erasure never meets the rows of the one before, and the rows this
    /// grain wrote for other members of its person name no user.
    /// </summary>
    [Id(22)] public string? LogWriter { get; set; }

    /// <summary>
    /// Not persisted: the events the call being written applied, for a storage that logs them in the state's own
    /// transaction (<see cref="IUserEventLog.AppendsWithState"/>); set just before the write and cleared after it.
    /// </summary>
    [field: NonSerialized]
    public IReadOnlyList<LoggedEvent>? PendingLog { get; set; }

    /// <summary>
    /// Not persisted: the dedupe window's adds since this state was last stored (<see cref="Cleaning.DedupeAdds"/>), filled by
    /// each seal, for a storage that writes the window as what changed (<see cref="DedupeEntries"/> stays the whole window).
    /// </summary>
    [field: NonSerialized]
    public Cleaning.DedupeAdds DedupeAdds { get; } = new();

    /// <summary>
    /// Set in payloads written by a storage that keeps the quarantine and a large dedupe window as rows beside the state
    /// (group commit, <c>UserStateRows</c>): such a payload's <see cref="Quarantine"/> is empty and its
    /// <see cref="DedupeEntries"/> empty or the whole window, the rest being in the rows. False in a payload written whole,
    /// and always false in memory (that storage sets it only while it serialises, and clears it when it reads).
    /// </summary>
    [Id(23)] public bool PartsInRows { get; set; }

    public IngestCounters Counters() => new(Accepted, Repaired, DuplicatesById, DuplicatesByContent, Quarantined, Replayed, QuarantineSpilled, TaggedEvents, UntaggedEvents, MergedDuplicates);
}
