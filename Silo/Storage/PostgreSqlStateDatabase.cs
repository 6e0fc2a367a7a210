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

    // One statement, so one snapshot: the state and the rows beside it (as two arrays in key order; null when none).
    private const string ReadWithRowsSql = """
        SELECT s.Version, s.Payload,
            (SELECT array_agg(r.RowKey ORDER BY r.RowKey) FROM EsrsGrainStateRow r WHERE r.ServiceId = $1 AND r.GrainType = $2 AND r.GrainKey = $3),
            (SELECT array_agg(r.Payload ORDER BY r.RowKey) FROM EsrsGrainStateRow r WHERE r.ServiceId = $1 AND r.GrainType = $2 AND r.GrainKey = $3)
        FROM EsrsGrainState s WHERE s.ServiceId = $1 AND s.GrainType = $2 AND s.GrainKey = $3
        """;

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    public int MaxConcurrentCommits => maxConcurrentCommits;

    public async Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken, bool withRows = false)
    {
        await using var command = _source.CreateCommand(withRows ? ReadWithRowsSql : ReadSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var (version, payload) = (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1));
        if (!withRows)
        {
            return new StoredState(version, payload);
        }

        var rows = new List<StateRow>();
        if (!reader.IsDBNull(2))
        {
            var keys = reader.GetFieldValue<long[]>(2);
            var payloads = reader.GetFieldValue<byte[][]>(3);
            for (var i = 0; i < keys.Length; i++)
            {
                rows.Add(new StateRow(keys[i], payloads[i]));
            }
        }

        return new StoredState(version, payload, rows);
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
                    : Statement("DELETE FROM EsrsGrainState WHERE ServiceId = $1 AND GrainType = $2 AND GrainKey = $3 AND Version = $4 RETURNING 0::bigint AS Version", null, AllRows, null));
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

            // Parameters: the state's 4 or 5, then the log rows' 4 arrays, then the rows' upserted keys and payloads and deleted keys.
            var next = write.ExpectedVersion is null ? 5 : 6;
            int? appendsFrom = write.Appends is { Count: > 0 } ? next : null;
            next += appendsFrom is null ? 0 : 4;
            // The rows beside the state: all removed with a clear, else the write's changes.
            var rowChanges = write.Payload is null ? null : write.Rows is { IsEmpty: false } changes ? changes : null;
            var deleteWhere = write.Payload is null ? AllRows
                : rowChanges is null ? null
                : rowChanges.ReplaceAll ? $"NOT (RowKey = ANY(${next}::bigint[]))"
                : rowChanges.Deletes.Count > 0 ? $"RowKey = ANY(${next + 2}::bigint[])"
                : null;
            var sql = Statement(write.ExpectedVersion is null ? InsertSql : UpdateSql, appendsFrom, deleteWhere, rowChanges is null ? null : next);
            var command = new NpgsqlBatchCommand(sql);
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

            if (rowChanges is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rowChanges.Upserts.Select(r => r.Key)] });
                command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. rowChanges.Upserts.Select(r => r.Payload)] });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rowChanges.Deletes] });
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

    private const string AllRows = "true";

    /// <summary>
    /// The state statement (answering its version, or nothing on a version conflict) with what goes in with it, in one
    /// statement and only when it answered: the log rows in the arrays at parameter <paramref name="appendsFrom"/> to
    /// <paramref name="appendsFrom"/> + 3; the rows beside the state matching <paramref name="deleteWhere"/> removed; the
    /// rows in the arrays of keys and payloads at <paramref name="upsertsFrom"/> and the next written. The keys deleted and
    /// upserted never overlap (one statement may not touch a row twice). The answer is still the state's version or nothing.
    /// </summary>
    private static string Statement(string stateSql, int? appendsFrom, string? deleteWhere, int? upsertsFrom)
    {
        if (appendsFrom is null && deleteWhere is null && upsertsFrom is null)
        {
            return stateSql;
        }

        var sql = new System.Text.StringBuilder($"WITH written AS ({stateSql})");
        if (appendsFrom is { } a)
        {
            sql.Append($"""
                , appended AS (
                    INSERT INTO EsrsUserEventLog (ServiceId, UserKey, Writer, Sequence, Payload)
                    SELECT $1, u, w, q, p FROM unnest(${a}::text[], ${a + 1}::text[], ${a + 2}::bigint[], ${a + 3}::bytea[]) AS r(u, w, q, p)
                    WHERE EXISTS (SELECT 1 FROM written)
                    ON CONFLICT (ServiceId, UserKey, Writer, Sequence) DO UPDATE SET Payload = excluded.Payload)
                """);
        }

        if (deleteWhere is not null)
        {
            sql.Append($"""
                , rows_deleted AS (
                    DELETE FROM EsrsGrainStateRow WHERE ServiceId = $1 AND GrainType = $2 AND GrainKey = $3 AND EXISTS (SELECT 1 FROM written)
                    AND {deleteWhere})
                """);
        }

        if (upsertsFrom is { } u)
        {
            sql.Append($"""
                , rows_upserted AS (
                    INSERT INTO EsrsGrainStateRow (ServiceId, GrainType, GrainKey, RowKey, Payload)
                    SELECT $1, $2, $3, k, p FROM unnest(${u}::bigint[], ${u + 1}::bytea[]) AS r(k, p)
                    WHERE EXISTS (SELECT 1 FROM written)
                    ON CONFLICT (ServiceId, GrainType, GrainKey, RowKey) DO UPDATE SET Payload = excluded.Payload)
                """);
        }

        return sql.Append(" SELECT Version FROM written").ToString();
    }
}
