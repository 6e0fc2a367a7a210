using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Quality;

/// <summary>
/// The cluster's quality aggregator (one activation, key 0): the grain around <see cref="QualityAggregator"/>. Shards
/// deliver sketches; a timer ticks the aggregator every <see cref="QualityOptions.TickInterval"/>; the state is written
/// at most every 30 s, or when alerts changed. A failed write is logged, counted and retried at the next tick, and the
/// snapshot says so until a write succeeds; a write conflict (another activation wrote) reloads the grain. It is never
/// on the path of an event: shards call it every few seconds.
/// </summary>
public sealed partial class QualityGrain(
    [PersistentState("quality", StorageNames.Quality)] IPersistentState<QualityState> state,
    IOptions<QualityOptions> options,
    TimeProvider time,
    ILogger<QualityGrain> logger) : Grain, IQualityGrain
{
    /// <summary>The pseudo-source of all sources together.</summary>
    public const string AllSources = QualityAggregator.AllSources;

    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(30);
    private QualityAggregator _aggregator = null!;
    private DateTime _lastWrite;
    private bool _dirty;
    private string? _persistProblem;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _aggregator = new QualityAggregator(state.State, options.Value);
        var every = options.Value.TickInterval;
        this.RegisterGrainTimer(_ => TickCoreAsync(force: false), new GrainTimerCreationOptions(every, every) { Interleave = false, KeepAlive = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_aggregator.HasPending || _dirty)
        {
            await TickCoreAsync(force: true);
        }
    }

    public Task<bool> MergeAsync(string sender, long sequence, Dictionary<string, QualitySketch> bySource)
    {
        var merged = _aggregator.Merge(sender, sequence, bySource, Now);
        _dirty |= merged;
        return Task.FromResult(merged);
    }

    public Task TickAsync() => TickCoreAsync(force: true);

    public async Task<QualityExport> ExportAsync(double epsilon, double delta)
    {
        if (PrivateRelease.Problem(epsilon, delta) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        var now = Now;
        var o = options.Value;
        var releases = state.State.Releases;
        // Every release is of the totals since monitoring began, so releases compose over the whole life of the data.
        var (spent, deltaSpent) = (releases.Sum(r => r.Epsilon), releases.Sum(r => r.Delta));
        var scale = PrivateRelease.Scale(epsilon);
        var threshold = PrivateRelease.Threshold(epsilon, delta);
        if (spent + epsilon > o.PrivacyBudget + 1e-9 || deltaSpent + delta > o.PrivacyDeltaBudget * (1 + 1e-9))
        {
            return new QualityExport(now, epsilon, delta, scale, threshold, o.PrivacyBudget, spent, deltaSpent, [], [],
                $"A release of epsilon {epsilon:0.###} and delta {delta:0.###e0} would spend {spent + epsilon:0.###} of the epsilon budget {o.PrivacyBudget} "
                + $"and {deltaSpent + delta:0.###e0} of the delta budget {o.PrivacyDeltaBudget:0.###e0} ({spent:0.###} and {deltaSpent:0.###e0} spent). "
                + "The totals are released whole each time, so the budget does not free.");
        }

        // The spending is durable before anything is released: a release whose record was lost would be free.
        releases.Add(new PrivacyRelease(now, epsilon, delta));
        await state.WriteStateAsync();
        var (sources, categories) = PrivateRelease.Release(state.State.Totals, epsilon, delta);
        var all = state.State.Totals.GetValueOrDefault(AllSources);
        var capped = state.State.Totals.ContainsKey(QualityOptions.OtherSource) || (all?.TopCategories.ContainsKey(QualitySketch.OtherCategory) ?? false);
        LogInformationReleased(logger, epsilon, delta, spent + epsilon, o.PrivacyBudget);
        return new QualityExport(now, epsilon, delta, scale, threshold, o.PrivacyBudget, spent + epsilon, deltaSpent + delta, sources, categories, Capped: capped);
    }

    public async Task<int> ForgetUserAsync(string userId)
    {
        var removed = _aggregator.ForgetUser(userId, Now);
        // Written now, whatever the write schedule: the erasure is not done until the stored state no longer names the user.
        await state.WriteStateAsync();
        _lastWrite = Now;
        _dirty = false;
        _persistProblem = null;
        return removed;
    }

    public Task<QualitySnapshot> GetSnapshotAsync() => Task.FromResult(_aggregator.Snapshot(Now, _persistProblem));

    public Task<IReadOnlyList<QualityAlert>> GetAlertsAsync(bool includeResolved) => Task.FromResult(_aggregator.Alerts(includeResolved));

    public Task<IReadOnlyList<QualityPoint>> GetHistoryAsync(string metric, string source, DateTime from, DateTime to, WindowGranularity granularity) =>
        Task.FromResult(_aggregator.History(metric, source, from, to, granularity));

    private async Task TickCoreAsync(bool force)
    {
        var now = Now;
        var changed = _aggregator.Tick(now);
        foreach (var alert in _aggregator.Opened)
        {
            LogWarningAlertOpened(logger, alert.Id, alert.Metric, alert.Source, alert.Detector, alert.Detail);
        }

        foreach (var alert in _aggregator.Resolved)
        {
            LogInformationAlertResolved(logger, alert.Id, alert.Metric, alert.Source, alert.Detector);
        }

        _dirty |= changed;
        var s = state.State;
        if (!_dirty || !(force || now - _lastWrite >= WriteEvery || (changed && s.AlertsChanged)))
        {
            return;
        }

        try
        {
            s.AlertsChanged = false;
            await state.WriteStateAsync();
            _lastWrite = now;
            _dirty = false;
            _persistProblem = null;
        }
        catch (Exception ex)
        {
            // Kept in memory and written at the next tick; operators see it in the snapshot and the log.
            s.AlertsChanged = true;
            _persistProblem = $"{now:O}: writing the quality state failed ({ex.GetType().Name}: {ex.Message}); retrying every tick";
            QualityCollector.SaveFailures.Add(1);
            LogErrorPersistFailed(logger, ex);
            if (ex is Orleans.Storage.InconsistentStateException)
            {
                // Another activation wrote first: reload from what is durable.
                this.DeactivateOnIdle();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality alert {AlertId} opened: {Metric} of {Source} ({Detector}): {Detail}")]
    private static partial void LogWarningAlertOpened(ILogger logger, long alertId, string metric, string source, string detector, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality alert {AlertId} resolved: {Metric} of {Source} ({Detector})")]
    private static partial void LogInformationAlertResolved(ILogger logger, long alertId, string metric, string source, string detector);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the quality aggregator's state failed; it stays in memory and is written at the next tick")]
    private static partial void LogErrorPersistFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Private quality export released: epsilon {Epsilon}, delta {Delta}; {Spent} of the budget {Budget} spent")]
    private static partial void LogInformationReleased(ILogger logger, double epsilon, double delta, double spent, double budget);
}
