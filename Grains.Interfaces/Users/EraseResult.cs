namespace Esrs.Users;

/// <summary>
/// What erasing a user removed: the profile (with its dedupe memory) and quarantine from grain storage, the quarantine
/// entries spilled to their table, the user's examples in the quality monitors, the user's Redis dead letters, and the
/// user's registry record (pseudonymised identifiers) with its links to other users and its separations from them
/// (<c>links</c> counts both: the other users whose entries named this one). Counts only, so the answer itself holds nothing of the user but the id the caller sent.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.erase-result")]
public sealed record EraseResult(
    [property: Id(0)] bool HadState,
    [property: Id(1)] long EventsApplied,
    [property: Id(2)] long QuarantinedInState,
    [property: Id(3)] long SpilledRows,
    [property: Id(4)] long QualityExamples,
    [property: Id(5)] long DeadLetters,
    [property: Id(6)] bool Scrubbed,
    [property: Id(7)] DateTime ErasedAt,
    [property: Id(8)] bool HadRegistryRecord = false,
    [property: Id(9)] int Links = 0,
    [property: Id(10)] bool ScrubPending = false);
