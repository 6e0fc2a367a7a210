using System.Data.Common;
using Esrs.Events;
using Esrs.Silo.Ingest;
using Esrs.Users;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Esrs.Silo.Hosting;

/// <summary>
/// Erases a user from the silo's stores outside the grain state (<see cref="IUserDataEraser"/>): the cleared state row
/// (group-committed <c>EsrsGrainState</c> and any rows left beside it, or the ADO.NET provider's <c>OrleansStorage</c> with
/// group commit off), the
/// spilled quarantine rows, the user event log and, when the silo consumes a Redis stream, the dead letters whose event is the user's.
/// On SQLite the freed pages would still hold the deleted bytes (and the quality state's earlier copies hold examples),
/// so the database is rebuilt (<c>VACUUM</c>) and its write-ahead log checkpointed and truncated; erasures are rare and
/// this costs time in proportion to the database (<see cref="EsrsSiloOptions.ScrubAfterErase"/>). PostgreSQL deletes the
/// rows; their bytes stay in freed heap space and the WAL until PostgreSQL reuses them (README: "Erasing a user").
/// </summary>
public sealed partial class UserDataEraser(EsrsSiloOptions options, string serviceId, IServiceProvider services, ILogger<UserDataEraser> logger)
    : IUserDataEraser, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long an erasure waits for its scrub before answering that it continues in the background.</summary>
    public static readonly TimeSpan ScrubWait = TimeSpan.FromSeconds(15);

    private readonly List<Task> _scrubs = [];

    private const string DeleteSql = """
        DELETE FROM EsrsQuarantineSpill WHERE ServiceId = @service AND GrainKey = @key;
        DELETE FROM EsrsUserEventLog WHERE ServiceId = @service AND UserKey = @key;
        DELETE FROM EsrsGrainStateRow WHERE ServiceId = @service AND GrainKey = @key
            AND NOT EXISTS (SELECT 1 FROM EsrsGrainState s WHERE s.ServiceId = @service AND s.GrainType = EsrsGrainStateRow.GrainType AND s.GrainKey = @key AND s.Payload IS NOT NULL);
        DELETE FROM EsrsGrainState WHERE ServiceId = @service AND GrainKey = @key AND Payload IS NULL;
        DELETE FROM OrleansStorage WHERE ServiceId = @service AND GrainIdExtensionString = @prefixed AND PayloadBinary IS NULL;
        """;

    // Serialises scrubs: two erasures at once would each rebuild the database.
    private static readonly SemaphoreSlim Scrubbing = new(1, 1);

    public async Task<ErasedElsewhere> EraseAsync(string userKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userKey);
        var spilled = options.Mode == SiloMode.Embedded
            ? await EraseSqliteAsync(userKey, cancellationToken)
            : await ErasePostgreSqlAsync(userKey, cancellationToken);
        var deadLetters = await EraseDeadLettersAsync(userKey);
        if (options.Mode != SiloMode.Embedded || !options.ScrubAfterErase)
        {
            return new ErasedElsewhere(spilled, deadLetters, Scrubbed: false);
        }

        // Rebuilding a large database outlasts a grain call: wait a while, then let it finish in the background (the
        // silo waits for it when it stops).
        var scrub = StartScrub();
        var done = await Task.WhenAny(scrub, Task.Delay(ScrubWait, cancellationToken)) == scrub;
        return new ErasedElsewhere(spilled, deadLetters, Scrubbed: done && await scrub, ScrubPending: !done);
    }

    public async Task ScrubAsync(CancellationToken cancellationToken = default)
    {
        if (options.Mode == SiloMode.Embedded && options.ScrubAfterErase)
        {
            await StartScrub().WaitAsync(cancellationToken);
        }
    }

    private Task<bool> StartScrub()
    {
        var scrub = Task.Run(() => ScrubSqliteAsync(CancellationToken.None), CancellationToken.None);
        lock (_scrubs)
        {
            _scrubs.RemoveAll(t => t.IsCompleted);
            _scrubs.Add(scrub);
        }

        return scrub;
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(UserDataEraser), ServiceLifecycleStage.Active, _ => Task.CompletedTask, async _ =>
        {
            Task[] running;
            lock (_scrubs)
            {
                running = [.. _scrubs];
            }

            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        });
    }

    private async Task<long> EraseSqliteAsync(string userKey, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(SchemaInstaller.SqliteConnectionString(options.SqliteDatabasePath));
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA busy_timeout = 60000; PRAGMA secure_delete = ON;", cancellationToken);
        return await DeleteAsync(connection, userKey, cancellationToken);
    }

    private async Task<long> ErasePostgreSqlAsync(string userKey, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(options.PostgreSqlConnectionString);
        await connection.OpenAsync(cancellationToken);
        return await DeleteAsync(connection, userKey, cancellationToken);
    }

    /// <summary>The deletes in one transaction; the number of spilled rows removed.</summary>
    private async Task<long> DeleteAsync(DbConnection connection, string userKey, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long spilled = 0;
        var statements = DeleteSql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < statements.Length; i++)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statements[i];
            Add(command, "@service", serviceId);
            Add(command, "@key", userKey);
            Add(command, "@prefixed", ExactKeyGrainStorage.KeyPrefix + userKey);
            var rows = await command.ExecuteNonQueryAsync(cancellationToken);
            if (i == 0)
            {
                spilled = rows;
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return spilled;
    }

    /// <summary>
    /// Rebuilds the database so no freed page keeps deleted bytes, then checkpoints the write-ahead log into it and
    /// truncates the log. True when the log could be truncated (no reader held it, after a few tries).
    /// </summary>
    private async Task<bool> ScrubSqliteAsync(CancellationToken cancellationToken)
    {
        await Scrubbing.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new SqliteConnection(SchemaInstaller.SqliteConnectionString(options.SqliteDatabasePath));
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "PRAGMA busy_timeout = 60000; PRAGMA secure_delete = ON;", cancellationToken);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await ExecuteAsync(connection, "VACUUM;", cancellationToken);
            for (var attempt = 0; attempt < 50; attempt++)
            {
                await using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) == 0)
                {
                    LogInformationScrubbed(logger, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    return true;
                }

                await Task.Delay(100, cancellationToken);
            }

            LogWarningLogNotTruncated(logger);
            return false;
        }
        finally
        {
            Scrubbing.Release();
        }
    }

    /// <summary>Deletes the dead letters (XDEL) whose event belongs to <paramref name="userKey"/>; undecodable ones name no user.</summary>
    private async Task<long> EraseDeadLettersAsync(string userKey)
    {
        var redis = services.GetService<RedisIngestOptions>();
        if (redis is not { Enabled: true })
        {
            return 0;
        }

        // Admin mode on this short-lived connection only: INFO and BGREWRITEAOF are admin commands to the client library.
        var configuration = ConfigurationOptions.Parse(redis.ConnectionString!);
        configuration.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var db = connection.GetDatabase();
        long deleted = 0;
        var from = "-";
        while (true)
        {
            var page = await db.StreamRangeAsync(redis.DeadLetterStream, from, "+", count: 500);
            var mine = new List<RedisValue>();
            foreach (var entry in page)
            {
                var payload = entry["field:" + RedisStreamIngestService.EventField];
                if (payload.IsNull)
                {
                    continue;
                }

                try
                {
                    if (UserEventWire.Deserialize((byte[])payload!) is { } e && string.Equals(e.UserId, userKey, StringComparison.Ordinal))
                    {
                        mine.Add(entry.Id);
                    }
                }
                catch (MessagePack.MessagePackSerializationException)
                {
                    // Undecodable: it names no user we could match.
                }
            }

            if (mine.Count > 0)
            {
                deleted += await db.StreamDeleteAsync(redis.DeadLetterStream, [.. mine]);
            }

            if (page.Length < 500)
            {
                // The user's events already applied may still sit in the event stream until the consumer's next trim:
                // trim now, exactly (what a group still needs stays, and is applied after the erasure).
                await StreamTrimmer.TrimAcknowledgedAsync(db, redis.Stream, exact: true);
                await RewriteAppendOnlyFileAsync(db);
                return deleted;
            }

            // Exclusive start after the last id read.
            from = "(" + page[^1].Id;
        }
    }

    /// <summary>
    /// XDEL and XTRIM leave the deleted entries in Redis's append-only file until it is rewritten: when the file is on,
    /// rewrite it now (in Redis's background). A rewrite already running is logged; the entries go with the next one.
    /// </summary>
    private async Task RewriteAppendOnlyFileAsync(IDatabase db)
    {
        try
        {
            var persistence = (string?)await db.ExecuteAsync("INFO", "persistence") ?? "";
            if (persistence.Contains("aof_enabled:1", StringComparison.Ordinal))
            {
                await db.ExecuteAsync("BGREWRITEAOF");
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException)
        {
            LogWarningAofRewrite(logger, ex);
        }
    }

    private static void Add(DbCommand command, string name, string value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erasure scrub: SQLite database rebuilt and its write-ahead log truncated in {Milliseconds:0} ms")]
    private static partial void LogInformationScrubbed(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Erasure: Redis could not rewrite its append-only file now; deleted dead letters stay in it until the next rewrite")]
    private static partial void LogWarningAofRewrite(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Erasure scrub: the write-ahead log could not be truncated (readers held it); deleted bytes may stay in it until the next checkpoint")]
    private static partial void LogWarningLogNotTruncated(ILogger logger);
}
