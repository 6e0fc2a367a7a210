using System.Data.Common;
using System.Globalization;
using Esrs.Silo.Storage;
using Esrs.Users;
using Microsoft.Data.Sqlite;
using Npgsql;
using Orleans.Serialization;

namespace Esrs.Silo.Hosting;

/// <summary>
/// The user event log (<c>EsrsUserEvents</c>, created by the schema scripts) on the silo's own database. Appends go
/// through the group committer when the silo has one (a grain's log rows share the next commit, and its fsync, with other
/// grains' writes), else in a transaction of their own; reads go to the database directly. Entries are stored with
/// Orleans' serializer, as grain state is.
/// </summary>
public sealed class AdoUserEventLog : IUserEventLog, IAsyncDisposable
{
    private readonly string _serviceId;
    private readonly Serializer _serializer;
    private readonly GroupCommitter? _committer;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string? _sqlite;

    public AdoUserEventLog(EsrsSiloOptions options, string serviceId, Serializer serializer, GroupCommitter? committer)
    {
        ArgumentNullException.ThrowIfNull(options);
        _serviceId = serviceId;
        _serializer = serializer;
        _committer = committer;
        if (options.Mode == SiloMode.Cluster)
        {
            _dataSource = NpgsqlDataSource.Create(options.PostgreSqlConnectionString!);
        }
        else
        {
            _sqlite = SchemaInstaller.SqliteConnectionString(options.SqliteDatabasePath);
        }
    }

    public async Task AppendAsync(IReadOnlyList<LoggedEvent> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var rows = new LogRow[entries.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var e = entries[i];
            rows[i] = new LogRow(e.Origin, unchecked((long)e.Identity), e.Sequence, _serializer.SerializeToArray(e));
        }

        if (_committer is not null)
        {
            await _committer.WriteAsync(StateWrite.Append(_serviceId, rows));
            return;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var row in rows)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO EsrsUserEvents (ServiceId, UserKey, Identity, Sequence, Payload)
                VALUES (@service, @user, @identity, @sequence, @payload) ON CONFLICT DO NOTHING
                """;
            Add(command, "service", _serviceId);
            Add(command, "user", row.UserKey);
            Add(command, "identity", row.Identity);
            Add(command, "sequence", row.Sequence);
            Add(command, "payload", row.Payload);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LoggedEvent>> ReadAsync(IReadOnlyCollection<string> origins, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origins);
        var entries = new List<LoggedEvent>();
        if (origins.Count == 0)
        {
            return entries;
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        Add(command, "service", _serviceId);
        if (_dataSource is not null)
        {
            command.CommandText = "SELECT Payload FROM EsrsUserEvents WHERE ServiceId = @service AND UserKey = ANY(@users)";
            Add(command, "users", origins.ToArray());
        }
        else
        {
            var names = origins.Select((origin, i) =>
            {
                var name = "u" + i.ToString(CultureInfo.InvariantCulture);
                Add(command, name, origin);
                return "@" + name;
            }).ToList();
            command.CommandText = $"SELECT Payload FROM EsrsUserEvents WHERE ServiceId = @service AND UserKey IN ({string.Join(',', names)})";
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(_serializer.Deserialize<LoggedEvent>((byte[])reader.GetValue(0)) ?? throw new InvalidDataException("A user event log row holds no event."));
        }

        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
