namespace Esrs.Identity;

/// <summary>
/// A user-registry record as the grid keeps it: email, phone, name and device ids only as keyed pseudonyms
/// (<see cref="Pseudonymiser"/>, under key <see cref="KeyId"/>); birth year and gender as sent (checked). The clear values
/// never leave the gateway that received them.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.pseudonym-record")]
public sealed record PseudonymRecord(
    [property: Id(0)] string UserId,
    [property: Id(1)] string KeyId,
    [property: Id(2)] string? Email,
    [property: Id(3)] string? Phone,
    [property: Id(4)] string? Name,
    [property: Id(5)] int? BirthYear,
    [property: Id(6)] string? Gender,
    [property: Id(7)] IReadOnlyList<string> Devices,
    [property: Id(8)] string Source,
    [property: Id(9)] DateTime ReceivedAt);

/// <summary>
/// Why two users are the same person: the same email, or the same phone, or the same name and birth year with a device
/// id in common (a name and birth year alone are shared by strangers; a device alone by a family).
/// </summary>
public static class LinkEvidence
{
    public const string Email = "email";
    public const string Phone = "phone";
    public const string NameBirthYearDevice = "name+birth-year+device";
}

/// <summary>One link of a user to another, with its evidence and when it was found.</summary>
[GenerateSerializer, Immutable, Alias("esrs.identity-link")]
public sealed record IdentityLink([property: Id(0)] string Other, [property: Id(1)] string Evidence, [property: Id(2)] DateTime At);

/// <summary>What storing one record came to: stored (with the fields dropped and why) or refused, and the links it made.</summary>
[GenerateSerializer, Immutable, Alias("esrs.record-outcome")]
public sealed record RecordOutcome(
    [property: Id(0)] string UserId,
    [property: Id(1)] bool Stored,
    [property: Id(2)] IReadOnlyList<string> Rules,
    [property: Id(3)] IReadOnlyList<IdentityLink> NewLinks);

/// <summary>
/// The person a user id belongs to: every id linked to it (directly or through others), the canonical one (the smallest
/// id, ordinal), and each link with its evidence.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.identity-view")]
public sealed record IdentityView(
    [property: Id(0)] string UserId,
    [property: Id(1)] string Canonical,
    [property: Id(2)] IReadOnlyList<string> Members,
    [property: Id(3)] IReadOnlyList<IdentityEdge> Links,
    [property: Id(4)] bool Truncated,
    [property: Id(5)] IReadOnlyList<string>? Separated = null);

/// <summary>One link between two members of an <see cref="IdentityView"/>.</summary>
[GenerateSerializer, Immutable, Alias("esrs.identity-edge")]
public sealed record IdentityEdge([property: Id(0)] string A, [property: Id(1)] string B, [property: Id(2)] string Evidence, [property: Id(3)] DateTime At);

/// <summary>
/// What undoing a link came to: the link that was removed (null: none, the pair was separated already) and since when the
/// pair is kept apart (the rules never join these two again, whatever their records say). Both null: the two were neither
/// linked nor separated, and nothing changed. <see cref="StillOnePerson"/>: the two are still joined through other users'
/// links (a third account linked to both); those links are undone one by one too.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.unlink-result")]
public sealed record UnlinkResult(
    [property: Id(0)] string UserId,
    [property: Id(1)] string Other,
    [property: Id(2)] IdentityLink? Removed,
    [property: Id(3)] DateTime? SeparatedAt,
    [property: Id(4)] bool StillOnePerson = false);

