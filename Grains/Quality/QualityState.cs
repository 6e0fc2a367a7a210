namespace Esrs.Quality;

/// <summary>The aggregator's durable state: running totals, open windows, closed windows' headline metrics, alerts.</summary>
[GenerateSerializer, Alias("esrs.quality-state")]
public sealed class QualityState
{
    [Id(0)] public Dictionary<string, QualitySketch> Totals { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, OpenWindow> Open { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public List<ClosedWindow> Closed { get; set; } = [];
    [Id(3)] public List<QualityAlert> Alerts { get; set; } = [];
    [Id(4)] public long NextAlertId { get; set; }
    [Id(5)] public DateTime? LastTick { get; set; }
    [Id(6)] public Dictionary<string, Dictionary<string, double>> LastTickMetrics { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Names of <see cref="ClosedWindow.Values"/>, in order, as they were when written.</summary>
    [Id(7)] public string[] MetricNames { get; set; } = [];

    [Id(8)] public bool AlertsChanged { get; set; }

    /// <summary>The last delivery merged from each sender (collector or shard activation), so a delivery retried after a lost answer is not merged twice.</summary>
    [Id(9)] public Dictionary<string, DeliveryMark> Delivered { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Users erased lately, by a hash of the id (never the id), with when: examples of theirs in deliveries still on the
    /// way are dropped as they arrive, until <see cref="QualityOptions.ErasedMemory"/> has passed.
    /// </summary>
    [Id(10)] public Dictionary<ulong, DateTime> Erased { get; set; } = [];

    /// <summary>Every private export made of these totals: what the privacy budget has spent.</summary>
    [Id(11)] public List<PrivacyRelease> Releases { get; set; } = [];
}

/// <summary>The last sequence merged from one sender, and when.</summary>
[GenerateSerializer, Alias("esrs.quality-delivery-mark")]
public sealed class DeliveryMark
{
    [Id(0)] public long Sequence { get; set; }
    [Id(1)] public DateTime At { get; set; }
}

/// <summary>A window still collecting.</summary>
[GenerateSerializer, Alias("esrs.quality-open-window")]
public sealed class OpenWindow
{
    [Id(0)] public DateTime Start { get; set; }
    [Id(1)] public QualitySketch Sketch { get; set; } = new();
}

/// <summary>A closed window: its headline metrics only.</summary>
[GenerateSerializer, Alias("esrs.quality-closed-window")]
public sealed class ClosedWindow
{
    [Id(0)] public WindowGranularity Granularity { get; set; }
    [Id(1)] public string Source { get; set; } = "";
    [Id(2)] public DateTime Start { get; set; }
    [Id(3)] public long Events { get; set; }
    [Id(4)] public double[] Values { get; set; } = [];
}
