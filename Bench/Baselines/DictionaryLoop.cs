using System.Diagnostics;
using Esrs.Client.Load;
using Esrs.Events;

namespace Esrs.Bench.Baselines;

/// <summary>
/// The ceiling: one thread applying the events to dictionaries (a set of seen ids, counters per user), nothing durable,
/// no cleaning, no messaging.
/// </summary>
internal static class DictionaryLoop
{
    private sealed class Counters
    {
        public long Events;
        public long Purchases;
        public decimal Spend;
        public DateTime LastSeen;
    }

    /// <summary>Events per second, the best of <paramref name="rounds"/> passes (the first pays the JIT).</summary>
    public static double Run(IReadOnlyList<LoadEvent> events, int rounds = 5)
    {
        var best = 0.0;
        for (var round = 0; round < rounds; round++)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var users = new Dictionary<string, Counters>(StringComparer.Ordinal);
            var clock = Stopwatch.StartNew();
            foreach (var item in events)
            {
                var e = item.Event;
                if (!seen.Add(e.EventId))
                {
                    continue;
                }

                if (!users.TryGetValue(e.UserId, out var c))
                {
                    users[e.UserId] = c = new Counters();
                }

                c.Events++;
                if (e.Type == EventType.Purchase)
                {
                    c.Purchases++;
                    c.Spend += (e.UnitPrice ?? 0) * (e.Quantity ?? 0);
                }

                if (e.OccurredAt > c.LastSeen)
                {
                    c.LastSeen = e.OccurredAt;
                }
            }

            best = Math.Max(best, events.Count / clock.Elapsed.TotalSeconds);
        }

        return best;
    }
}
