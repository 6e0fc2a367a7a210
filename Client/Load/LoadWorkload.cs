using System.Globalization;
using Esrs.Events;

namespace Esrs.Client.Load;

/// <summary>What the load client made an event to be: clean, or one of the dirt kinds it plants.</summary>
public enum DirtKind
{
    Clean = 0,

    /// <summary>An earlier event sent again under a new id (a producer retry that lost its id).</summary>
    Resend = 1,

    /// <summary>A value no rule can accept as is: negative quantity, rating out of scale, unknown type, negative price.</summary>
    Invalid = 2,

    /// <summary>An event that arrives long after it happened (1 hour to 400 days).</summary>
    Late = 3,

    /// <summary>An event stamped in the future (10 minutes to 30 days ahead: a device with a broken clock).</summary>
    Future = 4,
}

/// <summary>One event of the load and what it was made to be.</summary>
public readonly record struct LoadEvent(UserEvent Event, DirtKind Dirt);

/// <summary>How the simulated shop behaves.</summary>
/// <param name="Users">Size of the user population.</param>
/// <param name="ZipfExponent">Skew of user activity (0: uniform).</param>
/// <param name="DirtyShare">Share of events replaced by a dirty one (0..1), the kinds in equal parts.</param>
/// <param name="MeanSessionEvents">Mean events per session (sessions end with probability 1/mean after each event).</param>
/// <param name="ActiveSessions">Sessions open at once; their events interleave.</param>
public sealed record WorkloadSettings(int Users = 100_000, double ZipfExponent = 1.0, double DirtyShare = 0.1, double MeanSessionEvents = 8, int ActiveSessions = 256);

/// <summary>
/// The load client's shop: a Zipf-skewed user population browsing in sessions (search, click, view, cart, favourite,
/// purchase, the odd rating) over UCI's products with Taobao's behaviour mix, and a chosen share of dirty events.
/// Users and events carry the run id, so runs never share a profile and every event id is new. Seeded: the same
/// seed gives the same events (times aside). Thread-safe: one lock around each draw.
/// </summary>
public sealed class LoadWorkload
{
    public const string SourceName = "esrs-load";
    private const int ResendMemory = 4096;
    private static readonly DirtKind[] DirtKinds = [DirtKind.Resend, DirtKind.Invalid, DirtKind.Late, DirtKind.Future];

    private readonly LoadVocabulary _vocabulary;
    private readonly WorkloadSettings _settings;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ZipfSampler _users;
    private readonly Session?[] _sessions;
    private readonly UserEvent[] _recent = new UserEvent[ResendMemory];
    private readonly string[] _writtenUsers = new string[4096];
    private readonly Lock _lock = new();
    private long _sequence;
    private long _recentCount;
    private long _writtenCount;
    private long _orders;

    public LoadWorkload(LoadVocabulary vocabulary, WorkloadSettings settings, string runId, int seed, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (settings.DirtyShare is < 0 or > 1 || settings.MeanSessionEvents < 1 || settings.ActiveSessions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "dirty share must be in 0..1, sessions at least one event and one session.");
        }

