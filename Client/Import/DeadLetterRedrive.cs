using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Esrs.Client.Import;

/// <summary>
/// Puts dead letters back on the event stream: each entry of the dead-letter stream that holds its original event
/// (field <c>field:e</c>) is appended to the stream again (new entry id, same event, so the user grain dedupes it if
/// it had been applied) and then deleted from the dead-letter stream. A dry run only counts. Entries that could not be
/// decoded stay unless asked for: they would be dead-lettered again. Crash-safe: append first, delete second, so an
/// interrupted run at worst appends an event twice, which the grains' dedupe absorbs.
/// </summary>
public static partial class DeadLetterRedrive
{
    private const string EventField = "field:" + RedisEventSink.EventField;

    public static async Task<RedriveReport> RunAsync(IDatabase db, string deadStream, string stream, bool dryRun, long? limit, bool includeUndecodable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var byReason = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long read = 0, redriven = 0, kept = 0;
        RedisValue after = "-";
        while (!cancellationToken.IsCancellationRequested && (limit is null || read < limit))
        {
            var page = await db.StreamRangeAsync(deadStream, after, "+", count: (int)Math.Min(500, (limit ?? long.MaxValue) - read));
            if (page.Length == 0)
            {
                break;
            }

            foreach (var entry in page)
            {
                read++;
                var kind = entry["kind"].IsNull ? "dead" : entry["kind"].ToString();
                var reason = Group(kind, entry["reason"].ToString());
                byReason[reason] = byReason.GetValueOrDefault(reason) + 1;
                var payload = entry[EventField];
                if (payload.IsNull || (kind == "undecodable" && !includeUndecodable))
                {
                    kept++;
                    continue;
                }

                redriven++;
                if (!dryRun)
                {
                    await db.StreamAddAsync(stream, RedisEventSink.EventField, payload);
                    await db.StreamDeleteAsync(deadStream, [entry.Id]);
                }
            }

            after = "(" + page[^1].Id;
        }

        return new RedriveReport(read, redriven, kept, byReason, dryRun);
    }

    /// <summary>Dead letters grouped by what went wrong, without the ids and numbers that make each one unique.</summary>
    private static string Group(string kind, string reason)
    {
        if (LastError().Match(reason) is { Success: true } error)
        {
            return $"{kind}: {error.Groups[1].Value}";
        }

        var cut = reason.IndexOfAny([':', ';']);
        return $"{kind}: {(cut > 0 ? reason[..cut] : reason)}";
    }

    [GeneratedRegex(@"last error ([A-Za-z0-9_.]+)")]
    private static partial Regex LastError();
}

/// <summary>What a redrive read, put back (or would, in a dry run) and left, with counts by reason.</summary>
public sealed record RedriveReport(long Read, long Redriven, long Kept, IReadOnlyDictionary<string, long> ByReason, bool DryRun)
{
    public string ToTable()
    {
        var text = new System.Text.StringBuilder();
        foreach (var (reason, count) in ByReason)
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {reason,-60}{count,10:N0}");
        }

        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{"dead letters read",-62}{Read,10:N0}");
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{(DryRun ? "would be put back on the stream" : "put back on the stream"),-62}{Redriven,10:N0}");
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{"kept (no event, or undecodable)",-62}{Kept,10:N0}");
        return text.ToString();
    }
}
