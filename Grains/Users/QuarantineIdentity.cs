using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Users;

/// <summary>
/// How the quarantine recognises a re-send of an event it holds: by the event id's hash, or, for an event without an id,
/// by the complement of its content hash (so the two kinds never meet). Rejected events never claim a content hash in
/// the dedupe window, so a corrected re-send under a new id is judged on its own.
/// </summary>
public static class QuarantineIdentity
{
    /// <summary>The identity of an event with these hashes.</summary>
    public static ulong Of(ulong idHash, ulong contentHash) => idHash != 0 ? idHash : ~contentHash;

    /// <summary>The identity of <paramref name="e"/>.</summary>
    public static ulong Of(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Of(EventFingerprint.OfId(e.EventId), EventFingerprint.OfContent(e));
    }

    /// <summary>An estimate of what an entry costs in grain state, for <see cref="QuarantineOptions.MaxBytes"/>.</summary>
    public static int EstimateBytes(QuarantinedEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var e = entry.Event;
        var bytes = 96 + Text(e.EventId) + Text(e.UserId) + Text(e.Source) + Text(e.ItemId) + Text(e.ItemTitle) + Text(e.CategoryPath)
            + Text(e.Brand) + Text(e.Query) + Text(e.Currency) + Text(e.Gender) + Text(e.SourceRef);
        if (e.Attributes is { } attributes)
        {
            foreach (var (key, value) in attributes)
            {
                bytes += 8 + Text(key) + Text(value);
            }
        }

        foreach (var reason in entry.Reasons)
        {
            bytes += 16 + Text(reason.RuleId) + Text(reason.Field) + Text(reason.Detail);
        }

        return bytes;

        static int Text(string? value) => value is null ? 1 : 4 + (value.Length * 2);
    }
}
