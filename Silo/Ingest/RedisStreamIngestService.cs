using Esrs.Events;
using Esrs.Users;
using MessagePack;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Esrs.Silo.Ingest;

/// <summary>
/// Consumes the event stream through a consumer group shared by the silos: decode, group by user, one grain call per
/// user, XACK only after the grain call returned (so after the effect is durable). Entries of a consumer that died or
/// failed are claimed after <see cref="RedisIngestOptions.ClaimIdle"/> (XAUTOCLAIM) and applied again; the grains'
/// dedupe makes that exactly one effect. Runs while the silo is active.
/// <para>
/// Failures are told apart (<see cref="TransientFailures"/>). When the grid is unhealthy (storage down, timeouts), the
/// entries stay pending, nothing counts against them, and the consumer backs off before it reads more. When a user's
/// call fails for another reason, its entries are retried one by one so one bad entry never holds back the others, and
/// an entry is dead-lettered (copied to <see cref="RedisIngestOptions.DeadLetterStream"/> with the reason, then
/// acknowledged) only after Redis counted <see cref="RedisIngestOptions.MaxAttempts"/> deliveries of it. Undecodable
/// entries are dead-lettered at once. Acknowledged entries are trimmed from the stream.
/// </para>
/// </summary>
public sealed partial class RedisStreamIngestService(
    RedisIngestOptions options,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    RedisIngestProgress progress,
    ILogger<RedisStreamIngestService> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    internal const string EventField = "e";

    private readonly CancellationTokenSource _stopping = new();
    private readonly GridHealth _health = new(options.Backoff, options.MaxBackoff);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<RedisValue, byte> _inFlight = new();
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
        var nextTrim = DateTime.UtcNow + options.TrimInterval;
        var ownPendingFirst = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _health.WhileUnhealthyAsync(stopping);
                if (ownPendingFirst)
                {
                    // After a restart under the same name, our own unacknowledged entries come first, one round
                    // at a time (they stay in our pending list, so reading ahead would return them again).
                    var own = await db.StreamReadGroupAsync(options.Stream, options.Group, Consumer, "0", options.BatchSize);
                    ownPendingFirst = own.Length > 0 && await ProcessAsync(db, own);
                    continue;
                }

                if (options.TrimInterval > TimeSpan.Zero && DateTime.UtcNow >= nextTrim)
                {
                    nextTrim = DateTime.UtcNow + options.TrimInterval;
                    await TrimAsync(db);
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
                        // Entries this consumer is still working on went idle because their grain call is slow: not ours to redo.
                        entries = [.. entries.Where(e => !_inFlight.ContainsKey(e.Id))];
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

                inFlight.Add(ProcessAsync(db, entries));
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
                _health.Unhealthy();
            }
        }
    }

    /// <summary>Processes a round; true when every entry was acknowledged (applied or dead-lettered).</summary>
    private async Task<bool> ProcessAsync(IDatabase db, StreamEntry[] entries)
    {
        foreach (var entry in entries)
        {
            _inFlight.TryAdd(entry.Id, 0);
        }

        try
        {
            return await ProcessRoundAsync(db, entries);
        }
        finally
        {
            foreach (var entry in entries)
            {
                _inFlight.TryRemove(entry.Id, out _);
            }
        }
    }

    private async Task<bool> ProcessRoundAsync(IDatabase db, StreamEntry[] entries)
    {
        var byUser = new Dictionary<string, List<(UserEvent Event, StreamEntry Entry)>>(StringComparer.Ordinal);
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
                byUser[key] = group = [];
            }

            group.Add((e, entry));
        }

        if (dead.Count > 0)
        {
            await DeadLetterAsync(db, dead, "undecodable");
        }

        var results = await Task.WhenAll(byUser.Select(pair => IngestAsync(db, pair.Key, pair.Value)));
        return results.All(done => done);
    }

    /// <summary>One user's entries: acknowledged after the grain made them durable; on a failure that is not the grid's, one by one.</summary>
    private async Task<bool> IngestAsync(IDatabase db, string user, List<(UserEvent Event, StreamEntry Entry)> group)
    {
        try
        {
            await grains.Reference<IUserGrain>(user).IngestAsync([.. group.Select(g => g.Event)]);
            _health.Healthy();
            await AcknowledgeAsync(db, group.Select(g => g.Entry.Id));
            return true;
        }
        catch (Exception ex) when (TransientFailures.IsTransient(ex, e => e is RedisConnectionException or RedisTimeoutException))
        {
            // The grid, not the entries: they stay pending (claimed again after ClaimIdle) and nothing counts against them.
            LogWarningGridUnavailable(logger, ex, user, group.Count);
            progress.AddTransientFailure();
            _health.Unhealthy();
            return false;
        }
        catch (Exception ex) when (group.Count > 1)
        {
            LogWarningGrainFailed(logger, ex, user, group.Count);
            var all = true;
            foreach (var single in group)
            {
                all &= await IngestAsync(db, user, [single]);
            }

            return all;
        }
        catch (Exception ex)
        {
            var entry = group[0].Entry;
            var delivered = await db.StreamPendingMessagesAsync(options.Stream, options.Group, 1, RedisValue.Null, entry.Id, entry.Id);
            var attempts = delivered.Length > 0 ? delivered[0].DeliveryCount : 1;
            LogWarningEntryFailed(logger, ex, entry.Id.ToString(), user, attempts, options.MaxAttempts);
            if (attempts < options.MaxAttempts)
            {
                return false;
            }

            await DeadLetterAsync(db, [(entry, $"user grain {user} failed on {attempts} deliveries; last error {ex.GetType().Name}: {ex.Message}")], "failed");
            return true;
        }
    }

    private async Task AcknowledgeAsync(IDatabase db, IEnumerable<RedisValue> ids)
    {
        // Acknowledged even when stopping: the effect is durable, so saying so avoids a redelivery.
        var acked = await db.StreamAcknowledgeAsync(options.Stream, options.Group, [.. ids]);
        progress.AddAcked(acked);
    }

    private async Task DeadLetterAsync(IDatabase db, List<(StreamEntry Entry, string Reason)> dead, string kind)
    {
        foreach (var (entry, reason) in dead)
        {
            var fields = new List<NameValueEntry>
            {
                new("stream", options.Stream),
                new("id", entry.Id),
                new("kind", kind),
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

    private async Task TrimAsync(IDatabase db)
    {
        var (trimmed, minId) = await StreamTrimmer.TrimAcknowledgedAsync(db, options.Stream);
        if (trimmed > 0)
        {
            LogDebugTrimmed(logger, trimmed, options.Stream, minId!);
        }

        progress.Trimmed();
    }

    private bool TryDecode(StreamEntry entry, out UserEvent e, out string reason)
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
            var decoded = UserEventWire.Deserialize((byte[])payload!);
            if (decoded is null)
            {
                reason = "payload is a MessagePack nil";
                return false;
            }

            // The same defaults as every wire form: nothing downstream meets a null.
            e = UserEventWire.Normalise(decoded, options.DefaultSource);
            reason = "";
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A round on Redis stream {Stream} failed; backing off")]
    private static partial void LogWarningRoundFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The grid could not take {Count} stream entries of {UserId} now; they stay pending and the consumer backs off")]
    private static partial void LogWarningGridUnavailable(ILogger logger, Exception exception, string userId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest of {Count} stream entries for {UserId} failed; retrying them one by one")]
    private static partial void LogWarningGrainFailed(ILogger logger, Exception exception, string userId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Entry {EntryId} for {UserId} failed on delivery {Attempts} of {MaxAttempts}")]
    private static partial void LogWarningEntryFailed(ILogger logger, Exception exception, string entryId, string userId, long attempts, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Entry {EntryId} of {Stream} dead-lettered: {Reason}")]
    private static partial void LogWarningDeadLettered(ILogger logger, string entryId, string stream, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trimmed {Count} acknowledged entries from {Stream} below {MinId}")]
    private static partial void LogDebugTrimmed(ILogger logger, long count, string stream, string minId);
}
