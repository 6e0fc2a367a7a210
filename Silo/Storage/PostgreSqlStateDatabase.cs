using Npgsql;
using NpgsqlTypes;

namespace Esrs.Silo.Storage;

/// <summary>
/// <c>EsrsGrainState</c> in PostgreSQL: a group commit is one transaction holding one batch of statements (one round
/// trip) and one commit (one WAL flush). A few commits may be in flight at once, each on its own connection.
/// </summary>
public sealed class PostgreSqlStateDatabase(string connectionString, int maxConcurrentCommits = 4) : IStateDatabase
{
    private const string ReadSql = "SELECT Version, Payload FROM EsrsGrainState WHERE ServiceId = $1 AND GrainType = $2 AND GrainKey = $3";
    private const string InsertSql = """
        INSERT INTO EsrsGrainState (ServiceId, GrainType, GrainKey, Version, Payload, ModifiedOn)
        VALUES ($1, $2, $3, 1, $4, now()) ON CONFLICT DO NOTHING RETURNING Version
        """;
    private const string UpdateSql = """
        UPDATE EsrsGrainState SET Payload = $4, Version = Version + 1, ModifiedOn = now()
        WHERE ServiceId = $1 AND GrainType = $2 AND GrainKey = $3 AND Version = $5 RETURNING Version
        """;

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public int MaxConcurrentCommits => maxConcurrentCommits;

    public async Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(ReadSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredState(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1));
    }

    public async Task WriteBatchAsync(IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var commands = new NpgsqlBatch(connection, transaction);
        foreach (var write in batch)
        {
            if (write.Delete)
            {
                // One result per write keeps the answers in line with the batch: a no-op select when nothing was stored.
                var delete = new NpgsqlBatchCommand(write.ExpectedVersion is null
                    ? "SELECT 0::bigint"
                    : "DELETE FROM EsrsGrainState WHERE ServiceId = $1 AND GrainType = $2 AND GrainKey = $3 AND Version = $4 RETURNING 0::bigint");
                if (write.ExpectedVersion is { } stored)
                {
                    delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.ServiceId });
                    delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.GrainType });
                    delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.GrainKey });
                    delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = stored });
                }

                commands.BatchCommands.Add(delete);
                continue;
            }

            var sql = write.ExpectedVersion is null ? InsertSql : UpdateSql;
            var command = new NpgsqlBatchCommand(write.Appends is { Count: > 0 } ? WithAppends(sql, write.ExpectedVersion is null ? 5 : 6) : sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.ServiceId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.GrainType });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = write.GrainKey });
            command.Parameters.Add(write.Payload is null
                ? new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = DBNull.Value }
                : new NpgsqlParameter<byte[]> { TypedValue = write.Payload });
            if (write.ExpectedVersion is { } expected)
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected });
            }

            if (write.Appends is { Count: > 0 } rows)
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.UserKey)] });
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Writer)] });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Sequence)] });
                command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. rows.Select(r => r.Payload)] });
            }

            commands.BatchCommands.Add(command);
        }

        await using (var reader = await commands.ExecuteReaderAsync(cancellationToken))
        {
            var i = 0;
            do
            {
                batch[i++].NewVersion = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : null;
            }
            while (await reader.NextResultAsync(cancellationToken));

            if (i != batch.Count)
            {
                throw new InvalidOperationException($"A group commit of {batch.Count} writes returned {i} results.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>
    /// The state statement with the log rows in one statement: they are inserted only when the state statement returned its
    /// row (the version matched), and the answer is still the state's version or nothing. The rows' arrays are parameters
    /// <paramref name="first"/> to <paramref name="first"/> + 3.
    /// </summary>
    private static string WithAppends(string stateSql, int first) => $"""
        WITH written AS ({stateSql}),
        appended AS (
            INSERT INTO EsrsUserEventLog (ServiceId, UserKey, Writer, Sequence, Payload)
            SELECT $1, u, w, q, p FROM unnest(${first}::text[], ${first + 1}::text[], ${first + 2}::bigint[], ${first + 3}::bytea[]) AS r(u, w, q, p)
            WHERE EXISTS (SELECT 1 FROM written)
            ON CONFLICT (ServiceId, UserKey, Writer, Sequence) DO UPDATE SET Payload = excluded.Payload)
        SELECT Version FROM written
        """;
}
