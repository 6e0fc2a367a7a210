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

    private const string DeleteSql = """
        DELETE FROM EsrsGrainState WHERE ServiceId = $s AND GrainType = $t AND GrainKey = $k AND Version = $v RETURNING 0
        """;

    private readonly string _connectionString;
    private readonly SqliteCommand _append;
    private readonly SqliteCommand _delete;
    private readonly SqliteConnection _writer;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;

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

    public async Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = ReadSql;
        command.Parameters.AddWithValue("$s", serviceId);
        command.Parameters.AddWithValue("$t", grainType);
        command.Parameters.AddWithValue("$k", grainKey);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredState(reader.GetInt64(0), reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1));
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
        }

        transaction.Commit();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _insert.Dispose();
        _update.Dispose();
        _delete.Dispose();
        _append.Dispose();
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }
}
