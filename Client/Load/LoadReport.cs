using System.Globalization;
using System.Text;
using System.Text.Json;
using Esrs.Events;
using HdrHistogram;

namespace Esrs.Client.Load;

/// <summary>Percentiles of one latency histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max)
{
    public static LatencySummary From(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }

        double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) / 1000.0;
        return new LatencySummary(histogram.TotalCount, Ms(50), Ms(90), Ms(99), Ms(99.9), histogram.GetMaxValue() / 1000.0);
    }
}

/// <summary>Sent and outcomes of one dirt kind (outcomes only through HTTP).</summary>
public sealed record DirtOutcomes(string Dirt, long Sent, long Accepted, long Repaired, long DuplicatesById, long DuplicatesByContent, long Quarantined);

/// <summary>The final report of a load run (<c>--json</c> writes it as is).</summary>
public sealed record LoadReport
{
    public required string RunId { get; init; }
    public required string Target { get; init; }
    public required string Mode { get; init; }
    public required int Batch { get; init; }
    public required double ReadShare { get; init; }
    public required double Seconds { get; init; }
    public required long EventsSent { get; init; }
    public required long EventsAcknowledged { get; init; }
    public required long EventsAbandoned { get; init; }
    public required long WriteRequests { get; init; }
    public required long ReadRequests { get; init; }
    public required long ReadsFailed { get; init; }
    public required double AcknowledgedEventsPerSecond { get; init; }
    public required double RequestsPerSecond { get; init; }
    public required LatencySummary WriteLatencyMs { get; init; }
    public required LatencySummary ReadLatencyMs { get; init; }
    public required LatencySummary EventToVisibleMs { get; init; }

    /// <summary>Profile reads from when the client sent them: <see cref="ReadLatencyMs"/> less the client's own lag.</summary>
    public required LatencySummary ReadFromSendLatencyMs { get; init; }

    /// <summary>Open loop: how late the client started its requests against the schedule (empty in a closed loop).</summary>
    public required LatencySummary SendLagMs { get; init; }
    public required long Probes { get; init; }
    public required long ProbesNotVisible { get; init; }
    public required IReadOnlyDictionary<string, long> Errors { get; init; }

    /// <summary>Events acknowledged in each second of the run.</summary>
    public required IReadOnlyList<long> AcknowledgedPerSecond { get; init; }

    /// <summary>Failed attempts (retried or not) in each second of the run.</summary>
    public required IReadOnlyList<long> ErrorsPerSecond { get; init; }

    /// <summary>Per dirt kind, what Esrs did with the events (HTTP only; empty through Redis).</summary>
    public required IReadOnlyList<DirtOutcomes> Outcomes { get; init; }

