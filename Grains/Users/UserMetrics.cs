using System.Diagnostics.Metrics;

namespace Esrs.Users;

/// <summary>Instruments of the user grains, on meter <see cref="MeterName"/>.</summary>
public static class UserMetrics
{
    public const string MeterName = "Esrs.Users";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Quarantine entries moved to the spill store for space (kept there).</summary>
    public static Counter<long> QuarantineSpilled { get; } = Meter.CreateCounter<long>("esrs.quarantine.spilled", description: "Quarantine entries moved to the spill store for space");

    /// <summary>Failures after an ingest was durable (monitors, tagging): logged and counted, never the caller's problem.</summary>
    public static Counter<long> Erased { get; } = Meter.CreateCounter<long>("esrs.users.erased", description: "Users erased on request");

    public static Counter<long> AfterWriteFailures { get; } = Meter.CreateCounter<long>("esrs.ingest.after_write_failures", description: "Failures of work after the durable write (monitors, tagging)");
}
