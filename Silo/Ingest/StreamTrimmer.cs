using System.Globalization;
using StackExchange.Redis;

namespace Esrs.Silo.Ingest;

/// <summary>
/// Deletes what every consumer group of a stream is done with: entries below the oldest one still pending in any group
/// and not after what any group has been delivered (XTRIM MINID, approximate, so Redis frees whole nodes). An entry a
/// group still needs is never trimmed.
/// </summary>
public static class StreamTrimmer
{
    /// <summary>
    /// Trims <paramref name="stream"/>; returns how many entries went and the id they went below (null when it could not
    /// tell). <paramref name="exact"/>: every entry below, not only whole nodes (an erasure wants them all gone).
    /// </summary>
    public static async Task<(long Trimmed, string? MinId)> TrimAcknowledgedAsync(IDatabase db, string stream, bool exact = false)
    {
        ArgumentNullException.ThrowIfNull(db);
        string? minId = null;
        foreach (var group in await db.StreamGroupInfoAsync(stream))
        {
            var pending = await db.StreamPendingAsync(stream, group.Name);
            var needed = pending.PendingMessageCount > 0 ? (string?)pending.LowestPendingMessageId : Next(group.LastDeliveredId);
            if (needed is null)
            {
                return (0, null);
            }

            minId = minId is null || Compare(needed, minId) < 0 ? needed : minId;
        }

        return minId is null ? (0, null) : (await db.StreamTrimByMinIdAsync(stream, minId, useApproximateMaxLength: !exact), minId);
    }

    /// <summary>The id right after <paramref name="id"/> (<c>ms-seq</c>); null when it is not one.</summary>
    private static string? Next(string? id) =>
        id is not null && id.Split('-') is [var ms, var seq] && ulong.TryParse(seq, CultureInfo.InvariantCulture, out var n)
            ? ms + "-" + (n + 1).ToString(CultureInfo.InvariantCulture)
            : null;

    private static int Compare(string a, string b)
    {
        var (am, asq) = Split(a);
        var (bm, bsq) = Split(b);
        return am != bm ? am.CompareTo(bm) : asq.CompareTo(bsq);
    }

    private static (ulong, ulong) Split(string id) =>
        id.Split('-') is [var ms, var seq] && ulong.TryParse(ms, CultureInfo.InvariantCulture, out var m) && ulong.TryParse(seq, CultureInfo.InvariantCulture, out var s) ? (m, s) : (0, 0);
}
