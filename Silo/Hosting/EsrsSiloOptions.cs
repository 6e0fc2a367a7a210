using System.Net;
using Esrs.Compliance;

namespace Esrs.Silo.Hosting;

/// <summary>Where and how a silo runs (configuration section <c>Esrs:Silo</c>).</summary>
public sealed class EsrsSiloOptions
{
    public const string SectionName = "Esrs:Silo";

    /// <summary><see cref="SiloMode.Embedded"/> (default) or <see cref="SiloMode.Cluster"/>.</summary>
    public SiloMode Mode { get; set; } = SiloMode.Embedded;

    /// <summary>Folder of the embedded SQLite database (<c>esrs.db</c>); relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>PostgreSQL connection string, required in cluster mode. A secret: never logged.</summary>
    [SecretData]
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>Identity of the service; grain state is keyed by it, so keep it across deployments.</summary>
    public string ServiceId { get; set; } = "esrs";

    /// <summary>Identity of this deployment's cluster; silos with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "esrs";

    /// <summary>
    /// User grain state through Esrs's own table with group commit (default): concurrent grain writes share one transaction
    /// and one log flush, each acknowledged after that commit. False: Orleans' ADO.NET provider, one transaction per write
    /// (kept as the baseline the benchmarks compare against).
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>
    /// After erasing a user on SQLite, rebuild the database (<c>VACUUM</c>) and truncate its write-ahead log, so no freed
    /// page or log frame keeps the erased bytes (default). Costs time in proportion to the database; erasures are rare.
    /// </summary>
    public bool ScrubAfterErase { get; set; } = true;

    /// <summary>Port silos talk to each other on.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the gateway, the load client) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address other silos reach this one at, in cluster mode.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// In cluster mode, whether the silo and gateway ports listen on every interface (true) or only on
    /// <see cref="AdvertisedAddress"/> (false, the default). Orleans' ports carry no authentication or encryption:
    /// open them only on a private network (README, "Network exposure").
    /// </summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// Port of this silo's Prometheus scrape endpoint (<c>http://{MetricsHost}:{MetricsPort}/metrics</c>: the <c>Esrs.*</c>
    /// meters of tagger, user grains and quality collector, and Orleans'); 0 turns it off.
    /// </summary>
    public int MetricsPort { get; set; } = 9464;

    /// <summary>Interface the metrics endpoint listens on.</summary>
    public string MetricsHost { get; set; } = "127.0.0.1";

    /// <summary>The path of the embedded database file.</summary>
    public string SqliteDatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "esrs.db");

    /// <summary>Validation errors of these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"{SectionName}:Mode must be Embedded or Cluster.");
        }

        if (Mode == SiloMode.Embedded && string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add($"{SectionName}:DataDirectory is required in embedded mode.");
        }

        if (Mode == SiloMode.Cluster && string.IsNullOrWhiteSpace(PostgreSqlConnectionString))
        {
            errors.Add($"{SectionName}:PostgreSqlConnectionString is required in cluster mode.");
        }

        if (string.IsNullOrWhiteSpace(ServiceId) || string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add($"{SectionName}:ServiceId and {SectionName}:ClusterId must not be blank.");
        }

        if (SiloPort is < 1 or > 65535 || GatewayPort is < 1 or > 65535 || SiloPort == GatewayPort)
        {
            errors.Add($"{SectionName}:SiloPort and GatewayPort must be distinct ports in 1..65535.");
        }

        if (Mode == SiloMode.Cluster && !IPAddress.TryParse(AdvertisedAddress, out _))
        {
            errors.Add($"{SectionName}:AdvertisedAddress must be an IP address.");
        }

        return errors;
    }
}
