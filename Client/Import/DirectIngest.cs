using System.Diagnostics;
using System.Globalization;
using System.Text;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>
/// Sends events straight to the user grains through an Orleans client: groups consecutive events
/// by grain key into batches and keeps a bounded number of grain calls in flight.
/// </summary>
public static class DirectIngest
{
    /// <summary>Events per grain call at most.</summary>
    public const int BatchSize = 256;

    /// <summary>Grain calls in flight at most.</summary>
    public const int MaxInFlight = 64;

    /// <summary>Ingests <paramref name="events"/> and returns a summary table; progress goes to <paramref name="progress"/>.</summary>
    public static async Task<string> RunAsync(IGrainFactory grains, IEnumerable<UserEvent> events, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(progress);
        var counts = new long[Enum.GetValues<OutcomeKind>().Length];
        var rules = new Dictionary<string, long>(StringComparer.Ordinal);
        var inFlight = new List<Task<IngestResult>>();
        var pending = new Dictionary<string, List<UserEvent>>(StringComparer.Ordinal);
        var stopwatch = Stopwatch.StartNew();
        long read = 0;

        async Task Drain(int keep)
        {
            while (inFlight.Count > keep)
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                foreach (var outcome in (await done).Outcomes)
                {
                    counts[(int)outcome.Kind]++;
                    foreach (var decision in outcome.Decisions)
                    {
                        rules[decision.RuleId] = rules.GetValueOrDefault(decision.RuleId) + 1;
                    }
                }
            }
        }

        foreach (var e in events)
        {
            read++;
            var key = UserGrainKeys.For(e);
            if (!pending.TryGetValue(key, out var batch))
            {
                pending[key] = batch = new List<UserEvent>(16);
            }

            batch.Add(e);
            if (batch.Count >= BatchSize || pending.Count > 1024)
            {
                foreach (var (k, b) in pending)
                {
                    inFlight.Add(grains.GetGrain<IUserGrain>(k).IngestAsync(b));
                    await Drain(MaxInFlight);
                }

                pending.Clear();
            }

            if (read % 10_000 == 0)
            {
                progress.Write(string.Create(CultureInfo.InvariantCulture, $"\r{read,10:N0} events  {read / stopwatch.Elapsed.TotalSeconds,8:N0} events/s"));
            }
        }

        foreach (var (k, b) in pending)
        {
            inFlight.Add(grains.GetGrain<IUserGrain>(k).IngestAsync(b));
            await Drain(MaxInFlight);
        }

        await Drain(0);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\r{read,10:N0} events  {read / stopwatch.Elapsed.TotalSeconds,8:N0} events/s  done in {stopwatch.Elapsed.TotalSeconds:N1} s"));
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"read",-28}{read,10:N0}");
        foreach (var kind in Enum.GetValues<OutcomeKind>())
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"{kind,-28}{counts[(int)kind],10:N0}");
        }

        foreach (var (rule, n) in rules.OrderByDescending(r => r.Value))
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"  rule {rule,-23}{n,10:N0}");
        }

        return table.ToString();
    }
}
