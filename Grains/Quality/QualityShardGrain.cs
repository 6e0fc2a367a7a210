using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Quality;

/// <summary>
/// A monitor shard: merges what the silos' collectors deliver for its users and pushes it to the aggregator every
/// <see cref="QualityOptions.PushInterval"/>. Deliveries are numbered per sender in both directions: a collector's retry of
/// a delivery this shard already merged is ignored, and a push whose answer was lost is retried as the same numbered
/// delivery (not merged with newer data), which the aggregator ignores if it had merged it. Nothing is counted twice.
/// </summary>
public sealed partial class QualityShardGrain(IOptions<QualityOptions> options, TimeProvider time, ILogger<QualityShardGrain> logger) : Grain, IQualityShardGrain
{
    private static readonly TimeSpan ForgetSendersAfter = TimeSpan.FromDays(1);
    private readonly Dictionary<string, (long Sequence, DateTime At)> _merged = new(StringComparer.Ordinal);
    private readonly string _sender = "shard/" + Guid.NewGuid().ToString("N");
    private Dictionary<string, QualitySketch> _current = new(StringComparer.Ordinal);
    private (long Sequence, Dictionary<string, QualitySketch> Sketches)? _delivering;
    private long _sequence;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.PushInterval;
        this.RegisterGrainTimer(_ => PushAsync(), new GrainTimerCreationOptions(every, every) { Interleave = false });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => PushAsync();

    public Task<bool> MergeAsync(string sender, long sequence, Dictionary<string, QualitySketch> bySource)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(bySource);
        var now = time.GetUtcNow().UtcDateTime;
        if (_merged.TryGetValue(sender, out var last) && sequence <= last.Sequence)
        {
            return Task.FromResult(false);
        }

        _merged[sender] = (sequence, now);
        QualityCollector.MergeInto(_current, bySource);
        foreach (var (name, mark) in _merged.ToList())
        {
            if (now - mark.At > ForgetSendersAfter)
            {
                _merged.Remove(name);
            }
        }

        return Task.FromResult(true);
    }

    public Task FlushAsync() => PushAsync();

    private async Task PushAsync()
    {
        if (_delivering is null)
        {
            if (_current.Count == 0)
            {
                return;
            }

            _delivering = (++_sequence, _current);
            _current = new(StringComparer.Ordinal);
        }

        var (sequence, sketches) = _delivering.Value;
        try
        {
            await GrainFactory.Reference<IQualityGrain>(0).MergeAsync(_sender, sequence, sketches);
            _delivering = null;
        }
        catch (Exception ex)
        {
            // Kept as the same numbered delivery for the next push: monitoring lags rather than loses or doubles.
            LogWarningPushFailed(logger, ex, this.GetPrimaryKeyLong());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality shard {Shard} could not push to the aggregator; retrying at the next interval")]
    private static partial void LogWarningPushFailed(ILogger logger, Exception exception, long shard);
}
