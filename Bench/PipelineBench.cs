using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Users;

namespace Esrs.Bench;

/// <summary>
/// The user grain's per-event work without Orleans or storage (<see cref="UserEventProcessor"/>):
/// fingerprint, dedupe, validate and repair, quarantine, profile update. One thread, events in
/// per-user batches as the grain sees them.
/// </summary>
internal static class PipelineBench
{
    public static (double EventsPerSecond, double AllocatedBytesPerEvent) Run(IReadOnlyList<UserEvent> events, int rounds)
    {
        var byUser = events.GroupBy(UserGrainKeys.For).Select(g => (Key: g.Key, Events: g.ToArray())).ToArray();
        var now = DateTime.UtcNow;

        return Rounds.Measure(events.Count, rounds, RunOnce);

        void RunOnce()
        {
            foreach (var (key, userEvents) in byUser)
            {
                var processor = NewProcessor(key, new UserState());
                for (var offset = 0; offset < userEvents.Length; offset += 256)
                {
                    processor.Ingest(new ArraySegment<UserEvent>(userEvents, offset, Math.Min(256, userEvents.Length - offset)), now);
                }
            }
        }
    }

    public static UserEventProcessor NewProcessor(string key, UserState state) =>
        new(key, state, new EventValidator(), new ValidationOptions(), new DedupeOptions(), new ProfileOptions(), new QuarantineOptions());
}
