using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Silo.Ingest;
using Esrs.Tests.Support;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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

    [Fact]
    public async Task APoisonEntryIsIsolatedFromItsUsersBatchDeadLetteredAndRedrivenOnceFixed()
    {
        var db = _redis.GetDatabase();
        var user = _serviceId + "-poisoned";
        var good = new[] { TestEvents.View(user, "sku-a"), TestEvents.View(user, "sku-b") };
        var poison = TestEvents.View(user, PoisonFilter.Item);
        await AppendAsync([good[0], poison, good[1]]);
        var filter = new PoisonFilter();

        await using var silo = await RealSilo.StartAsync(_directory.Path, _serviceId, services => services.AddSingleton<IIncomingGrainCallFilter>(filter),
            [.. Settings("consumer-a", 64), ("Esrs:Redis:MaxAttempts", "2")]);
        await Progress(silo).WaitForAcknowledgedAsync(3, CancellationToken.None).WaitAsync(Patience);

        // The two good events of the same user did not wait for the bad one.
        var profile = await silo.Grains.GetGrain<IUserGrain>(user).GetProfileAsync();
        Assert.Equal(["sku-b", "sku-a"], profile.RecentItems);
        var dead = Assert.Single(await db.StreamRangeAsync(DeadLetters));
        Assert.Equal("failed", dead["kind"].ToString());
        Assert.Contains("InvalidOperationException", dead["reason"].ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (await db.StreamPendingAsync(_stream, "esrs-silos")).PendingMessageCount);

        var dryRun = await Esrs.Client.Import.DeadLetterRedrive.RunAsync(db, DeadLetters, _stream, dryRun: true, limit: null, includeUndecodable: false);
        Assert.Equal((1L, 1L, 0L), (dryRun.Read, dryRun.Redriven, dryRun.Kept));
        Assert.Equal(1L, dryRun.ByReason["failed: InvalidOperationException"]);
        Assert.Single(await db.StreamRangeAsync(DeadLetters));

        filter.Enabled = false;
        var redrive = await Esrs.Client.Import.DeadLetterRedrive.RunAsync(db, DeadLetters, _stream, dryRun: false, limit: null, includeUndecodable: false);
        Assert.Equal(1L, redrive.Redriven);
        Assert.Empty(await db.StreamRangeAsync(DeadLetters));
        await Progress(silo).WaitForAcknowledgedAsync(4, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal([PoisonFilter.Item, "sku-b", "sku-a"], (await silo.Grains.GetGrain<IUserGrain>(user).GetProfileAsync()).RecentItems);
    }

    [Fact]
    public async Task ErasingAUserDeletesItsDeadLettersAndNoOneElses()
    {
        var db = _redis.GetDatabase();
        var (erased, kept) = (_serviceId + "-erased", _serviceId + "-kept");
        await AppendAsync([TestEvents.View(erased, PoisonFilter.Item), TestEvents.View(kept, PoisonFilter.Item), TestEvents.View(erased, PoisonFilter.Item)]);
        await using var silo = await RealSilo.StartAsync(_directory.Path, _serviceId, services => services.AddSingleton<IIncomingGrainCallFilter>(new PoisonFilter()),
            [.. Settings("consumer-a", 64), ("Esrs:Redis:MaxAttempts", "1")]);
        await Progress(silo).WaitForAcknowledgedAsync(3, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(3, (await db.StreamRangeAsync(DeadLetters)).Length);

        var result = await silo.Grains.GetGrain<IUserGrain>(erased).EraseAsync();

        Assert.Equal(2, result.DeadLetters);
        var left = Assert.Single(await db.StreamRangeAsync(DeadLetters));
        Assert.Equal(kept, UserEventWire.Deserialize((byte[])left["field:e"]!)!.UserId);
    }

    [Fact]
    public async Task ErasingAUserRewritesRedisAppendOnlyFileSoItsDeadLettersLeaveTheDisk()
    {
        // A Redis with the append-only file (as the README asks of production): XDEL alone leaves the entry in the file.
        await using var durable = await DurableRedis.StartAsync(Path.Combine(_directory.Path, "redis"));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(durable.Endpoint + ",allowAdmin=true");
        var db = redis.GetDatabase();
        var (erased, kept) = (_serviceId + "-aof-erased", _serviceId + "-aof-kept");
        foreach (var e in new[] { TestEvents.View(erased, PoisonFilter.Item), TestEvents.View(kept, PoisonFilter.Item) })
        {
            await db.StreamAddAsync(_stream, RedisEventSink.EventField, MessagePackSerializer.Serialize(e));
        }

        await using var silo = await RealSilo.StartAsync(_directory.Path, _serviceId, services => services.AddSingleton<IIncomingGrainCallFilter>(new PoisonFilter()),
            [.. Settings("consumer-a", 64).Select(s => s.Item1 == "Esrs:Redis:ConnectionString" ? (s.Item1, durable.Endpoint) : s), ("Esrs:Redis:MaxAttempts", "1")]);
        await Progress(silo).WaitForAcknowledgedAsync(2, CancellationToken.None).WaitAsync(Patience);
        var aof = Path.Combine(durable.Directory, "appendonlydir");
        Assert.True(DataFiles.Contain(aof, erased), "the dead letter is in the append-only file before the erasure");

        Assert.Equal(1, (await silo.Grains.GetGrain<IUserGrain>(erased).EraseAsync()).DeadLetters);

        // The rewrite runs in Redis's background: wait, bounded, until it is done, then read the files.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (((string?)await db.ExecuteAsync("INFO", "persistence"))!.Contains("aof_rewrite_in_progress:1", StringComparison.Ordinal) || DataFiles.Contain(aof, erased))
        {
            Assert.True(DateTime.UtcNow < deadline, "the erased user's dead letter is still in Redis's append-only file after 30 s");
            await Task.Delay(200);
        }

        Assert.True(DataFiles.Contain(aof, kept), "the other user's dead letter is gone from the file too");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task AStorageOutageDeadLettersNothingAndTheBacklogLandsOnceStorageIsBack()
    {
        var database = "esrs_outage_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(TestServices.PostgreSql))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(TestServices.PostgreSql) { Database = database, Pooling = false }.ConnectionString;
        var events = Produce(users: 8, perUser: 10);
        await using var silo = await RealSilo.StartAsync(_directory.Path, _serviceId,
        [
            .. Settings("consumer-a", 16), ("Esrs:Redis:MaxAttempts", "2"), ("Esrs:Redis:Backoff", "00:00:00.100"), ("Esrs:Redis:MaxBackoff", "00:00:00.500"),
            ("Esrs:Silo:Mode", "Cluster"), ("Esrs:Silo:PostgreSqlConnectionString", connectionString),
        ]);
        await using var storage = new NpgsqlConnection(connectionString);
        await storage.OpenAsync();

        // Grain state can be neither read nor written while the table is away: every delivery fails, again and again.
        await new NpgsqlCommand("ALTER TABLE EsrsGrainState RENAME TO EsrsGrainStateAway; ALTER TABLE OrleansStorage RENAME TO OrleansStorageAway", storage).ExecuteNonQueryAsync();
        await AppendAsync(events);
        await Progress(silo).WaitForTransientFailuresAsync(30, CancellationToken.None).WaitAsync(Patience);
        Assert.Equal(0, Progress(silo).Acked);

        await new NpgsqlCommand("ALTER TABLE EsrsGrainStateAway RENAME TO EsrsGrainState; ALTER TABLE OrleansStorageAway RENAME TO OrleansStorage", storage).ExecuteNonQueryAsync();
        await Progress(silo).WaitForAcknowledgedAsync(events.Count, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(0, Progress(silo).DeadLettered);
        Assert.Empty(await _redis.GetDatabase().StreamRangeAsync(DeadLetters));
        await AssertAppliedExactlyOnceAsync(silo, events);
    }

    [Fact]
    public async Task AcknowledgedEntriesAreTrimmedFromTheStream()
    {
        var events = Produce(users: 3, perUser: 20);
        await AppendAsync(events);
        await using var silo = await RealSilo.StartAsync(_directory.Path, _serviceId, [.. Settings("consumer-a", 16), ("Esrs:Redis:TrimInterval", "00:00:00.200")]);
        await Progress(silo).WaitForAcknowledgedAsync(events.Count, CancellationToken.None).WaitAsync(Patience);

        // One more entry after everything was acknowledged: the next trim removes all that came before it.
        var last = TestEvents.View(_serviceId + "-u0", "sku-last");
        await AppendAsync([last]);
        await Progress(silo).WaitForAcknowledgedAsync(events.Count + 1, CancellationToken.None).WaitAsync(Patience);
        var db = _redis.GetDatabase();
        await Progress(silo).WaitForTrimAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.True(await db.StreamLengthAsync(_stream) <= 1, $"stream still holds {await db.StreamLengthAsync(_stream)} entries");
    }

    public async Task DisposeAsync()
    {
        var db = _redis.GetDatabase();
        await db.KeyDeleteAsync([_stream, DeadLetters]);
        await _redis.DisposeAsync();
    }

    public void Dispose() => _directory.Dispose();

    private Task<RealSilo> StartSiloAsync(string consumer, int batchSize = 64) => RealSilo.StartAsync(_directory.Path, _serviceId, Settings(consumer, batchSize));

    private (string, string?)[] Settings(string consumer, int batchSize) =>
    [
        ("Esrs:Redis:ConnectionString", TestServices.Redis),
        ("Esrs:Redis:Stream", _stream),
        ("Esrs:Redis:DeadLetterStream", DeadLetters),
        ("Esrs:Redis:Consumer", consumer),
        ("Esrs:Redis:BatchSize", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Esrs:Redis:ClaimIdle", "00:00:01"),
        ("Esrs:Redis:ClaimInterval", "00:00:00.200"),
    ];

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