    internal static LoadReport From(LoadStats stats, LoadSettings settings, LoadWorkload workload, LoadTarget target, TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var outcomes = target.OutcomesKnown
            ? Enum.GetValues<DirtKind>().Select(d => new DirtOutcomes(LoadLedger.DirtName(d), stats.Sent(d),
                stats.Outcome(OutcomeKind.Accepted, d), stats.Outcome(OutcomeKind.Repaired, d), stats.Outcome(OutcomeKind.DuplicateById, d),
                stats.Outcome(OutcomeKind.DuplicateByContent, d), stats.Outcome(OutcomeKind.Quarantined, d))).ToArray()
            : [];
        return new LoadReport
        {
            RunId = workload.RunId,
            Target = target.Describe,
            Mode = settings.Rate is { } rate
                ? string.Create(CultureInfo.InvariantCulture, $"open loop, {rate:N0} requests/s")
                : string.Create(CultureInfo.InvariantCulture, $"closed loop, {settings.Concurrency:N0} in flight"),
            Batch = settings.Batch,
            ReadShare = settings.ReadShare,
            Seconds = Math.Round(seconds, 3),
            EventsSent = stats.EventsSent,
            EventsAcknowledged = stats.EventsAcknowledged,
            EventsAbandoned = stats.EventsAbandoned,
            WriteRequests = stats.WriteRequests,
            ReadRequests = stats.ReadRequests,
            ReadsFailed = stats.ReadsFailed,
            AcknowledgedEventsPerSecond = Math.Round(stats.EventsAcknowledged / seconds, 1),
            RequestsPerSecond = Math.Round((stats.WriteRequests + stats.ReadRequests) / seconds, 1),
            WriteLatencyMs = LatencySummary.From(stats.Writes),
            ReadLatencyMs = LatencySummary.From(stats.Reads),
            EventToVisibleMs = LatencySummary.From(stats.Visible),
            ReadFromSendLatencyMs = LatencySummary.From(stats.ReadsFromSend),
            SendLagMs = LatencySummary.From(stats.SendLag),
            Probes = stats.Probes,
            ProbesNotVisible = stats.ProbesTimedOut,
            Errors = stats.Errors.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value),
            Outcomes = outcomes,
            AcknowledgedPerSecond = stats.AckedPerSecond((int)Math.Ceiling(seconds)),
            ErrorsPerSecond = stats.ErrorsPerSecond((int)Math.Ceiling(seconds)),
        };
    }

    /// <summary>
    /// Seconds from <paramref name="faultAt"/> until acknowledged events are back to half the run's steady rate (its median
    /// whole second among those that acknowledged anything: an outage's empty seconds, however long, do not pull it down)
    /// and stay there for <paramref name="baselineSeconds"/> seconds (or to the end of the run): 0 when they
    /// never fell below half, null when they never came back to stay. The seconds just before the fault are no baseline:
    /// a grid still catching up after its start sends a burst there (282 events/s against a steady 140 in one run, which
    /// then read as recovered only 28 s after a kill it had got over in 11). A burst in
    /// the middle of an outage (retries let through for a second) is not a recovery, and a one-second dip long after it
    /// does not undo one. Only whole seconds of the run count: the last, partial one always holds fewer.
    /// </summary>
    public double? RecoverySeconds(double faultAt, int baselineSeconds = 5) => Recovery(AcknowledgedPerSecond, (int)Math.Floor(Seconds), faultAt, baselineSeconds);

    /// <summary><see cref="RecoverySeconds"/> over a per-second timeline of which the first <paramref name="wholeSeconds"/> are whole.</summary>
    public static double? Recovery(IReadOnlyList<long> perSecond, int wholeSeconds, double faultAt, int baselineSeconds = 5)
    {
        ArgumentNullException.ThrowIfNull(perSecond);
        var end = Math.Min(perSecond.Count, wholeSeconds);
        var fault = (int)faultAt;
        var from = Math.Max(0, fault - baselineSeconds);
        if (fault <= from || fault >= end)
        {
            return null;
        }

        // The dip may begin in the fault's own second; one that begins only in the run's last whole second is the load
        // winding down (writers finishing, nothing new sent), not the fault.
        var seconds = perSecond.Take(end).Where(n => n > 0).Order().ToArray();
        if (seconds.Length == 0)
        {
            return null;
        }

        var half = (seconds.Length % 2 == 1 ? seconds[seconds.Length / 2] : (seconds[(seconds.Length / 2) - 1] + seconds[seconds.Length / 2]) / 2.0) / 2;
        var dip = fault;
        while (dip < end - 1 && perSecond[dip] >= half)
        {
            dip++;
        }

        if (dip >= end - 1)
        {
            return 0;
        }

        for (var second = dip + 1; second < end; second++)
        {
            var stays = true;
            for (var s = second; s < Math.Min(end, second + baselineSeconds) && stays; s++)
            {
                stays = perSecond[s] >= half;
            }

            if (stays)
            {
                return second - faultAt;
            }
        }

        return null;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToText()
    {
        var s = new StringBuilder();
        void Line(FormattableString text) => s.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"run {RunId}: {Target}; {Mode}, {Batch} events per write, {ReadShare:P0} reads; {Seconds:0.0} s");
        Line($"events   sent {EventsSent,12:N0}   acknowledged {EventsAcknowledged,12:N0}   abandoned {EventsAbandoned,8:N0}   {AcknowledgedEventsPerSecond,10:N0} acknowledged/s");
        Line($"requests writes {WriteRequests,11:N0}   reads {ReadRequests,12:N0} ({ReadsFailed:N0} failed)   {RequestsPerSecond,10:N0} requests/s");
        s.AppendLine();
        Line($"{"latency (ms)",-22}{"count",10}{"p50",9}{"p90",9}{"p99",9}{"p99.9",9}{"max",9}");
        foreach (var (name, l) in new[]
        {
            ("write (acknowledged)", WriteLatencyMs), ("profile read", ReadLatencyMs), ("  from send", ReadFromSendLatencyMs), ("event to visible", EventToVisibleMs),
            ("client's send lag", SendLagMs),
        }.Where(row => row.Item2.Count > 0 || row.Item1 is "write (acknowledged)" or "profile read" or "event to visible"))
        {
            Line($"{name,-22}{l.Count,10:N0}{l.P50,9:0.00}{l.P90,9:0.00}{l.P99,9:0.00}{l.P999,9:0.00}{l.Max,9:0.00}");
        }

        Line($"probes {Probes:N0}, not visible within 30 s: {ProbesNotVisible:N0}");
        if (Outcomes.Count > 0)
        {
            s.AppendLine();
            Line($"{"dirt",-10}{"sent",12}{"accepted",12}{"repaired",12}{"dup by id",12}{"dup content",12}{"quarantined",12}");
            foreach (var o in Outcomes)
            {
                Line($"{o.Dirt,-10}{o.Sent,12:N0}{o.Accepted,12:N0}{o.Repaired,12:N0}{o.DuplicatesById,12:N0}{o.DuplicatesByContent,12:N0}{o.Quarantined,12:N0}");
            }
        }

        s.AppendLine();
        s.AppendLine(Errors.Count == 0 ? "errors: none" : "errors (attempts, retried or not): " + string.Join(", ", Errors.Select(e => $"{e.Key} {e.Value.ToString("N0", CultureInfo.InvariantCulture)}")));
        return s.ToString();
    }
}