        _vocabulary = vocabulary;
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _random = new Random(seed);
        _users = new ZipfSampler(settings.Users, settings.ZipfExponent);
        _sessions = new Session?[settings.ActiveSessions];
        RunId = runId;
        UserPrefix = $"load-{runId}-";
    }

    public string RunId { get; }

    /// <summary>Every user id of this run starts with it.</summary>
    public string UserPrefix { get; }

    /// <summary>The next <paramref name="size"/> events, interleaved from the open sessions.</summary>
    public LoadEvent[] NextBatch(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var batch = new LoadEvent[size];
        lock (_lock)
        {
            for (var i = 0; i < size; i++)
            {
                batch[i] = NextEvent();
            }
        }

        return batch;
    }

    /// <summary>A user this run has written to (for profile reads), or null before the first write.</summary>
    public string? WrittenUser()
    {
        lock (_lock)
        {
            var known = (int)Math.Min(_writtenCount, _writtenUsers.Length);
            return known == 0 ? null : _writtenUsers[_random.Next(known)];
        }
    }

    /// <summary>One clean view for a user of its own: the probe that times how soon an event shows in the profile.</summary>
    public UserEvent Probe(long number)
    {
        lock (_lock)
        {
            var item = _vocabulary.Items[_random.Next(_vocabulary.Items.Count)];
            return new UserEvent
            {
                EventId = $"{RunId}-probe-{number.ToString(CultureInfo.InvariantCulture)}",
                UserId = $"{UserPrefix}probe-{number.ToString(CultureInfo.InvariantCulture)}",
                Type = EventType.View,
                OccurredAt = _time.GetUtcNow().UtcDateTime,
                Source = SourceName,
                ItemId = item.ItemId,
                ItemTitle = item.Title,
            };
        }
    }

    private LoadEvent NextEvent()
    {
        if (_settings.DirtyShare > 0 && _random.NextDouble() < _settings.DirtyShare)
        {
            var kind = DirtKinds[_random.Next(DirtKinds.Length)];
            if (kind != DirtKind.Resend || _recentCount > 0)
            {
                return new LoadEvent(Dirty(kind), kind);
            }
        }

        var clean = Clean();
        _recent[_recentCount++ % ResendMemory] = clean;
        return new LoadEvent(clean, DirtKind.Clean);
    }

    private UserEvent Dirty(DirtKind kind)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        switch (kind)
        {
            case DirtKind.Resend:
                var earlier = _recent[_random.Next((int)Math.Min(_recentCount, ResendMemory))];
                return earlier with { EventId = NextId() };
            case DirtKind.Late:
                return Clean() with { OccurredAt = now - TimeSpan.FromHours(1 + (_random.NextDouble() * 400 * 24)) };
            case DirtKind.Future:
                return Clean() with { OccurredAt = now + TimeSpan.FromMinutes(10 + (_random.NextDouble() * 30 * 24 * 60)) };
            default:
                var e = Clean();
                return _random.Next(4) switch
                {
                    0 => e with { Type = EventType.Purchase, Quantity = -1 - _random.Next(5), UnitPrice = e.UnitPrice ?? 1m, Currency = "GBP" },
                    1 => e with { Type = EventType.Rating, Rating = 6 + _random.Next(5) },
                    2 => e with { Type = EventType.Unknown, Attributes = new Dictionary<string, string> { ["type"] = "vieww" } },
                    _ => e with { Type = EventType.AddToCart, Quantity = 1, UnitPrice = -0.5m - _random.Next(10) },
                };
        }
    }

    private UserEvent Clean()
    {
        var slot = _random.Next(_sessions.Length);
        var session = _sessions[slot];
        if (session is null || session.Ended)
        {
            session = _sessions[slot] = new Session($"{UserPrefix}{_users.Next(_random).ToString(CultureInfo.InvariantCulture)}");
            _writtenUsers[_writtenCount++ % _writtenUsers.Length] = session.UserId;
        }

        var e = session.Next(this);
        if (_random.NextDouble() < 1 / _settings.MeanSessionEvents)
        {
            session.Ended = true;
        }

        return e;
    }

    private string NextId() => $"{RunId}-{(++_sequence).ToString(CultureInfo.InvariantCulture)}";

    private LoadItem AnyItem() => _vocabulary.Items[_random.Next(_vocabulary.Items.Count)];

    private EventType DrawBehaviour()
    {
        var u = _random.NextDouble();
        foreach (var (type, share) in _vocabulary.BehaviourMix)
        {
            if ((u -= share) < 0)
            {
                return type;
            }
        }

        return _vocabulary.BehaviourMix[^1].Type;
    }

    /// <summary>One user's visit: what they looked at and put in the cart so far.</summary>
    private sealed class Session(string userId)
    {
        private readonly List<LoadItem> _cart = [];
        private LoadItem? _last;
        private bool _afterSearch;
        private int _step;

        public string UserId { get; } = userId;

        public bool Ended { get; set; }

        public UserEvent Next(LoadWorkload w)
        {
            var now = w._time.GetUtcNow().UtcDateTime;
            var first = _step++ == 0;
            if ((first && w._random.NextDouble() < 0.4) || (!first && w._random.NextDouble() < 0.08))
            {
                _afterSearch = true;
                return Event(w, EventType.Search, now) with { Query = w._vocabulary.Queries[w._random.Next(w._vocabulary.Queries.Count)] };
            }

            var type = first ? EventType.View : w.DrawBehaviour();
            if (type == EventType.View && _afterSearch)
            {
                type = EventType.Click;
            }

            _afterSearch = false;
            switch (type)
            {
                case EventType.AddToCart:
                    var added = _last ?? w.AnyItem();
                    _cart.Add(added);
                    return Item(w, type, now, added) with { Quantity = 1 + w._random.Next(3), UnitPrice = added.UnitPrice, Currency = "GBP" };
                case EventType.Purchase:
                    var bought = _cart.Count > 0 ? _cart[w._random.Next(_cart.Count)] : _last ?? w.AnyItem();
                    _cart.Remove(bought);
                    return Item(w, type, now, bought) with
                    {
                        Quantity = 1 + w._random.Next(3),
                        UnitPrice = bought.UnitPrice,
                        Currency = "GBP",
                        SourceRef = $"{w.RunId}-o{(++w._orders).ToString(CultureInfo.InvariantCulture)}",
                    };
                case EventType.Favorite:
                    return Item(w, type, now, _last ?? w.AnyItem());
                default:
                    if (w._random.NextDouble() < 0.01 && _last is { } rated)
                    {
                        return Item(w, EventType.Rating, now, rated) with { Rating = 1 + w._random.Next(5) };
                    }

                    _last = w.AnyItem();
                    return Item(w, type, now, _last);
            }
        }

        private UserEvent Event(LoadWorkload w, EventType type, DateTime now) => new()
        {
            EventId = w.NextId(),
            UserId = UserId,
            Type = type,
            OccurredAt = now,
            Source = SourceName,
        };

        private UserEvent Item(LoadWorkload w, EventType type, DateTime now, LoadItem item) =>
            Event(w, type, now) with { ItemId = item.ItemId, ItemTitle = item.Title };
    }
}
