using System.Data.Common;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Esrs.Silo.Hosting;

/// <summary>
/// Applies the project's own SQL (the Orleans ADO.NET packages ship none) before any provider
/// reads it: first thing in the silo lifecycle. The scripts are idempotent, so every silo runs
/// them at every start; on PostgreSQL an advisory lock keeps concurrent starts from interleaving.
/// </summary>
public sealed partial class SchemaInstaller(EsrsSiloOptions options, ILogger<SchemaInstaller> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Advisory lock key ("ESRSSQL") that serialises schema installs on one PostgreSQL database.</summary>
    private const long AdvisoryLockKey = 0x4553_5253_5351_4C;

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(SchemaInstaller), ServiceLifecycleStage.First, InstallAsync);
    }

    /// <summary>Applies the scripts of the configured mode.</summary>
    public async Task InstallAsync(CancellationToken cancellationToken)
    {
        if (options.Mode == SiloMode.Embedded)
        {
            await InstallSqliteAsync(options.SqliteDatabasePath, cancellationToken);
        }
        else
        {
            await InstallPostgreSqlAsync(options.PostgreSqlConnectionString!, cancellationToken);
        }
    }

    /// <summary>The SQLite connection string of the embedded database.</summary>
    public static string SqliteConnectionString(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = databasePath, DefaultTimeout = 60, Pooling = true }.ToString();

    private async Task InstallSqliteAsync(string databasePath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        await using var connection = new SqliteConnection(SqliteConnectionString(databasePath));
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "Sqlite-Storage.sql", cancellationToken);
        LogInformationSchemaApplied(logger, "SQLite", databasePath);
    }

    private async Task InstallPostgreSqlAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var script in new[] { "PostgreSql-Storage.sql", "PostgreSql-Clustering.sql", "PostgreSql-Reminders.sql" })
        {
            await ExecuteAsync(connection, transaction, script, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogInformationSchemaApplied(logger, "PostgreSQL", connection.Database);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string script, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = ReadScript(script);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The text of an embedded schema script.</summary>
    public static string ReadScript(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Esrs.Sql." + name)
            ?? throw new InvalidOperationException($"Schema script {name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Esrs schema applied to {Provider} database {Database}")]
    private static partial void LogInformationSchemaApplied(ILogger logger, string provider, string database);
}
