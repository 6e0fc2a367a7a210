using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Recommending;
using Esrs.Users;

namespace Esrs.Bench.Evaluation;

/// <summary>A recommender's model and its users' histories after a training stream.</summary>
public sealed class LearnedModel(ItemCoOccurrence model, Dictionary<string, UserItemHistory> users)
{
    public ItemCoOccurrence Model { get; } = model;

    public Dictionary<string, UserItemHistory> Users { get; } = users;
}

/// <summary>
/// What Esrs made of a stream: the events it applied (repaired, in arrival order) and its counts; when asked for, each
/// grain's processor (its profile state) and the texts it would have sent the tagger (<see cref="ProfileTags"/>).
/// </summary>
public sealed record CleaningResult(List<AppliedEvent> Applied, long Accepted, long Repaired, long Quarantined, long Duplicates)
{
    public IReadOnlyDictionary<string, (UserEventProcessor Processor, List<TagRequest> TagRequests)>? Grains { get; init; }
}

/// <summary>
/// Feeds the same recommender two ways. <see cref="Raw"/> is what a team without Esrs does: every line is a purchase of
/// its item by its user id as written (blank ids, duplicates, cancellations, fees and broken clocks included).
/// <see cref="Clean"/> runs the user grain's own code (<see cref="UserEventProcessor"/>, one per grain key, batches of
/// 256 as the gateway sends them) and <see cref="FromCleaned"/> learns from what it applied: products only, with the
/// profile's interest weights (a cancellation takes the purchase back).
/// </summary>
public static class Learners
{
    /// <summary>The decay epoch of every model: the first day of the data set.</summary>
    public static readonly DateTime Epoch = new(2010, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly double PurchaseWeight = ProfileBuilder.InterestWeight(EventType.Purchase, null);

    public static LearnedModel Raw(IEnumerable<UserEvent> stream, RecommendOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var model = new ItemCoOccurrence(options, Epoch);
        var users = new Dictionary<string, UserItemHistory>(StringComparer.Ordinal);
        foreach (var e in stream)
        {
            if (e.ItemId is not { } item)
            {
                continue;
            }

            var history = UserOf(users, e.UserId ?? string.Empty, options);
            model.Observe(item, history.Recent, e.OccurredAt, PurchaseWeight);
            history.Apply(item, e.OccurredAt, PurchaseWeight);
        }

        return new LearnedModel(model, users);
    }

    /// <summary>Runs <paramref name="stream"/> through the user grains' processing, in process; <paramref name="now"/> is the grid's clock.</summary>
    /// <param name="stream">Events in arrival order.</param>
    /// <param name="now">The grid's clock.</param>
    /// <param name="keepGrains">Keep each grain's processor and tag requests in the result (the profiles, for ranking).</param>
    public static CleaningResult Clean(IReadOnlyList<UserEvent> stream, DateTime now, bool keepGrains = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var byGrain = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < stream.Count; i++)
        {
            var key = UserGrainKeys.For(stream[i]);
            (byGrain.TryGetValue(key, out var list) ? list : byGrain[key] = []).Add(i);
        }

        var applied = new (int Position, AppliedEvent Event)[stream.Count];
        var count = 0;
        long accepted = 0, repaired = 0, quarantined = 0, duplicates = 0;
        var validator = new EventValidator();
        var batch = new List<UserEvent>(256);
        var positions = new List<int>(256);
        var grains = keepGrains ? new Dictionary<string, (UserEventProcessor, List<TagRequest>)>(byGrain.Count, StringComparer.Ordinal) : null;
        foreach (var (key, indices) in byGrain)
        {
            var processor = new UserEventProcessor(key, new UserState(), validator, new ValidationOptions(), new DedupeOptions(), new ProfileOptions(), new QuarantineOptions())
            {
                CollectApplied = true,
                CollectTagTexts = keepGrains,
            };
            var requests = new List<TagRequest>();
            grains?.Add(key, (processor, requests));
            for (var offset = 0; offset < indices.Count; offset += 256)
            {
                batch.Clear();
                positions.Clear();
                for (var k = offset; k < Math.Min(offset + 256, indices.Count); k++)
                {
                    // As the user grain receives it: normalised as on the wire.
                    batch.Add(UserEventWire.Normalise(stream[indices[k]], "evaluate"));
                    positions.Add(indices[k]);
                }

                var outcomes = processor.Ingest(batch, now);
                requests.AddRange(processor.TagRequests);
                var a = 0;
                for (var k = 0; k < outcomes.Length; k++)
                {
                    switch (outcomes[k].Kind)
                    {
                        case OutcomeKind.Accepted:
                            accepted++;
                            applied[count++] = (positions[k], processor.Applied[a++]);
                            break;
                        case OutcomeKind.Repaired:
                            repaired++;
                            applied[count++] = (positions[k], processor.Applied[a++]);
                            break;
                        case OutcomeKind.Quarantined:
                            quarantined++;
                            break;
                        default:
                            duplicates++;
                            break;
                    }
                }
            }
        }

        Array.Sort(applied, 0, count, Comparer<(int Position, AppliedEvent Event)>.Create((x, y) => x.Position.CompareTo(y.Position)));
        var ordered = new List<AppliedEvent>(count);
        for (var i = 0; i < count; i++)
        {
            ordered.Add(applied[i].Event);
        }

        return new CleaningResult(ordered, accepted, repaired, quarantined, duplicates) { Grains = grains };
    }

    public static LearnedModel FromCleaned(IEnumerable<AppliedEvent> applied, RecommendOptions options)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var model = new ItemCoOccurrence(options, Epoch);
        var users = new Dictionary<string, UserItemHistory>(StringComparer.Ordinal);
        foreach (var (e, isProduct) in applied)
        {
            var weight = ProfileBuilder.InterestWeight(e.Type, e.Rating);
            if (!isProduct || e.ItemId is not { } item || weight == 0)
            {
                continue;
            }

            var history = UserOf(users, e.UserId, options);
            if (weight > 0)
            {
                model.Observe(item, history.Recent, e.OccurredAt, weight);
            }

            history.Apply(item, e.OccurredAt, weight);
        }

        return new LearnedModel(model, users);
    }

    private static UserItemHistory UserOf(Dictionary<string, UserItemHistory> users, string id, RecommendOptions options)
    {
        if (!users.TryGetValue(id, out var history))
        {
            users[id] = history = new UserItemHistory(options, Epoch);
        }

        return history;
    }
}
