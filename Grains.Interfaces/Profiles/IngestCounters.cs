namespace Esrs.Profiles;

/// <summary>
/// Running totals of what one user grain did with the events it received (<c>QuarantineSpilled</c>: entries moved to the
/// spill store for space, still kept; <c>MergedDuplicates</c>: events applied under two linked ids of one person, counted
/// once in the merged profile).
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.ingest-counters")]
public sealed record IngestCounters(
    [property: Id(0)] long Accepted,
    [property: Id(1)] long Repaired,
    [property: Id(2)] long DuplicatesById,
    [property: Id(3)] long DuplicatesByContent,
    [property: Id(4)] long Quarantined,
    [property: Id(5)] long Replayed,
    [property: Id(6)] long QuarantineSpilled,
    [property: Id(7)] long TaggedEvents = 0,
    [property: Id(8)] long UntaggedEvents = 0,
    [property: Id(9)] long MergedDuplicates = 0);
