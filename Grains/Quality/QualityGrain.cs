using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Quality;

/// <summary>
/// The cluster's quality aggregator (one activation, key 0). Shards push sketches; every tick it measures drift of what
/// arrived against what came before (per source and for <c>*</c>, all sources), folds it into the running totals and the
/// open minute/hour/day windows, closes windows whose time is up (running the anomaly detectors on minute windows),
/// opens and resolves alerts, and persists. It is never on the path of an event: shards call it every few seconds.
/// </summary>
public sealed partial class QualityGrain(
    [PersistentState("quality", StorageNames.Quality)] IPersistentState<QualityState> state,
    IOptions<QualityOptions> options,
    TimeProvider time,
    ILogger<QualityGrain> logger) : Grain, IQualityGrain
{
    /// <summary>The pseudo-source of all sources together.</summary>
    public const string AllSources = QualitySources.All;

    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, QualitySketch> _pending = new(StringComparer.Ordinal);
    private DateTime _lastWrite;
    private bool _dirty;

    private QualityOptions Options => options.Value;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => TickCoreAsync(force: false), new GrainTimerCreationOptions(Options.TickInterval, Options.TickInterval) { Interleave = false, KeepAlive = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_pending.Count > 0 || _dirty)
        {
            await TickCoreAsync(force: true);
        }
    }

    public Task MergeAsync(int shard, Dictionary<string, QualitySketch> bySource)
    {
        QualityCollector.MergeInto(_pending, bySource);
        return Task.CompletedTask;
    }

    public Task TickAsync() => TickCoreAsync(force: true);

    public Task<QualitySnapshot> GetSnapshotAsync()
    {
        var s = state.State;
        var sources = s.Totals.OrderBy(p => p.Key == AllSources ? 0 : 1).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            var seconds = p.Value is { FirstIngest: { } first, LastIngest: { } last } ? (last - first).TotalSeconds : 0;
            return new SourceQuality(p.Key, p.Value, QualityMetrics.From(p.Value, seconds),
                s.LastTickMetrics.GetValueOrDefault(p.Key) ?? new Dictionary<string, double>());
        }).ToList();
        return Task.FromResult(new QualitySnapshot(Now, sources, [.. s.Alerts.Where(a => a.IsOpen).OrderByDescending(a => a.OpenedAt)], s.LastTick));
    }

    public Task<IReadOnlyList<QualityAlert>> GetAlertsAsync(bool includeResolved) =>
        Task.FromResult<IReadOnlyList<QualityAlert>>([.. state.State.Alerts.Where(a => includeResolved || a.IsOpen).OrderByDescending(a => a.OpenedAt).ThenByDescending(a => a.Id)]);

    public Task<IReadOnlyList<QualityPoint>> GetHistoryAsync(string metric, string source, DateTime from, DateTime to, WindowGranularity granularity)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(source);
        var s = state.State;
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
            && QualityMetrics.From(open.Sketch, WindowSeconds(open, granularity), detailed: false).TryGetValue(metric, out var value))
        {
            points.Add(new QualityPoint(open.Start, value, open.Sketch.Events, Open: true));
        }

        return Task.FromResult<IReadOnlyList<QualityPoint>>([.. points.OrderBy(p => p.Start)]);
    }

    private async Task TickCoreAsync(bool force)
    {
        var now = Now;
        var s = state.State;
        if (s.MetricNames.Length == 0)
        {
            s.MetricNames = QualityMetrics.Headline;
        }

        var changed = false;
        if (_pending.Count > 0)
        {
            var all = new QualitySketch();
            foreach (var sketch in _pending.Values)
            {
                all.Merge(sketch);
            }

            _pending[AllSources] = all;
            var tickSeconds = s.LastTick is { } last ? Math.Max(1, (now - last).TotalSeconds) : Options.TickInterval.TotalSeconds;
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
        _dirty |= changed;
        if (_dirty && (force || now - _lastWrite >= WriteEvery || changed && s.AlertsChanged))
        {
            s.AlertsChanged = false;
            await state.WriteStateAsync();
            _lastWrite = now;
            _dirty = false;
        }
    }

    private void Evaluate(string source, QualitySketch delta, double tickSeconds, DateTime now)
    {
        var s = state.State;
        var metrics = QualityMetrics.From(delta, tickSeconds);
        if (s.Totals.TryGetValue(source, out var reference))
        {
            MeasureDrift(source, reference, delta, metrics, now);
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

    private void MeasureDrift(string source, QualitySketch reference, QualitySketch current, Dictionary<string, double> metrics, DateTime now)
    {
        var drift = Options.Drift;
        if (current.Events < drift.MinEvents || reference.Events < drift.MinEvents)
        {
            return;
        }

        Judge("drift_type_psi", "type", Drift.Psi(reference.Types, current.Types), drift.PsiThreshold, "psi");
        Judge("drift_type_js", "type", Drift.JensenShannon(reference.Types, current.Types), drift.JsThreshold, "js");
        if (current.Categories.Total >= drift.MinEvents && reference.Categories.Total >= drift.MinEvents)
        {
            var (r, c) = (Drift.Distribution(reference.Categories), Drift.Distribution(current.Categories));
            Judge("drift_category_psi", "categoryPath", Drift.Psi(r, c), drift.PsiThreshold, "psi");
            Judge("drift_category_js", "categoryPath", Drift.JensenShannon(r, c), drift.JsThreshold, "js");
        }

        if (current.Price.Count >= drift.MinEvents && reference.Price.Count >= drift.MinEvents)
        {
            Judge("drift_price_ks", "unitPrice", Drift.KolmogorovSmirnov(reference.Price, current.Price), drift.KsThreshold, "ks");
        }

        if (current.Quantity.Count >= drift.MinEvents && reference.Quantity.Count >= drift.MinEvents)
        {
            Judge("drift_quantity_ks", "quantity", Drift.KolmogorovSmirnov(reference.Quantity, current.Quantity), drift.KsThreshold, "ks");
        }

        void Judge(string metric, string field, double value, double threshold, string measure)
        {
            metrics[metric] = value;
            var detection = value > threshold
                ? new Detection(measure, value, threshold, $"{measure.ToUpperInvariant()} {value:F3} of this tick's {field} distribution against everything before (limit {threshold})")
                : null;
            Alert(metric, source, field, measure, detection, now);
        }
    }

    private bool CloseDueWindows(DateTime now)
    {
        var s = state.State;
        var closed = false;
        foreach (var (key, open) in s.Open.ToList())
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
        var s = state.State;
        s.Open.Remove(key);
        var metrics = QualityMetrics.From(open.Sketch, WindowSeconds(open, granularity), detailed: false);
        var values = s.MetricNames.Select(name => metrics.GetValueOrDefault(name, double.NaN)).ToArray();
        if (granularity == WindowGranularity.Minute)
        {
            DetectAnomalies(source, open, values);
        }

        s.Closed.Add(new ClosedWindow { Granularity = granularity, Source = source, Start = open.Start, Events = open.Sketch.Events, Values = values });
        _dirty = true;
    }

    private void DetectAnomalies(string source, OpenWindow window, double[] values)
    {
        var anomaly = Options.Anomaly;
        var s = state.State;
        if (window.Sketch.Events < anomaly.MinEvents)
        {
            return;
        }

        var end = window.Start + Length(WindowGranularity.Minute);
        var history = s.Closed.Where(w => w.Granularity == WindowGranularity.Minute && w.Source == source && w.Events >= anomaly.MinEvents)
            .TakeLast(anomaly.HistoryWindows).ToList();
        foreach (var metric in anomaly.Metrics)
        {
            var index = Array.IndexOf(s.MetricNames, metric);
            if (index < 0)
            {
                continue;
            }

            var series = history.Where(w => index < w.Values.Length).Select(w => w.Values[index]).ToList();
            var current = values[index];
            if (anomaly.RateOfChange)
            {
                Alert(metric, source, null, AnomalyDetectors.RateOfChange,
                    AnomalyDetectors.RateOfChangeCheck(series, current, anomaly.MaxRelativeChange, anomaly.MinMagnitude), end);
            }

            if (anomaly.OnlineNormal)
            {
                Alert(metric, source, null, AnomalyDetectors.OnlineNormal,
                    AnomalyDetectors.OnlineNormalCheck(series, current, anomaly.Sigmas, anomaly.MinHistory, anomaly.MinSigma), end);
            }
        }
    }

    /// <summary>Opens an alert for (metric, source, detector) when <paramref name="detection"/> is set and none is open; resolves the open one when not.</summary>
    private void Alert(string metric, string source, string? field, string detector, Detection? detection, DateTime at)
    {
        var s = state.State;
        var index = s.Alerts.FindIndex(a => a.IsOpen && a.Metric == metric && a.Source == source && a.Detector == detector);
        if (detection is not null && index < 0)
        {
            var alert = new QualityAlert(++s.NextAlertId, metric, source, field, detector, detection.Observed, detection.Expected, detection.Detail, at);
            s.Alerts.Add(alert);
            s.AlertsChanged = true;
            LogWarningAlertOpened(logger, alert.Id, metric, source, detector, detection.Detail);
        }
        else if (detection is null && index >= 0)
        {
            s.Alerts[index] = s.Alerts[index] with { ResolvedAt = at };
            s.AlertsChanged = true;
            LogInformationAlertResolved(logger, s.Alerts[index].Id, metric, source, detector);
        }
    }

    private void Prune(DateTime now)
    {
        var s = state.State;
        var o = Options;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality alert {AlertId} opened: {Metric} of {Source} ({Detector}): {Detail}")]
    private static partial void LogWarningAlertOpened(ILogger logger, long alertId, string metric, string source, string detector, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality alert {AlertId} resolved: {Metric} of {Source} ({Detector})")]
    private static partial void LogInformationAlertResolved(ILogger logger, long alertId, string metric, string source, string detector);
}

/// <summary>The aggregator's durable state: running totals, open windows, closed windows' headline metrics, alerts.</summary>
[GenerateSerializer, Alias("esrs.quality-state")]
public sealed class QualityState
{
    [Id(0)] public Dictionary<string, QualitySketch> Totals { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, OpenWindow> Open { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public List<ClosedWindow> Closed { get; set; } = [];
    [Id(3)] public List<QualityAlert> Alerts { get; set; } = [];
    [Id(4)] public long NextAlertId { get; set; }
    [Id(5)] public DateTime? LastTick { get; set; }
    [Id(6)] public Dictionary<string, Dictionary<string, double>> LastTickMetrics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Names of <see cref="ClosedWindow.Values"/>, in order, as they were when written.</summary>
    [Id(7)] public string[] MetricNames { get; set; } = [];

    [Id(8)] public bool AlertsChanged { get; set; }
}

/// <summary>A window still collecting.</summary>
[GenerateSerializer, Alias("esrs.quality-open-window")]
public sealed class OpenWindow
{
    [Id(0)] public DateTime Start { get; set; }
    [Id(1)] public QualitySketch Sketch { get; set; } = new();
}

/// <summary>A closed window: its headline metrics only.</summary>
[GenerateSerializer, Alias("esrs.quality-closed-window")]
public sealed class ClosedWindow
{
    [Id(0)] public WindowGranularity Granularity { get; set; }
    [Id(1)] public string Source { get; set; } = "";
    [Id(2)] public DateTime Start { get; set; }
    [Id(3)] public long Events { get; set; }
    [Id(4)] public double[] Values { get; set; } = [];
}
