using Microsoft.Data.Sqlite;

namespace Esrs.Silo.Storage;

/// <summary>
/// <c>EsrsGrainState</c> in the embedded SQLite database. SQLite has one writer at a time: one connection, kept open,
/// does every group commit (no lock contention, no busy waits); WAL with <c>synchronous=FULL</c>, so a commit is on disk
/// when it returns. Reads use pooled connections of their own, which WAL lets run beside the writer.
/// </summary>
public sealed class SqliteStateDatabase : IStateDatabase
{
    private const string ReadSql = "SELECT Version, Payload FROM EsrsGrainState WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k";
    private const string InsertSql = """
        INSERT INTO EsrsGrainState (ServiceId, GrainType, GrainKey, Version, Payload, ModifiedOn)
        VALUES ($s, $t, $k, 1, $p, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ON CONFLICT DO NOTHING RETURNING Version
        """;
    private const string UpdateSql = """
        UPDATE EsrsGrainState SET Payload = $p, Version = Version + 1, ModifiedOn = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k AND Version = $v RETURNING Version
        """;

    private const string AppendSql = """
        INSERT INTO EsrsUserEventLog (ServiceId, UserKey, Writer, Sequence, Payload) VALUES ($s, $u, $w, $q, $p)
        ON CONFLICT (ServiceId, UserKey, Writer, Sequence) DO UPDATE SET Payload = excluded.Payload
        """;

    // One statement, so one snapshot without a read transaction: the state's row (kind 0) first, then the rows beside it in key order.
    private const string ReadWithRowsSql = """
        SELECT 0, Version, Payload FROM EsrsGrainState WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k
        UNION ALL
        SELECT 1, RowKey, Payload FROM EsrsGrainStateRow WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k
        ORDER BY 1, 2
        """;
    private const string RowUpsertSql = """
        INSERT INTO EsrsGrainStateRow (ServiceId, GrainType, GrainKey, RowKey, Payload) VALUES ($s, $t, $k, $r, $p)
        ON CONFLICT (ServiceId, GrainType, GrainKey, RowKey) DO UPDATE SET Payload = excluded.Payload
        """;
    private const string RowDeleteSql = "DELETE FROM EsrsGrainStateRow WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k AND RowKey = $r";
    private const string RowsDeleteSql = "DELETE FROM EsrsGrainStateRow WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k";

    private const string DeleteSql = """
        DELETE FROM EsrsGrainState WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k AND Version = $v RETURNING 0
        """;

    private readonly string _connectionString;
    private readonly SqliteCommand _append;
    private readonly SqliteCommand _delete;
    private readonly SqliteConnection _writer;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _rowUpsert;
    private readonly SqliteCommand _rowDelete;
    private readonly SqliteCommand _rowsDelete;

    public SqliteStateDatabase(string connectionString)
    {
        _connectionString = connectionString;
        _writer = new SqliteConnection(connectionString);
        _writer.Open();
        using (var pragma = _writer.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 60000;";
            pragma.ExecuteNonQuery();
        }

        _insert = Command(InsertSql, "$s", "$t", "$k", "$p");
        _update = Command(UpdateSql, "$s", "$t", "$k", "$p", "$v");
        _delete = Command(DeleteSql, "$s", "$t", "$k", "$v");
        _append = Command(AppendSql, "$s", "$u", "$w", "$q", "$p");
        _rowUpsert = Command(RowUpsertSql, "$s", "$t", "$k", "$r", "$p");
        _rowDelete = Command(RowDeleteSql, "$s", "$t", "$k", "$r");
        _rowsDelete = Command(RowsDeleteSql, "$s", "$t", "$k");
    }

    public int MaxConcurrentCommits => 1;

    private SqliteCommand Command(string sql, params string[] names)
    {
        var command = _writer.CreateCommand();
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    public async Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken, bool withRows = false)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = withRows ? ReadWithRowsSql : ReadSql;
        command.Parameters.AddWithValue("$s", serviceId);
        command.Parameters.AddWithValue("$t", grainType);
        command.Parameters.AddWithValue("$k", grainKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!withRows)
        {
            return await reader.ReadAsync(cancellationToken)
                ? new StoredState(reader.GetInt64(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1))
                : null;
        }

        // No state row: nothing is stored (rows are only ever written with it).
        if (!await reader.ReadAsync(cancellationToken) || reader.GetInt64(0) != 0)
        {
            return null;
        }

