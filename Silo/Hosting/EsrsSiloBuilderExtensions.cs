using System.Net;
using Esrs.Compliance;
using Esrs.Hosting;
using Esrs.Cleaning;
using Esrs.Profiles;
using Esrs.Silo.Ingest;
using Esrs.Silo.Storage;
using Esrs.Silo.Tagging;
using Esrs.Tagging;
using Esrs.Users;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;

namespace Esrs.Silo.Hosting;

/// <summary>Wiring of an Esrs silo: options, storage and schema, clustering, grain services.</summary>
public static class EsrsSiloBuilderExtensions
{
    private const string SqliteInvariant = "System.Data.SQLite";
    private const string PostgreSqlInvariant = "Npgsql";
    private const string TaggerSection = "Esrs:Tagger";

    /// <summary>
    /// Makes this host an Esrs silo configured from <c>Esrs:*</c>: the mode decides storage
    /// (SQLite or PostgreSQL) and clustering (localhost or PostgreSQL membership with reminders).
    /// </summary>
    public static IHostApplicationBuilder AddEsrsSilo(this IHostApplicationBuilder builder, Action<EsrsSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = ReadOptions(builder.Configuration, configure);
        builder.Services.AddRedaction(r => r.SetRedactor<ErasingRedactor>(new DataClassificationSet(EsrsTaxonomy.Secret)));
        builder.Logging.EnableRedaction();
        builder.Services.AddEsrsUsers(o => o.BindEsrsConfiguration());
        var redis = new RedisIngestOptions();
        builder.Configuration.GetSection(RedisIngestOptions.SectionName).Bind(redis);
        builder.Services.AddEsrsRedisIngest(redis);
        var tagger = new TaggerOptions();
        builder.Configuration.GetSection(TaggerSection).Bind(tagger);
        var accelerator = tagger.Enabled && TorchTagModel.DetectAccelerator(tagger);
        var modelDirectory = Path.Combine(options.DataDirectory, "tagger");
        if (options.MetricsPort > 0)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter("Esrs.*", "Microsoft.Orleans")
                .AddPrometheusHttpListener(listener => (listener.Host, listener.Port) = (options.MetricsHost, options.MetricsPort)));
        }

        builder.UseOrleans(silo => silo.AddEsrsStorage(options).UseEsrsClustering(options)
            .AddDashboard()
            .AddEsrsTagging(
                accelerator,
                sp => sp.GetRequiredService<IOptions<TaggerOptions>>().Value is { Enabled: true } o
                    ? TorchTagModel.Load(o, modelDirectory)
                    : new UnavailableTagModel("Tagging is switched off on this silo (Esrs:Tagger:Enabled=false)."),
                o => o.BindConfiguration(TaggerSection)));

        // Orleans' own load shedding (off by default): past the thresholds the silo refuses client
        // requests with GatewayTooBusyException, which the HTTP gateway answers with 503 + Retry-After.
        builder.Services.AddOptions<LoadSheddingOptions>().BindConfiguration("Esrs:LoadShedding");
        return builder;
    }

    /// <summary>Reads and validates <see cref="EsrsSiloOptions"/> eagerly: they choose providers, so they are needed before the container exists.</summary>
    public static EsrsSiloOptions ReadOptions(IConfiguration configuration, Action<EsrsSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new EsrsSiloOptions();
        configuration.GetSection(EsrsSiloOptions.SectionName).Bind(options);
        configure?.Invoke(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(EsrsSiloOptions.SectionName, typeof(EsrsSiloOptions), errors);
        }

        return options;
    }

    /// <summary>Binds the user grain options to their <c>Esrs:*</c> sections.</summary>
    public static EsrsUserOptionsBuilder BindEsrsConfiguration(this EsrsUserOptionsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The binder appends configured list items to a default list: a configured list replaces the default one.
        builder.Validation.BindConfiguration(ValidationOptions.SectionName)
            .PostConfigure<IConfiguration>((o, configuration) =>
            {
                if (configuration.GetSection($"{ValidationOptions.SectionName}:{nameof(ValidationOptions.NonProductItems)}").Get<string[]>() is { Length: > 0 } items)
                {
                    o.NonProductItems = items;
                }
            });
        builder.Dedupe.BindConfiguration(DedupeOptions.SectionName);
        builder.Profiles.BindConfiguration(ProfileOptions.SectionName);
        builder.Quarantine.BindConfiguration(QuarantineOptions.SectionName);
        builder.Tagger.BindConfiguration(TaggerSection);
        builder.Quality.BindConfiguration(Quality.QualityOptions.SectionName)
            .PostConfigure<IConfiguration>((o, configuration) =>
            {
                if (configuration.GetSection($"{Quality.QualityOptions.SectionName}:{nameof(Quality.QualityOptions.Anomaly)}:{nameof(Quality.AnomalyOptions.Metrics)}").Get<string[]>() is { Length: > 0 } metrics)
                {
                    o.Anomaly.Metrics = [.. metrics];
                }
            });
        builder.Rank.BindConfiguration(Recommending.RankOptions.SectionName);
        builder.Recommend.BindConfiguration(Recommending.RecommendOptions.SectionName);
        builder.Catalogue.BindConfiguration(Catalogue.CatalogueOptions.SectionName);
        return builder;
    }

    /// <summary>
    /// Adds the grain storage of the mode, with its schema installed first in the silo lifecycle
    /// and state serialised by Orleans' compact binary serializer.
    /// </summary>
    public static ISiloBuilder AddEsrsStorage(this ISiloBuilder silo, EsrsSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        silo.Services.AddSingleton(options);
        silo.Services.AddSingleton<SchemaInstaller>();
        silo.Services.AddSingleton<IQuarantineSpillStore>(services => new AdoQuarantineSpillStore(
            options, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, services.GetRequiredService<Orleans.Serialization.Serializer>()));
        silo.Services.AddSingleton<IUserEventLog>(services => new AdoUserEventLog(
            options, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, services.GetRequiredService<Orleans.Serialization.Serializer>(),
            services.GetService<GroupCommitter>()));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SchemaInstaller>());
        silo.Services.AddSingleton(services => new UserDataEraser(
            options, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, services,
            services.GetRequiredService<ILogger<UserDataEraser>>()));
        silo.Services.AddSingleton<IUserDataEraser>(sp => sp.GetRequiredService<UserDataEraser>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<UserDataEraser>());
        var (invariant, connectionString) = options.Mode == SiloMode.Embedded
            ? (SqliteInvariant, SchemaInstaller.SqliteConnectionString(options.SqliteDatabasePath))
            : (PostgreSqlInvariant, options.PostgreSqlConnectionString!);
        if (options.GroupCommit)
        {
            silo.Services.AddSingleton<IStateDatabase>(_ => options.Mode == SiloMode.Embedded
                ? new SqliteStateDatabase(connectionString)
                : new PostgreSqlStateDatabase(connectionString));
            silo.Services.AddSingleton(services => new GroupCommitter(services.GetRequiredService<IStateDatabase>()));
            // A user state's write carries the log rows of the events its call applied (AdoUserEventLog.AppendsWithState), and
            // its quarantine and a large dedupe window are kept as rows beside it, written as what the call changed (UserStateRows).
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Users, (services, _) => new ExactKeyGrainStorage(
                new GroupCommitGrainStorage(
                    services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                    services.GetRequiredService<GroupCommitter>(),
                    ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services),
                    appendsOf: state => state is UserState { PendingLog: { Count: > 0 } log } user
                        ? ((AdoUserEventLog)services.GetRequiredService<IUserEventLog>()).ToRows(user.LogWriter ?? throw new InvalidOperationException("A user state with events to log has no writer id."), log)
                        : null,
                    rows: new UserStateRows(
                        ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services), services.GetRequiredService<IOptions<DedupeOptions>>().Value)),
                prefixKeys: false));
            // The registry's writes too (a record touches its entry and several indexes): group-committed, and deleted on clear.
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Identity, (services, _) => new ExactKeyGrainStorage(
                new GroupCommitGrainStorage(
                    services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
                    services.GetRequiredService<GroupCommitter>(),
                    ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services),
                    deleteOnClear: true),
                prefixKeys: false));
        }

        foreach (var name in options.GroupCommit ? [StorageNames.Quality, StorageNames.Recommend, StorageNames.Catalogue] : new[] { StorageNames.Users, StorageNames.Quality, StorageNames.Recommend, StorageNames.Identity, StorageNames.Catalogue })
        {
            // The ADO.NET provider under an inner name; grains reach it only through ExactKeyGrainStorage, which keeps
            // it from reading keys as hex numbers (dotnet/orleans#9706).
            var inner = name + ".ado";
            silo.AddAdoNetGrainStorage(inner, (OptionsBuilder<AdoNetGrainStorageOptions> o) => o.Configure<IServiceProvider>((storage, services) =>
            {
                storage.Invariant = invariant;
                storage.ConnectionString = connectionString;
                storage.GrainStorageSerializer = ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services);
                // Registry entries and identifier indexes are personal: clearing one deletes its row.
                storage.DeleteStateOnClear = name == StorageNames.Identity;
            }));
            silo.Services.AddKeyedSingleton<IGrainStorage>(name, (services, _) => new ExactKeyGrainStorage(services.GetRequiredKeyedService<IGrainStorage>(inner)));
        }

        return silo;
    }

    /// <summary>Localhost clustering in embedded mode; PostgreSQL membership and reminders in cluster mode.</summary>
    public static ISiloBuilder UseEsrsClustering(this ISiloBuilder silo, EsrsSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == SiloMode.Embedded)
        {
            return silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }

        return silo
            .Configure<ClusterOptions>(c =>
            {
                c.ClusterId = options.ClusterId;
                c.ServiceId = options.ServiceId;
            })
            .ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: options.ListenOnAnyAddress)
            .UseAdoNetClustering(c =>
            {
                c.Invariant = PostgreSqlInvariant;
                c.ConnectionString = options.PostgreSqlConnectionString;
            })
            .UseAdoNetReminderService(r =>
            {
                r.Invariant = PostgreSqlInvariant;
                r.ConnectionString = options.PostgreSqlConnectionString;
            });
    }
}
