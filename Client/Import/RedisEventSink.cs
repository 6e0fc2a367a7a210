using Esrs.Events;
using MessagePack;
using StackExchange.Redis;

namespace Esrs.Client.Import;

/// <summary>
/// Appends events to a Redis stream, one entry per event (field <c>e</c>: the MessagePack event),
/// pipelined per batch. The silos' stream consumer applies them; outcomes are asynchronous.
/// </summary>
public sealed class RedisEventSink(IConnectionMultiplexer redis, string stream) : IEventSink
{
    /// <summary>Name of the entry field holding the MessagePack event.</summary>
    public const string EventField = "e";

    private readonly IDatabase _db = redis.GetDatabase();

    public async Task SendAsync(IReadOnlyList<UserEvent> batch, ImportSummary summary, CancellationToken cancellationToken)
    {
        summary.OutcomesKnown = false;
        var adds = new Task[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            adds[i] = _db.StreamAddAsync(stream, EventField, MessagePackSerializer.Serialize(batch[i], cancellationToken: cancellationToken));
        }

        await Task.WhenAll(adds);
        summary.CountSent(batch.Count);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
