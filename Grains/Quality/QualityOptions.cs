namespace Esrs.Quality;

/// <summary>Data-quality monitoring: sharding, flush cadence, window retention, drift and anomaly settings (<c>Esrs:Quality</c>).</summary>
public sealed class QualityOptions
{
    public const string SectionName = "Esrs:Quality";

    /// <summary>Whether user grains report their outcomes to the monitors.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Monitor shards; a user's shard is a hash of the user key.</summary>
    public int Shards { get; set; } = 8;

    /// <summary>How often a silo's collector sends its gathered sketches to the shards.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A shard's gathered events that make the collector send at once instead of waiting for the interval.</summary>
    public int FlushEvents { get; set; } = 20_000;

    /// <summary>How often a shard pushes to the aggregator.</summary>
    public TimeSpan PushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the aggregator evaluates what arrived (drift, windows, anomalies, alerts).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long examples of an erased user are still dropped when a delivery brings them (deliveries take seconds).</summary>
    public TimeSpan ErasedMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Total ε the private exports may ever spend on these totals (each release is of all of them).</summary>
    public double PrivacyBudget { get; set; } = 10;

    /// <summary>Total δ the private exports may ever spend (δ adds up over releases too).</summary>
    public double PrivacyDeltaBudget { get; set; } = 1e-4;

    public TimeSpan MinuteRetention { get; set; } = TimeSpan.FromHours(6);
    public TimeSpan HourRetention { get; set; } = TimeSpan.FromDays(14);
    public TimeSpan DayRetention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Resolved alerts kept in history.</summary>
    public int AlertHistory { get; set; } = 500;

    /// <summary>
    /// Distinct sources the monitors keep apart; events of further sources, and of sources with names longer than
    /// <see cref="MaxSourceLength"/>, are counted under <see cref="OtherSource"/> (one caller cannot grow the monitors' state).
    /// </summary>
    public int MaxSources { get; set; } = 64;

    /// <summary>Longest source name kept as its own source.</summary>
    public int MaxSourceLength { get; set; } = 64;

    /// <summary>The pseudo-source of events whose own source is beyond <see cref="MaxSources"/> or <see cref="MaxSourceLength"/>.</summary>
    public const string OtherSource = "~other";

    public DriftOptions Drift { get; set; } = new();

    public AnomalyOptions Anomaly { get; set; } = new();
}

/// <summary>When a distribution counts as drifted against its reference (everything the source sent before this tick).</summary>
public sealed class DriftOptions
{
    /// <summary>Events needed in the tick and in the reference before drift is judged.</summary>
    public long MinEvents { get; set; } = 1_000;

    public double PsiThreshold { get; set; } = 0.25;
    public double JsThreshold { get; set; } = 0.1;
    public double KsThreshold { get; set; } = 0.3;
}

/// <summary>The two anomaly detectors run on each watched metric's minute history when a minute closes.</summary>
public sealed class AnomalyOptions
{
    /// <summary>Metrics watched (names of <see cref="QualityMetrics.Headline"/>).</summary>
    public List<string> Metrics { get; set; } = ["acceptance", "duplicate_rate", "quarantine_rate", "repair_rate", "completeness", "freshness_p95_s"];

    /// <summary>Windows with fewer events are not judged (and do not count as history).</summary>
    public long MinEvents { get; set; } = 100;

    /// <summary>Earlier windows looked at.</summary>
    public int HistoryWindows { get; set; } = 60;

    public bool RateOfChange { get; set; } = true;
    public double MaxRelativeChange { get; set; } = 0.5;
    public double MinMagnitude { get; set; } = 0.05;

    public bool OnlineNormal { get; set; } = true;
    public double Sigmas { get; set; } = 5;
    public int MinHistory { get; set; } = 20;
    public double MinSigma { get; set; } = 0.005;
}
