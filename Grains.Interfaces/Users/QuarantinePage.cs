namespace Esrs.Users;

/// <summary>One page of a user's quarantine, oldest first, with the count of entries evicted for space.</summary>
[GenerateSerializer, Immutable, Alias("esrs.quarantine-page")]
public sealed record QuarantinePage(
    [property: Id(0)] IReadOnlyList<QuarantinedEvent> Items,
    [property: Id(1)] int Offset,
    [property: Id(2)] int Total,
    [property: Id(3)] long Evicted);
