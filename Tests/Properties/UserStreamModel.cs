using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Properties;

/// <summary>
/// The reference model of one user's stream for <see cref="UserGrainPropertyTests"/>: what a business fact is (its own
/// definition, not the fingerprint's), whether an event is valid under the rules in force, which facts were applied
/// and which are quarantined, and how far the dedupe window may have forgotten (an upper bound from the applied events'
/// times alone). Every outcome the processor gives is checked against it.
/// </summary>
internal sealed class UserStreamModel(DedupeOptions dedupe)
{
    public const string User = "model-user";
    public static readonly DateTime Now = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime Base = Now.AddHours(-3);

    private readonly List<long> _appliedSeconds = [];

    /// <summary>Ids with an effect: applied (true) or quarantined (false), with the fact and its time.</summary>
    public Dictionary<string, (FactKey Key, bool Applied, long Second)> Effects { get; } = new(StringComparer.Ordinal);

    /// <summary>Facts in the profile, with the id they were applied under.</summary>
    public Dictionary<FactKey, string> Applied { get; } = [];

    /// <summary>Facts in the quarantine (state or spill), with the id of their entry.</summary>
    public Dictionary<FactKey, string> Quarantined { get; } = [];

    public Dictionary<EventType, int> AppliedPerType { get; } = [];

    /// <summary>The window may have forgotten applied events at or below this second (and no others); -1 while it cannot have.</summary>
    public long LateBound { get; private set; } = -1;

    public long NewestApplied { get; private set; } = -1;

    public bool Relaxed { get; set; }

    /// <summary>Whether the rules in force accept the event (before the dedupe window's lateness).</summary>
    public bool IsValid(Fact fact) => fact.Defect == Defect.None || (fact.Defect == Defect.Pricey && Relaxed);

    public static long Second(DateTime at) => (at.Ticks / TimeSpan.TicksPerSecond) - (new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks / TimeSpan.TicksPerSecond);

    public void RecordApplied(string id, FactKey key, EventType type, long second)
    {
        Effects[id] = (key, true, second);
        Applied[key] = id;
        AppliedPerType[type] = AppliedPerType.GetValueOrDefault(type) + 1;
        _appliedSeconds.Add(second);
        NewestApplied = Math.Max(NewestApplied, second);
        var sorted = _appliedSeconds.Order().ToList();
        var byCount = sorted.Count > dedupe.MaxEvents ? sorted[sorted.Count - dedupe.MaxEvents - 1] : -1;
        var byAge = sorted.Where(t => t < NewestApplied - (long)dedupe.Window.TotalSeconds).DefaultIfEmpty(-1).Max();
        LateBound = Math.Max(LateBound, Math.Max(byCount, byAge));
    }

    public void RecordQuarantined(string id, FactKey key, long second)
    {
        Effects[id] = (key, false, second);
        Quarantined[key] = id;
    }

    /// <summary>A forgotten applied effect of <paramref name="id"/>: a re-send may be quarantined as late instead of being a duplicate.</summary>
    public bool WasForgotten(string id) => Effects.TryGetValue(id, out var effect) && effect.Applied && effect.Second <= LateBound;
}

/// <summary>What makes two events the same business fact, as this model sees it.</summary>
internal readonly record struct FactKey(string User, EventType Type, string? Item, long Second, decimal? Price, double? Rating);

/// <summary>What is wrong with a generated fact.</summary>
internal enum Defect
{
    None,
    FutureTime,
    BadRating,
    MissingItem,
    OtherUser,

    /// <summary>Too expensive under the strict rules (MaxUnitPrice 100), fine under the relaxed ones.</summary>
    Pricey,
}

/// <summary>A generated business fact; <see cref="Event"/> makes an event of it under an id.</summary>
internal sealed record Fact(EventType Type, string Item, int Second, Defect Defect)
{
    public UserEvent Event(string id) => new()
    {
        EventId = id,
        UserId = Defect == Defect.OtherUser ? "someone-else" : UserStreamModel.User,
        Type = Type,
        OccurredAt = Defect == Defect.FutureTime ? UserStreamModel.Now.AddDays(3).AddSeconds(Second) : UserStreamModel.Base.AddSeconds(Second),
        Source = "model",
        ItemId = Defect == Defect.MissingItem ? null : Item,
        Quantity = Type == EventType.Purchase ? 1 : null,
        UnitPrice = Type == EventType.Purchase ? (Defect == Defect.Pricey ? 500m : 5m) : null,
        Currency = Type == EventType.Purchase ? "EUR" : null,
        Rating = Type == EventType.Rating ? (Defect == Defect.BadRating ? 9 : 4) : null,
    };

    public static FactKey KeyOf(UserEvent e) => new(e.UserId, e.Type, e.ItemId, UserStreamModel.Second(e.OccurredAt), e.UnitPrice, e.Rating);
}
