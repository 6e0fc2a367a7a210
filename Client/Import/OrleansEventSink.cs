using Esrs.Events;
using Esrs.Users;

namespace Esrs.Client.Import;

/// <summary>
/// Calls the user grains directly (an Orleans client or a co-hosted silo): one call per user per batch. A call the grain
/// answers with <see cref="StateUnavailableException"/> (its state could not be written, nothing of the call took
/// effect) is made again after a pause, as <see cref="HttpEventSink"/> retries the gateway's 503; redelivered events
/// are deduplicated by the grain, so a retry never counts an event twice.
/// </summary>
public sealed class OrleansEventSink(IGrainFactory grains, int maxInFlight = 8, TimeSpan? retryDelay = null) : IEventSink
{
    private const int MaxAttempts = 20;
    private readonly BoundedSender _sender = new(maxInFlight);
    private readonly TimeSpan _retryDelay = retryDelay ?? TimeSpan.FromSeconds(1);
    private long _retries;

    /// <summary>Calls made again after the grain could not write its state.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public Task SendAsync(IReadOnlyList<UserEvent> batch, ImportSummary summary, CancellationToken cancellationToken) =>
        _sender.StartAsync(async () =>
        {
            var calls = batch.GroupBy(UserGrainKeys.For).Select(g => IngestAsync(g.Key, g.ToList(), cancellationToken));
            foreach (var result in await Task.WhenAll(calls))
            {
                summary.Add(result.Outcomes);
            }

            summary.CountSent(batch.Count);
        });

    public Task FlushAsync(CancellationToken cancellationToken) => _sender.DrainAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<IngestResult> IngestAsync(string userKey, List<UserEvent> events, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await grains.Reference<IUserGrain>(userKey).IngestAsync(events);
            }
            catch (StateUnavailableException) when (attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(_retryDelay, cancellationToken);
            }
        }
    }
}
