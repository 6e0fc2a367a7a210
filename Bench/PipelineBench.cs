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
    /// <summary>Events per second and bytes allocated per event; <paramref name="catalogue"/> enriches them (null: no enrichment).</summary>
    public static (double EventsPerSecond, double AllocatedBytesPerEvent) Run(IReadOnlyList<UserEvent> events, int rounds, ICatalogueLookup? catalogue = null)
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
                    processor.Ingest(new ArraySegment<UserEvent>(userEvents, offset, Math.Min(256, userEvents.Length - offset)), now, catalogue: catalogue);
                }
            }
        }
    }

    public static UserEventProcessor NewProcessor(string key, UserState state) =>
        new(key, state, new EventValidator(), new ValidationOptions(), new DedupeOptions(), new ProfileOptions(), new QuarantineOptions());

    /// <summary>The items of <paramref name="records"/> as one cleaning pass makes them, looked up from memory (what a warm silo cache holds).</summary>
    public static ICatalogueLookup Catalogue(IEnumerable<Catalogue.CatalogueRecord> records)
    {
        var cleaner = new Catalogue.CatalogueCleaner(new ValidationOptions());
        var feed = new Catalogue.CatalogueFeedState();
        var items = records.Select(r => cleaner.Clean(r, "bench", feed, DateTime.UtcNow).Item).OfType<Catalogue.CatalogueItem>()
            .ToDictionary(i => i.ItemId, i => i.Facts(), StringComparer.Ordinal);
        return new MemoryCatalogue(items);
    }

    private sealed class MemoryCatalogue(Dictionary<string, Catalogue.CatalogueFacts> items) : ICatalogueLookup
    {
        public bool TryGet(string itemId, out Catalogue.CatalogueFacts facts) => items.TryGetValue(itemId, out facts!);
    }
}