        var (version, payload) = (reader.GetInt64(1), reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2));
        var rows = new List<StateRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StateRow(reader.GetInt64(1), (byte[])reader.GetValue(2)));
        }

        return new StoredState(version, payload, rows);
    }

    public Task WriteBatchAsync(IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // BEGIN IMMEDIATE: the write lock up front, so the batch cannot fail half-way for want of it.
        using var transaction = _writer.BeginTransaction(deferred: false);
        foreach (var write in batch)
        {
            if (write.Delete)
            {
                if (write.ExpectedVersion is not { } stored)
                {
                    // Nothing was stored: nothing to delete.
                    write.NewVersion = 0;
                    continue;
                }

                _delete.Transaction = transaction;
                (_delete.Parameters[0].Value, _delete.Parameters[1].Value, _delete.Parameters[2].Value, _delete.Parameters[3].Value) =
                    (write.ServiceId, write.GrainType, write.GrainKey, stored);
                write.NewVersion = _delete.ExecuteScalar() is long ? 0 : null;
                if (write.NewVersion is not null)
                {
                    DeleteRows(transaction, write, key: null);
                }

                continue;
            }

            var command = write.ExpectedVersion is null ? _insert : _update;
            command.Transaction = transaction;
            command.Parameters[0].Value = write.ServiceId;
            command.Parameters[1].Value = write.GrainType;
            command.Parameters[2].Value = write.GrainKey;
            command.Parameters[3].Value = (object?)write.Payload ?? DBNull.Value;
            if (write.ExpectedVersion is { } expected)
            {
                command.Parameters[4].Value = expected;
            }

            write.NewVersion = command.ExecuteScalar() is long version ? version : null;
            if (write.NewVersion is not null && write.Appends is { Count: > 0 } rows)
            {
                // The log rows of what this state holds, in its transaction: both or neither.
                _append.Transaction = transaction;
                _append.Parameters[0].Value = write.ServiceId;
                foreach (var row in rows)
                {
                    (_append.Parameters[1].Value, _append.Parameters[2].Value, _append.Parameters[3].Value, _append.Parameters[4].Value) =
                        (row.UserKey, row.Writer, row.Sequence, row.Payload);
                    _append.ExecuteNonQuery();
                }
            }

            if (write.NewVersion is not null)
            {
                WriteRows(transaction, write);
            }
        }

        transaction.Commit();
        return Task.CompletedTask;
    }

    /// <summary>The rows beside a written state: all removed when it was cleared, else the write's changes.</summary>
    private void WriteRows(SqliteTransaction transaction, StateWrite write)
    {
        if (write.Payload is null)
        {
            DeleteRows(transaction, write, key: null);
            return;
        }

        if (write.Rows is not { IsEmpty: false } changes)
        {
            return;
        }

        if (changes.ReplaceAll)
        {
            DeleteRows(transaction, write, key: null);
        }

        foreach (var key in changes.Deletes)
        {
            DeleteRows(transaction, write, key);
        }

        _rowUpsert.Transaction = transaction;
        (_rowUpsert.Parameters[0].Value, _rowUpsert.Parameters[1].Value, _rowUpsert.Parameters[2].Value) = (write.ServiceId, write.GrainType, write.GrainKey);
        foreach (var row in changes.Upserts)
        {
            (_rowUpsert.Parameters[3].Value, _rowUpsert.Parameters[4].Value) = (row.Key, row.Payload);
            _rowUpsert.ExecuteNonQuery();
        }
    }

    private void DeleteRows(SqliteTransaction transaction, StateWrite write, long? key)
    {
        var command = key is null ? _rowsDelete : _rowDelete;
        command.Transaction = transaction;
        (command.Parameters[0].Value, command.Parameters[1].Value, command.Parameters[2].Value) = (write.ServiceId, write.GrainType, write.GrainKey);
        if (key is { } k)
        {
            command.Parameters[3].Value = k;
        }

        command.ExecuteNonQuery();
    }

    public ValueTask DisposeAsync()
    {
        _rowUpsert.Dispose();
        _rowDelete.Dispose();
        _rowsDelete.Dispose();
        _insert.Dispose();
        _update.Dispose();
        _delete.Dispose();
        _append.Dispose();
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }
}
