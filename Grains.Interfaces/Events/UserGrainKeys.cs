namespace Esrs.Events;

/// <summary>
/// Which user grain an event goes to: the grain keyed by the exact user id. Events without a user,
/// or with an id no user can have (<see cref="UserIds"/>), still need a durable home where they are
/// quarantined (never dropped): a few shared "unattributed" grains, chosen from the event's source
/// and second, so that re-sent copies of one event meet in the same grain and are deduplicated there.
/// </summary>
public static class UserGrainKeys
{
    /// <summary>Prefix of the keys of grains that hold events with no user.</summary>
    public const string UnattributedPrefix = "~unattributed/";

    /// <summary>Number of unattributed grains.</summary>
    public const int UnattributedShards = 256;

    /// <summary>The grain key for <paramref name="e"/>.</summary>
    public static string For(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return UserIds.IsValid(e.UserId) ? e.UserId : Unattributed(e);
    }

    /// <summary>True for the keys of the unattributed grains.</summary>
    public static bool IsUnattributed(string grainKey) => grainKey.StartsWith(UnattributedPrefix, StringComparison.Ordinal);

    private static string Unattributed(UserEvent e)
    {
        // FNV-1a over the source and the second: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var c in e.Source ?? string.Empty)
        {
            hash = (hash ^ c) * 16777619u;
        }

        var seconds = e.OccurredAt.Ticks / TimeSpan.TicksPerSecond;
        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ (uint)(seconds & 0xFF)) * 16777619u;
            seconds >>= 8;
        }

        return UnattributedPrefix + (hash % UnattributedShards).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
