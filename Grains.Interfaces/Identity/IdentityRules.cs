namespace Esrs.Identity;

/// <summary>
/// When two registry records denote one person, and which identifiers can bring such records together. Plain code: the
/// registry grains and the offline scoring (<see cref="IdentityLinker"/>) run the same rules.
/// </summary>
public static class IdentityRules
{
    /// <summary>More users than this on one identifier make it a hub (a shop's number, a kiosk): it links nobody new.</summary>
    public const int MaxMembersPerIdentifier = 20;

    /// <summary>The evidence that <paramref name="a"/> and <paramref name="b"/> are one person, or null. Pseudonyms only meet under one key.</summary>
    public static string? Evidence(PseudonymRecord a, PseudonymRecord b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.UserId == b.UserId || a.KeyId != b.KeyId)
        {
            return null;
        }

        if (a.Email is not null && a.Email == b.Email)
        {
            return LinkEvidence.Email;
        }

        if (a.Phone is not null && a.Phone == b.Phone)
        {
            return LinkEvidence.Phone;
        }

        return a.Name is not null && a.Name == b.Name && a.BirthYear is not null && a.BirthYear == b.BirthYear && a.Devices.Any(b.Devices.Contains)
            ? LinkEvidence.NameBirthYearDevice
            : null;
    }

    /// <summary>The identifiers that bring candidates together (every rule needs one of them shared): index grain keys.</summary>
    public static IEnumerable<string> Identifiers(PseudonymRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Email is not null)
        {
            yield return "e:" + record.KeyId + ":" + record.Email;
        }

        if (record.Phone is not null)
        {
            yield return "p:" + record.KeyId + ":" + record.Phone;
        }

        foreach (var device in record.Devices.Distinct(StringComparer.Ordinal))
        {
            yield return "d:" + record.KeyId + ":" + device;
        }
    }
}

/// <summary>
/// The registry's linking without Orleans, for scoring it: records added in order, each joined to the identifiers'
/// member lists exactly as the index grains do (hubs included), links kept with their evidence, and
/// persons as the connected components.
/// </summary>
public sealed class IdentityLinker
{
    private readonly Dictionary<string, PseudonymRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>?> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);

    public List<(string A, string B, string Evidence)> Links { get; } = [];

    public void Add(PseudonymRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[record.UserId] = record;
        _parent.TryAdd(record.UserId, record.UserId);
        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var identifier in IdentityRules.Identifiers(record))
        {
            candidates.UnionWith(IdentityIndex.Join(_members, identifier, record.UserId));
        }

        foreach (var other in candidates)
        {
            if (_records.TryGetValue(other, out var known) && IdentityRules.Evidence(record, known) is { } evidence)
            {
                Links.Add((record.UserId, other, evidence));
                Union(record.UserId, other);
            }
        }
    }

    /// <summary>The person (component representative) of a user id.</summary>
    public string PersonOf(string userId)
    {
        var root = userId;
        while (_parent.TryGetValue(root, out var parent) && parent != root)
        {
            root = parent;
        }

        return root;
    }

    private void Union(string a, string b)
    {
        var (ra, rb) = (PersonOf(a), PersonOf(b));
        if (ra != rb)
        {
            _parent[string.CompareOrdinal(ra, rb) < 0 ? rb : ra] = string.CompareOrdinal(ra, rb) < 0 ? ra : rb;
        }
    }
}

/// <summary>One identifier's member list, as the index grain keeps it: null once it became a hub.</summary>
public static class IdentityIndex
{
    /// <summary>Adds <paramref name="userId"/> to <paramref name="identifier"/>'s members; the others, or none for a hub.</summary>
    public static IReadOnlyList<string> Join(Dictionary<string, List<string>?> members, string identifier, string userId)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (!members.TryGetValue(identifier, out var list))
        {
            members[identifier] = list = [];
        }

        var others = Join(list, userId, out var hub, out _);
        if (hub)
        {
            members[identifier] = null;
        }

        return others;
    }

    /// <summary>The rule on one list: the others when there is room (or the user is already in), nothing past the limit.</summary>
    public static IReadOnlyList<string> Join(List<string>? list, string userId, out bool hub, out bool changed)
    {
        (hub, changed) = (list is null, false);
        if (list is null)
        {
            return [];
        }

        if (!list.Contains(userId))
        {
            if (list.Count + 1 > IdentityRules.MaxMembersPerIdentifier)
            {
                (hub, changed) = (true, true);
                return [];
            }

            list.Add(userId);
            changed = true;
        }

        return [.. list.Where(u => u != userId)];
    }
}
