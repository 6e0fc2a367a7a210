using System.Globalization;
using Esrs.Events;

namespace Esrs.Bench.Evaluation;

/// <summary>The kinds of synthetic dirt (drawn uniformly).</summary>
public enum DirtKind
{
    /// <summary>The event again under a new id (a producer's retry).</summary>
    Resend,

    /// <summary>One of a bot's burst of identical purchases of a random product, same second, new ids.</summary>
    Burst,

    /// <summary>The event with a clock a year ahead.</summary>
    FutureTime,

    /// <summary>The event stamped 1995 (a reset clock).</summary>
    StaleTime,

    /// <summary>The event with a type nobody knows (a misspelt type on the wire reads as Unknown).</summary>
    WrongType,

    /// <summary>The event without its user.</summary>
    MissingUser,

    /// <summary>The event again with its quantity negated (a stock write-off booked as the customer's line).</summary>
    NegativeQuantity,

    /// <summary>The event again under a new id with its title garbled (case, spaces, stray characters).</summary>
    NoisyTitle,
}

/// <summary>An injected event, the index of the clean event it was made from (it arrives right after it), and its kind.</summary>
public readonly record struct DirtyEvent(UserEvent Event, int After, DirtKind Kind);

/// <summary>
/// Seeded synthetic dirt over a clean stream: <c>round(rate × clean count)</c> extra events, each made from a clean event
/// drawn uniformly and arriving right after it, its kind drawn uniformly from the kinds given (all by default). A burst takes
/// <see cref="BurstSize"/> events of the budget at once (fewer when the budget is nearly spent). Same seed, same dirt.
/// </summary>
public sealed class DirtInjector
{
    public const int BurstSize = 5;

    private static readonly DateTime Stale = new(1995, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly Random _random;
    private readonly int _seed;
    private readonly IReadOnlyList<string> _products;
    private readonly DirtKind[] _kinds;
    private int _next;

    /// <param name="seed">Seeds the draws.</param>
    /// <param name="products">Product ids a burst picks from.</param>
    /// <param name="kinds">The kinds drawn from (default: all of them).</param>
    public DirtInjector(int seed, IReadOnlyList<string> products, IReadOnlyCollection<DirtKind>? kinds = null)
    {
        ArgumentNullException.ThrowIfNull(products);
        ArgumentOutOfRangeException.ThrowIfZero(products.Count);
        _random = new Random(seed);
        _seed = seed;
        _products = products;
        _kinds = kinds is { Count: > 0 } ? [.. kinds] : Enum.GetValues<DirtKind>();
    }

    /// <summary>The dirty events for <paramref name="clean"/> at <paramref name="rate"/> (0 ≤ rate), ordered by the event they follow.</summary>
    public List<DirtyEvent> Inject(IReadOnlyList<UserEvent> clean, double rate, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        var budget = (int)Math.Round(rate * clean.Count, MidpointRounding.AwayFromZero);
        var dirt = new List<DirtyEvent>(budget);
        var kinds = _kinds;
        while (dirt.Count < budget && clean.Count > 0)
        {
            var after = _random.Next(clean.Count);
            var template = clean[after];
            var kind = kinds[_random.Next(kinds.Length)];
            if (kind == DirtKind.Burst)
            {
                var item = _products[_random.Next(_products.Count)];
                var session = "bot-" + NextId();
                for (var b = 0; b < BurstSize && dirt.Count < budget; b++)
                {
                    dirt.Add(new DirtyEvent(template with { EventId = NextId(), Type = EventType.Purchase, ItemId = item, ItemTitle = null, Quantity = 1, SourceRef = session }, after, kind));
                }

                continue;
            }

            var e = kind switch
            {
                DirtKind.Resend => template with { EventId = NextId() },
                DirtKind.FutureTime => template with { EventId = NextId(), OccurredAt = now.AddDays(365) },
                DirtKind.StaleTime => template with { EventId = NextId(), OccurredAt = Stale },
                DirtKind.WrongType => template with { EventId = NextId(), Type = EventType.Unknown },
                DirtKind.MissingUser => template with { EventId = NextId(), UserId = string.Empty },
                DirtKind.NegativeQuantity => template with { EventId = NextId(), Quantity = -Math.Abs(template.Quantity ?? 1) },
                DirtKind.NoisyTitle => template with { EventId = NextId(), ItemTitle = Garble(template.ItemTitle) },
                _ => throw new InvalidOperationException($"no dirt of kind {kind}"),
            };
            dirt.Add(new DirtyEvent(e, after, kind));
        }

        dirt.Sort((a, b) => a.After.CompareTo(b.After));
        return dirt;
    }

    /// <summary>The clean events with the dirt interleaved: each dirty event right after the clean event it was made from.</summary>
    public static List<UserEvent> Interleave(IReadOnlyList<UserEvent> clean, IReadOnlyList<DirtyEvent> dirt)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(dirt);
        var stream = new List<UserEvent>(clean.Count + dirt.Count);
        var d = 0;
        for (var i = 0; i < clean.Count; i++)
        {
            stream.Add(clean[i]);
            while (d < dirt.Count && dirt[d].After == i)
            {
                stream.Add(dirt[d++].Event);
            }
        }

        return stream;
    }

    private string Garble(string? title)
    {
        var text = title ?? "item";
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (_random.NextDouble() < 0.3)
            {
                chars[i] = char.IsUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
            }
        }

        return "  " + new string(chars) + " ?? ";
    }

    private string NextId() => "dirt-" + _seed.ToString(CultureInfo.InvariantCulture) + "-" + (_next++).ToString(CultureInfo.InvariantCulture);
}
