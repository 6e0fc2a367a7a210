using Esrs.Events;
using MessagePack;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Esrs.Silo.Ingest;

/// <summary>
/// Consumes the event stream through a consumer group shared by the silos: decode, group by
/// user, one grain call per user, XACK only after the grain call returned (so after the effect is
/// durable). Entries of a consumer that died or failed are claimed after
/// <see cref="RedisIngestOptions.ClaimIdle"/> (XAUTOCLAIM) and applied again; the grains' dedupe
/// makes that exactly one effect. Undecodable entries go to the dead-letter stream with the
/// reason, then are acknowledged: never lost, never blocking. Runs while the silo is active.
/// </summary>
public sealed partial class RedisStreamIngestService(
    RedisIngestOptions options,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    RedisIngestProgress progress,
    ILogger<RedisStreamIngestService> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private const string EventField = "e";

    private readonly CancellationTokenSource _stopping = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private ConnectionMultiplexer? _redis;
    private Task? _loop;

    private string Consumer => options.Consumer ?? $"{Environment.MachineName}-{silo.SiloAddress.Endpoint.Port}";

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(RedisStreamIngestService), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(options.ConnectionString!);
        var db = _redis.GetDatabase();
        try
        {
            await db.StreamCreateConsumerGroupAsync(options.Stream, options.Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists: another silo or an earlier run made it.
        }

        LogInformationStarted(logger, options.Stream, options.Group, Consumer);
        _loop = Task.Run(() => RunAsync(db, _stopping.Token), CancellationToken.None);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_redis is not null)
        {
            await _redis.CloseAsync();
            _redis.Dispose();
        }
    }

    private async Task RunAsync(IDatabase db, CancellationToken stopping)
    {
        var inFlight = new List<Task>(options.MaxRoundsInFlight);
        try
        {
            await ReadRoundsAsync(db, inFlight, stopping);
        }
        finally
        {
            // Rounds already handed to the grains finish (and acknowledge) before the consumer stops.
            await Task.WhenAll(inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ReadRoundsAsync(IDatabase db, List<Task> inFlight, CancellationToken stopping)
    {
        var nextClaim = DateTime.UtcNow;
        var ownPendingFirst = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (ownPendingFirst)
                {
                    // After a restart under the same name, our own unacknowledged entries come first, one round
                    // at a time (they stay in our pending list, so reading ahead would return them again).
                    var own = await db.StreamReadGroupAsync(options.Stream, options.Group, Consumer, "0", options.BatchSize);
                    ownPendingFirst = own.Length > 0;
                    await ProcessAsync(db, own, stopping);
                    continue;
                }

                StreamEntry[] entries;
                if (DateTime.UtcNow >= nextClaim)
                {
                    var claimed = await db.StreamAutoClaimAsync(options.Stream, options.Group, Consumer, (long)options.ClaimIdle.TotalMilliseconds, "0-0", options.BatchSize);
                    entries = claimed.ClaimedEntries;
                    if (entries.Length == 0)
                    {
                        nextClaim = DateTime.UtcNow + options.ClaimInterval;
                    }
                    else
                    {
                        LogInformationClaimed(logger, entries.Length, options.Stream);
                    }
                }
                else
                {
                    entries = await db.StreamReadGroupAsync(options.Stream, options.Group, Consumer, StreamPosition.NewMessages, options.BatchSize);
                }

                if (entries.Length == 0)
                {
                    await Task.Delay(options.PollInterval, stopping);
                    continue;
                }

                inFlight.Add(ProcessAsync(db, entries, stopping));
                while (inFlight.Count >= options.MaxRoundsInFlight)
                {
                    var done = await Task.WhenAny(inFlight);
                    inFlight.Remove(done);
                    await done;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Redis or the grid is unavailable: nothing was acknowledged, so nothing is lost; back off and go on.
                LogWarningRoundFailed(logger, ex, options.Stream);
                await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ProcessAsync(IDatabase db, StreamEntry[] entries, CancellationToken stopping)
    {
        var byUser = new Dictionary<string, (List<UserEvent> Events, List<RedisValue> Ids)>(StringComparer.Ordinal);
        var dead = new List<(StreamEntry Entry, string Reason)>();
        foreach (var entry in entries)
        {
            if (entry.IsNull)
            {
                continue;
            }

            if (!TryDecode(entry, out var e, out var reason))
            {
                dead.Add((entry, reason));
                continue;
            }

            var key = UserGrainKeys.For(e);
            if (!byUser.TryGetValue(key, out var group))
            {
                byUser[key] = group = ([], []);
            }

            group.Events.Add(e);
            group.Ids.Add(entry.Id);
        }

        if (dead.Count > 0)
        {
            await DeadLetterAsync(db, dead);
        }

        var entriesById = entries.Where(e => !e.IsNull).ToDictionary(e => e.Id.ToString(), StringComparer.Ordinal);
        await Task.WhenAll(byUser.Select(async pair =>
        {
            try
            {
                await grains.GetGrain<IUserGrain>(pair.Key).IngestAsync(pair.Value.Events);
            }
            catch (Exception ex)
            {
                // Left pending: claimed and retried after ClaimIdle; the grain's dedupe absorbs any part that did land.
                // An entry that keeps failing is dead-lettered (kept with the error) so it cannot block or loop forever.
                LogWarningGrainFailed(logger, ex, pair.Key, pair.Value.Events.Count);
                var exhausted = new List<(StreamEntry, string)>();
                foreach (var id in pair.Value.Ids)
                {
                    var attempts = _failures.AddOrUpdate(id.ToString(), 1, (_, n) => n + 1);
                    if (attempts >= options.MaxAttempts)
                    {
                        exhausted.Add((entriesById[id.ToString()], $"user grain {pair.Key} failed {attempts} times; last error {ex.GetType().Name}: {ex.Message}"));
                    }
                }

                if (exhausted.Count > 0)
                {
                    await DeadLetterAsync(db, exhausted);
                    foreach (var (entry, _) in exhausted)
                    {
                        _failures.TryRemove(entry.Id.ToString(), out _);
                    }
                }

                return;
            }

            if (!_failures.IsEmpty)
            {
                foreach (var id in pair.Value.Ids)
                {
                    _failures.TryRemove(id.ToString(), out _);
                }
            }

            // Acknowledged even when stopping: the effect is durable, so saying so avoids a redelivery.
            var acked = await db.StreamAcknowledgeAsync(options.Stream, options.Group, [.. pair.Value.Ids]);
            progress.AddAcked(acked);
        }));
    }

    private async Task DeadLetterAsync(IDatabase db, List<(StreamEntry Entry, string Reason)> dead)
    {
        foreach (var (entry, reason) in dead)
        {
            var fields = new List<NameValueEntry>
            {
                new("stream", options.Stream),
                new("id", entry.Id),
                new("reason", reason),
                new("at", DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
            };
            fields.AddRange(entry.Values.Select(v => new NameValueEntry("field:" + v.Name, v.Value)));
            await db.StreamAddAsync(options.DeadLetterStream, [.. fields]);
            LogWarningDeadLettered(logger, entry.Id.ToString(), options.Stream, reason);
        }

        var acked = await db.StreamAcknowledgeAsync(options.Stream, options.Group, [.. dead.Select(d => d.Entry.Id)]);
        progress.AddDeadLettered(acked);
    }

    private static bool TryDecode(StreamEntry entry, out UserEvent e, out string reason)
    {
        e = null!;
        var payload = entry[EventField];
        if (payload.IsNull)
        {
            reason = $"entry has no '{EventField}' field";
            return false;
        }

        try
        {
            e = UserEventWire.Deserialize((byte[])payload!)!;
            reason = "";
            if (e is null)
            {
                reason = "payload is a MessagePack nil";
                return false;
            }

            return true;
        }
        catch (MessagePackSerializationException ex)
        {
            reason = "payload is not a MessagePack UserEvent: " + ex.GetBaseException().Message;
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming Redis stream {Stream} as {Consumer} of group {Group}")]
    private static partial void LogInformationStarted(ILogger logger, string stream, string group, string consumer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed {Count} idle pending entries of {Stream}")]
    private static partial void LogInformationClaimed(ILogger logger, int count, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A round on Redis stream {Stream} failed; retrying")]
    private static partial void LogWarningRoundFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest of {Count} stream entries for {UserId} failed; they stay pending for a retry")]
    private static partial void LogWarningGrainFailed(ILogger logger, Exception exception, string userId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Entry {EntryId} of {Stream} dead-lettered: {Reason}")]
    private static partial void LogWarningDeadLettered(ILogger logger, string entryId, string stream, string reason);
}
