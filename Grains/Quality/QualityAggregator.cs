namespace Esrs.Quality;

/// <summary>
/// What the cluster's quality aggregator does, without Orleans: merges deliveries of sketches (each sender's sequence
/// merged once), and every tick measures drift of what arrived against what came before (per source and for <c>*</c>),
/// folds it into the running totals and the open minute/hour/day windows, closes windows whose time is up (running the
/// anomaly detectors on minute windows), opens and resolves alerts, and prunes history. The grain adds timers,
/// persistence and logging; tests drive it with their own clock.
/// </summary>
public sealed partial class QualityAggregator
{
    /// <summary>The pseudo-source of all sources together.</summary>
    public const string AllSources = QualitySources.All;

    private static readonly TimeSpan ForgetSendersAfter = TimeSpan.FromDays(2);
    private readonly QualityOptions _options;
    private readonly Dictionary<string, QualitySketch> _pending = new(StringComparer.Ordinal);

    public QualityAggregator(QualityState state, QualityOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        State = state;
        _options = options;
        if (state.MetricNames.Length == 0)
        {
            state.MetricNames = QualityMetrics.Headline;
        }
    }

    public QualityState State { get; }

    /// <summary>Whether deliveries wait for the next tick.</summary>
    public bool HasPending => _pending.Count > 0;

    /// <summary>Alerts the last tick opened (for the caller to log).</summary>
    public List<QualityAlert> Opened { get; } = [];

    /// <summary>Alerts the last tick resolved (for the caller to log).</summary>
    public List<QualityAlert> Resolved { get; } = [];

    /// <summary>
    /// Merges one delivery: false (and nothing merged) when <paramref name="sender"/> already delivered
    /// <paramref name="sequence"/>, which is how a delivery retried after a lost answer is told from a new one.
    /// Sources beyond <see cref="QualityOptions.MaxSources"/> are counted under <see cref="QualityOptions.OtherSource"/>.
    /// </summary>
    public bool Merge(string sender, long sequence, Dictionary<string, QualitySketch> bySource, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(bySource);
        if (State.Delivered.TryGetValue(sender, out var mark) && sequence <= mark.Sequence)
        {
            return false;
        }

        State.Delivered[sender] = new DeliveryMark { Sequence = sequence, At = now };
        foreach (var (source, sketch) in bySource)
        {
            if (State.Erased.Count > 0)
            {
                ForgetErased(sketch);
            }

            var name = SourceName(source);
            if (_pending.TryGetValue(name, out var mine))
            {
                mine.Merge(sketch);
            }
            else
            {
                _pending[name] = sketch.Clone();
            }
        }

        return true;
    }

    /// <summary>
    /// Removes the examples naming <paramref name="userId"/> from what waits for the next tick, the running totals and
    /// the open windows (closed windows keep numbers only), and remembers a hash of the id for
    /// <see cref="QualityOptions.ErasedMemory"/> so examples still on their way are dropped as they arrive.
    /// </summary>
    public int ForgetUser(string userId, DateTime now)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var removed = 0;
        foreach (var sketch in _pending.Values.Concat(State.Totals.Values).Concat(State.Open.Values.Select(w => w.Sketch)))
        {
            removed += sketch.ForgetUser(userId);
        }

