using Esrs.Silo.Hosting;
using Esrs.Silo.Storage;
using Esrs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Storage;

namespace Esrs.Tests.Storage;

/// <summary>
/// What the tests of the group-commit storage share: a fresh SQLite file or the test PostgreSQL with Esrs's schema
/// installed, a service id of their own, Orleans' serializer, and a scalar query against either database.
/// </summary>
public abstract class StateDatabaseTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public static TheoryData<string> Stores => new() { "sqlite", "postgresql" };

    protected string ServiceId { get; } = "esrs-gc-" + Guid.NewGuid().ToString("N");

    /// <summary>The grain storage serializer the silo uses.</summary>
    protected OrleansGrainStorageSerializer Serializer => new(_services.GetRequiredService<Serializer>());

    public void Dispose()
    {
        _services.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }

    protected async Task<IStateDatabase> OpenAsync(string store)
    {
        var options = store == "sqlite"
            ? new EsrsSiloOptions { Mode = SiloMode.Embedded, DataDirectory = _directory.Path }
            : new EsrsSiloOptions { Mode = SiloMode.Cluster, PostgreSqlConnectionString = TestServices.PostgreSql };
        await new SchemaInstaller(options, NullLogger<SchemaInstaller>.Instance).InstallAsync(CancellationToken.None);
        return store == "sqlite"
            ? new SqliteStateDatabase(SchemaInstaller.SqliteConnectionString(options.SqliteDatabasePath))
            : new PostgreSqlStateDatabase(TestServices.PostgreSql);
    }

    /// <summary>A scalar of <paramref name="sql"/>, whose <c>@s</c> is this test's service id.</summary>
    protected async Task<long> ScalarAsync(string store, string sql)
    {
        await using System.Data.Common.DbConnection connection = store == "sqlite"
            ? new Microsoft.Data.Sqlite.SqliteConnection(SchemaInstaller.SqliteConnectionString(new EsrsSiloOptions { Mode = SiloMode.Embedded, DataDirectory = _directory.Path }.SqliteDatabasePath))
            : new Npgsql.NpgsqlConnection(TestServices.PostgreSql);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameter = command.CreateParameter();
        parameter.ParameterName = "s";
        parameter.Value = ServiceId;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
