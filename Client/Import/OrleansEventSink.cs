using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>Calls the user grains directly (an Orleans client or a co-hosted silo): one call per user per batch.</summary>
public sealed class OrleansEventSink(IGrainFactory grains, int maxInFlight = 8) : IEventSink
{
    private readonly BoundedSender _sender = new(maxInFlight);

    public Task SendAsync(IReadOnlyList<UserEvent> batch, ImportSummary summary, CancellationToken cancellationToken) =>
        _sender.StartAsync(async () =>
        {
            var calls = batch.GroupBy(UserGrainKeys.For).Select(g => grains.Reference<IUserGrain>(g.Key).IngestAsync(g.ToList()));
            foreach (var result in await Task.WhenAll(calls))
            {
                summary.Add(result.Outcomes);
            }

            summary.CountSent(batch.Count);
        });

    public Task FlushAsync(CancellationToken cancellationToken) => _sender.DrainAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