        // Examples hold the id cut to their text length: remember that form too.
        State.Erased[ErasedHash(userId)] = now;
        State.Erased[ErasedHash(QualitySketchUpdates.ExampleText(userId)!)] = now;
        return removed;
    }

    private void ForgetErased(QualitySketch sketch)
    {
        foreach (var (rule, example) in sketch.Examples)
        {
            if (State.Erased.ContainsKey(ErasedHash(example.UserId)))
            {
                sketch.Examples.Remove(rule);
            }
        }
    }

    /// <summary>A seeded 64-bit hash of an id: enough to recognise it, not to read it back.</summary>
    private static ulong ErasedHash(string userId) =>
        System.IO.Hashing.XxHash64.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(userId.AsSpan()), seed: 0x45_72_61_73_65);

    /// <summary>Evaluates what was merged since the last tick; true when the state changed.</summary>
    public bool Tick(DateTime now)
    {
        Opened.Clear();
        Resolved.Clear();
        var s = State;
        var changed = false;
        if (_pending.Count > 0)
        {
            var all = new QualitySketch();
            foreach (var (source, sketch) in _pending)
            {
                if (source != QualitySources.Catalogue)
                {
                    all.MergeSource(source, sketch);
                }
            }

            _pending[AllSources] = all;
            var tickSeconds = s.LastTick is { } last ? Math.Max(1, (now - last).TotalSeconds) : _options.TickInterval.TotalSeconds;
            foreach (var (source, delta) in _pending)
            {
                Evaluate(source, delta, tickSeconds, now);
            }

            _pending.Clear();
            s.LastTick = now;
            changed = true;
        }

        changed |= CloseDueWindows(now);
        Prune(now);
        return changed;
    }

    /// <summary>What an operator sees first; every sketch in it is a copy, so the caller may keep or change it.</summary>
    public QualitySnapshot Snapshot(DateTime now, string? persistProblem = null)
    {
        var s = State;
        var sources = s.Totals.OrderBy(p => p.Key == AllSources ? 0 : 1).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var seconds = p.Value is { FirstIngest: { } first, LastIngest: { } last } ? (last - first).TotalSeconds : 0;
            return new SourceQuality(p.Key, p.Value.Clone(), QualityMeasures.From(p.Value, seconds),
                new Dictionary<string, double>(s.LastTickMetrics.GetValueOrDefault(p.Key) ?? [], StringComparer.Ordinal));
        }).ToList();
        return new QualitySnapshot(now, sources, [.. s.Alerts.Where(a => a.IsOpen).OrderByDescending(a => a.OpenedAt)], s.LastTick, persistProblem);
    }

    /// <summary>Alerts, newest first: the open ones and, when <paramref name="includeResolved"/>, the resolved ones kept in history.</summary>
    public IReadOnlyList<QualityAlert> Alerts(bool includeResolved) =>
        [.. State.Alerts.Where(a => includeResolved || a.IsOpen).OrderByDescending(a => a.OpenedAt).ThenByDescending(a => a.Id)];

    /// <summary>The series of a metric for a source between two instants from windows of a granularity; the open window last.</summary>
    public IReadOnlyList<QualityPoint> History(string metric, string source, DateTime from, DateTime to, WindowGranularity granularity)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(source);
        var s = State;
        var points = new List<QualityPoint>();
        var index = Array.IndexOf(s.MetricNames, metric);
        if (index >= 0)
        {
            foreach (var window in s.Closed)
            {
                if (window.Granularity == granularity && window.Source == source && window.Start >= from && window.Start <= to && index < window.Values.Length)
                {
                    points.Add(new QualityPoint(window.Start, window.Values[index], window.Events, Open: false));
                }
            }
        }

        if (s.Open.TryGetValue(OpenKey(granularity, source), out var open) && open.Start >= from && open.Start <= to
            && QualityMeasures.From(open.Sketch, WindowSeconds(open, granularity), detailed: false).TryGetValue(metric, out var value))
        {
            points.Add(new QualityPoint(open.Start, value, open.Sketch.Events, Open: true));
        }

        return [.. points.OrderBy(p => p.Start)];
    }

    private string SourceName(string source)
    {
        if (source == AllSources || State.Totals.ContainsKey(source) || _pending.ContainsKey(source))
        {
            return source;
        }

        var distinct = State.Totals.Count(p => p.Key != AllSources) + _pending.Keys.Count(k => !State.Totals.ContainsKey(k));
        return source.Length > _options.MaxSourceLength || distinct >= _options.MaxSources ? QualityOptions.OtherSource : source;
    }

    private void Evaluate(string source, QualitySketch delta, double tickSeconds, DateTime now)
    {
        var s = State;
        var metrics = QualityMeasures.From(delta, tickSeconds);
        if (s.Totals.TryGetValue(source, out var reference))
        {
            if (source != QualitySources.Catalogue)
            {
                MeasureDrift(source, reference, delta, metrics, now);
            }

            reference.Merge(delta);
        }
        else
        {
            s.Totals[source] = delta.Clone();
        }

        s.LastTickMetrics[source] = metrics;
        foreach (var granularity in Enum.GetValues<WindowGranularity>())
        {
            var key = OpenKey(granularity, source);
            var start = WindowStart(now, granularity);
            if (s.Open.TryGetValue(key, out var open) && open.Start != start)
            {
                Close(key, open, granularity, source);
                open = null;
            }

            if (open is null)
            {
                s.Open[key] = new OpenWindow { Start = start, Sketch = delta.Clone() };
            }
            else
            {
                open.Sketch.Merge(delta);
            }
        }
    }

    private bool CloseDueWindows(DateTime now)
    {
        var closed = false;
        foreach (var (key, open) in State.Open.ToList())
        {
            var (granularity, source) = ParseKey(key);
            if (open.Start + Length(granularity) <= now)
            {
                Close(key, open, granularity, source);
                closed = true;
            }
        }

        return closed;
    }

    private void Close(string key, OpenWindow open, WindowGranularity granularity, string source)
    {
        var s = State;
        s.Open.Remove(key);
        var metrics = QualityMeasures.From(open.Sketch, WindowSeconds(open, granularity), detailed: false);
        var values = s.MetricNames.Select(name => metrics.GetValueOrDefault(name, double.NaN)).ToArray();
        if (granularity == WindowGranularity.Minute)
        {
            if (source != QualitySources.Catalogue)
            {
                DetectAnomalies(source, open, values);
            }
        }

        s.Closed.Add(new ClosedWindow { Granularity = granularity, Source = source, Start = open.Start, Events = open.Sketch.Events, Values = values });
    }

    private void Prune(DateTime now)
    {
        var s = State;
        var o = _options;
        foreach (var (hash, at) in s.Erased)
        {
            if (now - at > o.ErasedMemory)
            {
                s.Erased.Remove(hash);
            }
        }

        s.Closed.RemoveAll(w => w.Start < now - w.Granularity switch
        {
            WindowGranularity.Minute => o.MinuteRetention,
            WindowGranularity.Hour => o.HourRetention,
            _ => o.DayRetention,
        });
        var resolved = s.Alerts.Count(a => !a.IsOpen);
        if (resolved > o.AlertHistory)
        {
            var drop = s.Alerts.Where(a => !a.IsOpen).OrderBy(a => a.ResolvedAt).Take(resolved - o.AlertHistory).Select(a => a.Id).ToHashSet();
            s.Alerts.RemoveAll(a => drop.Contains(a.Id));
        }

        foreach (var (sender, mark) in s.Delivered.ToList())
        {
            if (now - mark.At > ForgetSendersAfter)
            {
                s.Delivered.Remove(sender);
            }
        }
    }

    private static double WindowSeconds(OpenWindow window, WindowGranularity granularity) =>
        window.Sketch is { FirstIngest: { } first, LastIngest: { } last } && last > first
            ? Math.Min(Length(granularity).TotalSeconds, Math.Max(1, (last - first).TotalSeconds))
            : Length(granularity).TotalSeconds;

    private static TimeSpan Length(WindowGranularity granularity) => granularity switch
    {
        WindowGranularity.Minute => TimeSpan.FromMinutes(1),
        WindowGranularity.Hour => TimeSpan.FromHours(1),
        _ => TimeSpan.FromDays(1),
    };

    private static DateTime WindowStart(DateTime now, WindowGranularity granularity) =>
        new(now.Ticks - (now.Ticks % Length(granularity).Ticks), DateTimeKind.Utc);

    private static string OpenKey(WindowGranularity granularity, string source) => $"{(int)granularity}/{source}";

    private static (WindowGranularity Granularity, string Source) ParseKey(string key) => ((WindowGranularity)(key[0] - '0'), key[2..]);
}
