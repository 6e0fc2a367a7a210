namespace Esrs.Identity;

/// <summary>
/// A user's entry in the user registry (key: the exact user id): its pseudonymised record and its links to other users
/// that denote the same person. Kept apart from <see cref="IUserGrain"/> so the ingest path's state stays small.
/// </summary>
public interface IRegistryGrain : IGrainWithStringKey
{
    /// <summary>Stores the record (replacing an earlier one), finds users that share its evidence, links them both ways.</summary>
    Task<RecordOutcome> PutAsync(PseudonymRecord record);

    Task<PseudonymRecord?> GetRecordAsync();

    Task<IReadOnlyList<IdentityLink>> GetLinksAsync();

    /// <summary>Records a link found by the other side (idempotent); false, and nothing recorded, when this entry has no record (erased).</summary>
    Task<bool> AddLinkAsync(IdentityLink link);

    /// <summary>Removes the link to <paramref name="other"/> (the other side erased itself).</summary>
    Task RemoveLinkAsync(string other);

    /// <summary>
    /// An operator's decision that this user and <paramref name="other"/> are two persons: the link between them goes on both
    /// sides, and the pair is kept apart from then on (no record of either links them again). Idempotent.
    /// </summary>
    Task<UnlinkResult> UnlinkAsync(string other);

    /// <summary>The other side of <see cref="UnlinkAsync"/>: removes the link and keeps the pair apart.</summary>
    Task SeparateAsync(string other, DateTime at);

    /// <summary>Erasure of <paramref name="other"/>: every trace of it here goes, its link and its separation.</summary>
    Task ForgetAsync(string other);

    /// <summary>Every member linked to this user, breadth first, at most <paramref name="maxMembers"/>.</summary>
    Task<IdentityView> ResolveAsync(int maxMembers);

    /// <summary>
    /// Erasure: leaves every index, removes its links and separations from the others, clears the state, and has the
    /// persons it was part of regrouped without it (<see cref="RegroupSoonAsync"/>, once, for its linked users and
    /// <paramref name="merged"/>: the ids the user grain knows it was merged with, which a retried erasure still knows
    /// after this entry is gone); how many other entries it named.
    /// </summary>
    Task<int> EraseAsync(IReadOnlyList<string> merged);

    /// <summary>
    /// After an erasure: regroups the user grains of the seeds' persons (one profile per person) in the background, retried
    /// a few times, then scrubs freed space again (the members' replaced rows named the erased user). A one-way call, so a
    /// caller in the middle of a user grain's turn (the erasure) never waits on the members it regroups.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task RegroupSoonAsync(IReadOnlyList<string> seeds);
}

/// <summary>
/// The users holding one pseudonymised identifier (key: <c>kind:keyId:pseudonym</c>). Past <c>MaxMembers</c> the
/// identifier is a hub (a shop's phone number, a shared kiosk) and links nobody.
/// </summary>
public interface IIdentityIndexGrain : IGrainWithStringKey
{
    /// <summary>Adds <paramref name="userId"/>; returns the other members, or none when the identifier is a hub.</summary>
    Task<IReadOnlyList<string>> JoinAsync(string userId);

    Task LeaveAsync(string userId);
}
