using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Esrs.Silo.Hosting;

/// <summary>
/// Connections to the silo's own database for the stores beside grain state (the quarantine spill, the user event log):
/// PostgreSQL in cluster mode (a pooled data source), SQLite in embedded mode (pooled connections to the database file).
/// </summary>
public sealed class SiloDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string? _sqlite;

    public SiloDatabase(EsrsSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == SiloMode.Cluster)
        {
            _dataSource = NpgsqlDataSource.Create(options.PostgreSqlConnectionString!);
        }
        else
        {
            _sqlite = SchemaInstaller.SqliteConnectionString(options.SqliteDatabasePath);
        }
    }

    /// <summary>Whether the database is PostgreSQL (array parameters, <c>= ANY</c>) rather than SQLite (<c>IN</c> lists).</summary>
    public bool IsPostgreSql => _dataSource is not null;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Adds a named parameter (the provider infers its type from the value).</summary>
    public static void Add(DbCommand command, string name, object value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public ValueTask DisposeAsync() => _dataSource?.DisposeAsync() ?? ValueTask.CompletedTask;
}
