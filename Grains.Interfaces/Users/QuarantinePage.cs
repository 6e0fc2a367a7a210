namespace Esrs.Users;

/// <summary>
/// One page of a user's quarantine, oldest first. <see cref="Total"/> counts every entry, those spilled out of the grain's
/// state for space (<see cref="Spilled"/>, listed first, being the oldest) and those in it.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.quarantine-page")]
public sealed record QuarantinePage(
    [property: Id(0)] IReadOnlyList<QuarantinedEvent> Items,
    [property: Id(1)] int Offset,
    [property: Id(2)] long Total,
    [property: Id(4)] long Spilled);
