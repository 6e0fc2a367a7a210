using Esrs.Events;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway;

/// <summary>
/// At most one ingest call in flight per user from this gateway: events for a user that arrive while a call for that user
/// is in flight wait, and go together in the next call, one grain turn and one durable write for all of them. A user grain
/// handles its calls one at a time, each waiting for its own write, so without this a busy user (under Zipf-skewed traffic
/// the first of 100,000 users sends 8 % of the events) caps the whole gateway at one storage commit per request. Each
/// request still gets its own events' outcomes, in order, only after the write that holds them.
/// </summary>
public sealed class UserIngestCoalescer(IGrainFactory grains, IOptions<GatewayOptions> options)
{
    private readonly Dictionary<string, List<Pending>> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Ingests <paramref name="events"/> (all of user <paramref name="key"/>); completes with their outcomes, in order.</summary>
    public Task<IReadOnlyList<EventOutcome>> IngestAsync(string key, UserEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!options.Value.CoalesceUserCalls)
        {
            return CallAloneAsync(key, events);
        }

        var pending = new Pending(events);
        lock (_lock)
        {
            if (_waiting.TryGetValue(key, out var queue))
            {
                queue.Add(pending);
                return pending.Done.Task;
            }

            _waiting[key] = [];
        }

        _ = RunAsync(key, [pending]);
        return pending.Done.Task;
    }

    private async Task<IReadOnlyList<EventOutcome>> CallAloneAsync(string key, UserEvent[] events) =>
        (await grains.Reference<IUserGrain>(key).IngestAsync(events)).Outcomes;

    private async Task RunAsync(string key, List<Pending> calls)
    {
        while (true)
        {
            await CallAsync(key, calls);
            lock (_lock)
            {
                var queue = _waiting[key];
                if (queue.Count == 0)
                {
                    _waiting.Remove(key);
                    return;
                }

                // As many waiting requests as fit in one batch (at least one), in arrival order.
                var take = 0;
                var events = 0;
                while (take < queue.Count && (take == 0 || events + queue[take].Events.Length <= options.Value.MaxBatchSize))
                {
                    events += queue[take++].Events.Length;
                }

                calls = queue.GetRange(0, take);
                queue.RemoveRange(0, take);
            }
        }
    }

    private async Task CallAsync(string key, List<Pending> calls)
    {
        try
        {
            var events = calls.Count == 1 ? calls[0].Events : [.. calls.SelectMany(c => c.Events)];
            var result = await grains.Reference<IUserGrain>(key).IngestAsync(events);
            if (calls.Count == 1)
            {
                calls[0].Done.TrySetResult(result.Outcomes);
                return;
            }

            var offset = 0;
            foreach (var call in calls)
            {
                var outcomes = new EventOutcome[call.Events.Length];
                for (var i = 0; i < outcomes.Length; i++)
                {
                    outcomes[i] = result.Outcomes[offset + i];
                }

                offset += outcomes.Length;
                call.Done.TrySetResult(outcomes);
            }
        }
        catch (Exception ex)
        {
            // Nothing is acknowledged: every request of the call answers as a lone call would have (503 and retry, or 400).
            foreach (var call in calls)
            {
                call.Done.TrySetException(ex);
            }
        }
    }

    private sealed class Pending(UserEvent[] events)
    {
        public UserEvent[] Events { get; } = events;

        public TaskCompletionSource<IReadOnlyList<EventOutcome>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
