namespace Esrs.Silo.Hosting;

/// <summary>How a silo finds its peers and keeps its state.</summary>
public enum SiloMode
{
    /// <summary>One silo on this machine: localhost clustering, SQLite grain storage under the data directory.</summary>
    Embedded = 0,

    /// <summary>Several silos: PostgreSQL for grain storage, cluster membership and reminders.</summary>
    Cluster = 1,
}
