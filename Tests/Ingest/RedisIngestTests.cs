using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Silo.Ingest;
using Esrs.Tests.Support;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Esrs.Tests.Ingest;

/// <summary>The silo's Redis Streams consumer against a real Redis server and a real embedded silo.</summary>
public sealed class RedisIngestTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _directory = new();
    private readonly string _stream = "esrs:test:" + Guid.NewGuid().ToString("N");
    private readonly string _serviceId = "esrs-redis-" + Guid.NewGuid().ToString("N");
    private ConnectionMultiplexer _redis = null!;

    private string DeadLetters => _stream + ":dead";

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);

    [Fact]
    public async Task ProducedEventsAreAppliedOnceAndAcknowledged()
    {
        var events = Produce(users: 10, perUser: 30);
        await AppendAsync(events);

        await using var silo = await StartSiloAsync("consumer-a");
        await Progress(silo).WaitForAcknowledgedAsync(events.Count, CancellationToken.None).WaitAsync(Patience);

        await AssertAppliedExactlyOnceAsync(silo, events);
        Assert.Equal(0, (await _redis.GetDatabase().StreamPendingAsync(_stream, "esrs-silos")).PendingMessageCount);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ConsumersThatDieMidStreamLoseAndDoubleNothing()
    {
        var events = Produce(users: 40, perUser: 50);
        await AppendAsync(events);
        var db = _redis.GetDatabase();

        // A consumer that read 200 entries, applied half of them, and died before acknowledging any.
        await db.StreamCreateConsumerGroupAsync(_stream, "esrs-silos", StreamPosition.Beginning);
        var orphaned = await db.StreamReadGroupAsync(_stream, "esrs-silos", "crashed-consumer", StreamPosition.NewMessages, 200);
        Assert.Equal(200, orphaned.Length);

        RedisIngestProgress firstProgress;
        await using (var first = await StartSiloAsync("consumer-a", batchSize: 50))
        {
            foreach (var group in orphaned.Take(100).Select(e => MessagePackSerializer.Deserialize<UserEvent>((byte[])e[RedisEventSink.EventField]!)).GroupBy(e => e.UserId))
            {
                await first.Grains.GetGrain<IUserGrain>(group.Key).IngestAsync([.. group]);
            }

            firstProgress = Progress(first);
            await firstProgress.WaitForAcknowledgedAsync(events.Count / 4, CancellationToken.None).WaitAsync(Patience);
        }

        // Read after the stop: batches in flight at the stop may still have been acknowledged.
        var ackedByFirst = firstProgress.Acked;
        Assert.InRange(ackedByFirst, events.Count / 4, events.Count - 1);

        // Another consumer takes over: it claims what the dead ones read but never acknowledged.
        await using var second = await StartSiloAsync("consumer-b", batchSize: 50);
        await Progress(second).WaitForAcknowledgedAsync(events.Count - ackedByFirst, CancellationToken.None).WaitAsync(Patience);

        await AssertAppliedExactlyOnceAsync(second, events);
        Assert.Equal(0, (await db.StreamPendingAsync(_stream, "esrs-silos")).PendingMessageCount);
    }

    [Fact]
    public async Task EventsWithAttributesAndNoUserAreQuarantinedNotStuck()
    {
        // MessagePack's hardened dictionaries cannot go into grain state: the wire reader must hand over plain ones.
        var orphan = TestEvents.View("") with { UserId = "", Attributes = new Dictionary<string, string> { ["invoice"] = "536365" } };
        await AppendAsync([orphan]);

        await using var silo = await StartSiloAsync("consumer-a");
        await Progress(silo).WaitForAcknowledgedAsync(1, CancellationToken.None).WaitAsync(Patience);

        var page = await silo.Grains.GetGrain<IUserGrain>(UserGrainKeys.For(orphan)).GetQuarantineAsync(0, 500);
        var kept = Assert.Single(page.Items, q => q.Event.EventId == orphan.EventId);
        Assert.Equal("536365", kept.Event.Attributes!["invoice"]);
        Assert.Equal(0, Progress(silo).DeadLettered);
    }

    [Fact]
    public async Task UndecodableEntriesGoToTheDeadLetterStreamWithTheirReason()
    {
        var db = _redis.GetDatabase();
        var good = Produce(users: 1, perUser: 2);
        await AppendAsync(good);
        var garbage = await db.StreamAddAsync(_stream, RedisEventSink.EventField, new byte[] { 0xc1, 0x00, 0x01 });
        var wrongField = await db.StreamAddAsync(_stream, "payload", "hello");

        await using var silo = await StartSiloAsync("consumer-a");
        await Progress(silo).WaitForAcknowledgedAsync(4, CancellationToken.None).WaitAsync(Patience);

        var dead = await db.StreamRangeAsync(DeadLetters);
        Assert.Equal(2, dead.Length);
        Assert.Equal([garbage.ToString(), wrongField.ToString()], dead.Select(d => d["id"].ToString()));
        Assert.Contains("not a MessagePack UserEvent", dead[0]["reason"].ToString(), StringComparison.Ordinal);
        Assert.Contains("no 'e' field", dead[1]["reason"].ToString(), StringComparison.Ordinal);
        Assert.Equal("hello", dead[1]["field:payload"].ToString());
        Assert.Equal(2, Progress(silo).DeadLettered);
        Assert.Equal(0, (await db.StreamPendingAsync(_stream, "esrs-silos")).PendingMessageCount);
        await AssertAppliedExactlyOnceAsync(silo, good);
    }

    public async Task DisposeAsync()
    {
        var db = _redis.GetDatabase();
        await db.KeyDeleteAsync([_stream, DeadLetters]);
        await _redis.DisposeAsync();
    }

    public void Dispose() => _directory.Dispose();

    private Task<RealSilo> StartSiloAsync(string consumer, int batchSize = 64) => RealSilo.StartAsync(_directory.Path, _serviceId,
        ("Esrs:Redis:ConnectionString", TestServices.Redis),
        ("Esrs:Redis:Stream", _stream),
        ("Esrs:Redis:DeadLetterStream", DeadLetters),
        ("Esrs:Redis:Consumer", consumer),
        ("Esrs:Redis:BatchSize", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Esrs:Redis:ClaimIdle", "00:00:01"),
        ("Esrs:Redis:ClaimInterval", "00:00:00.200"));

    private static RedisIngestProgress Progress(RealSilo silo) => silo.Host.Services.GetRequiredService<RedisIngestProgress>();

    private List<UserEvent> Produce(int users, int perUser) =>
        [.. Enumerable.Range(0, users).SelectMany(u => Enumerable.Range(0, perUser).Select(i =>
            TestEvents.View($"{_serviceId}-u{u}", $"sku-{i}", DateTime.UtcNow.AddMinutes(-i - 1))))];

    private async Task AppendAsync(IReadOnlyList<UserEvent> events)
    {
        var db = _redis.GetDatabase();
        await Task.WhenAll(events.Select(e => db.StreamAddAsync(_stream, RedisEventSink.EventField, MessagePackSerializer.Serialize(e))));
    }

    private static async Task AssertAppliedExactlyOnceAsync(RealSilo silo, IReadOnlyList<UserEvent> events)
    {
        foreach (var user in events.GroupBy(e => e.UserId))
        {
            var profile = await silo.Grains.GetGrain<IUserGrain>(user.Key).GetProfileAsync();
            Assert.Equal(user.Count(), profile.Counts.GetValueOrDefault(EventType.View));
            Assert.Equal(user.Count(), profile.Ingest.Accepted);
        }
    }
}
