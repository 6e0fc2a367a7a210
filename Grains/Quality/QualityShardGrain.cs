using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Quality;

/// <summary>
/// A monitor shard: merges what the silos' collectors send for its users and pushes it to the aggregator every
/// <see cref="QualityOptions.PushInterval"/>. Holds at most one interval's worth in memory; what a failed push could not
/// deliver stays for the next one.
/// </summary>
public sealed partial class QualityShardGrain(IOptions<QualityOptions> options, ILogger<QualityShardGrain> logger) : Grain, IQualityShardGrain
{
    private Dictionary<string, QualitySketch> _pending = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.PushInterval;
        this.RegisterGrainTimer(_ => PushAsync(), new GrainTimerCreationOptions(every, every) { Interleave = false });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => PushAsync();

    public Task MergeAsync(Dictionary<string, QualitySketch> bySource)
    {
        ArgumentNullException.ThrowIfNull(bySource);
        QualityCollector.MergeInto(_pending, bySource);
        return Task.CompletedTask;
    }

    public Task FlushAsync() => PushAsync();

    private async Task PushAsync()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = _pending;
        _pending = new(StringComparer.Ordinal);
        try
        {
            await GrainFactory.GetGrain<IQualityGrain>(0).MergeAsync((int)this.GetPrimaryKeyLong(), batch);
        }
        catch (Exception ex)
        {
            // Keep it for the next push: monitoring lags rather than loses.
            QualityCollector.MergeInto(batch, _pending);
            _pending = batch;
            LogWarningPushFailed(logger, ex, this.GetPrimaryKeyLong());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality shard {Shard} could not push to the aggregator; retrying at the next interval")]
    private static partial void LogWarningPushFailed(ILogger logger, Exception exception, long shard);
}
