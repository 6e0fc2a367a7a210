using System.Collections.Concurrent;
using Esrs.Events;
using HdrHistogram;

namespace Esrs.Client.Load;

/// <summary>Counters and latency histograms (HdrHistogram, microseconds, 3 significant digits) of one load run; thread-safe.</summary>
public sealed class LoadStats
{
    private const long MaxMicroseconds = 3_600_000_000;
    private readonly long[] _outcomes = new long[Enum.GetValues<OutcomeKind>().Length * DirtKinds];
    private readonly long[] _sentByDirt = new long[DirtKinds];
    private const int DirtKinds = 5;

    public LongConcurrentHistogram Writes { get; } = New();
    public LongConcurrentHistogram Reads { get; } = New();
    public LongConcurrentHistogram Visible { get; } = New();

    /// <summary>Profile reads from when the client sent them (<see cref="Reads"/> counts from when they were due).</summary>
    public LongConcurrentHistogram ReadsFromSend { get; } = New();

    /// <summary>Open loop: how late the client started each request against its schedule (its own timer and thread-pool lag).</summary>
    public LongConcurrentHistogram SendLag { get; } = New();

    public ConcurrentDictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    private const int TimelineSeconds = 4096;
    private readonly long[] _ackedPerSecond = new long[TimelineSeconds];
    private readonly long[] _errorsPerSecond = new long[TimelineSeconds];

    /// <summary>Events acknowledged in each second of the run (index: whole seconds since the start; the last slot takes the rest).</summary>
    public long[] AckedPerSecond(int seconds) => _ackedPerSecond[..Math.Clamp(seconds, 0, TimelineSeconds)];

    /// <summary>Failed attempts in each second of the run.</summary>
    public long[] ErrorsPerSecond(int seconds) => _errorsPerSecond[..Math.Clamp(seconds, 0, TimelineSeconds)];

    public void CountAcknowledged(int events, TimeSpan at)
    {
        Interlocked.Add(ref EventsAcknowledged, events);
        Interlocked.Add(ref _ackedPerSecond[Math.Clamp((int)at.TotalSeconds, 0, TimelineSeconds - 1)], events);
    }

    public void CountError(string kind, TimeSpan at)
    {
        CountError(kind);
        Interlocked.Increment(ref _errorsPerSecond[Math.Clamp((int)at.TotalSeconds, 0, TimelineSeconds - 1)]);
    }

    public long EventsSent;
    public long EventsAcknowledged;
    public long EventsAbandoned;
    public long WriteRequests;
    public long ReadRequests;
    public long ReadsFailed;
    public long Probes;
    public long ProbesTimedOut;

    private static LongConcurrentHistogram New() => new(1, MaxMicroseconds, 3);

    public static long Micros(TimeSpan elapsed) => Math.Clamp((long)(elapsed.Ticks / 10.0), 1, MaxMicroseconds);

    public void CountSent(LoadEvent[] batch)
    {
        Interlocked.Add(ref EventsSent, batch.Length);
        foreach (var e in batch)
        {
            Interlocked.Increment(ref _sentByDirt[(int)e.Dirt]);
        }
    }

    public void CountOutcomes(LoadEvent[] batch, OutcomeKind[] outcomes)
    {
        for (var i = 0; i < batch.Length; i++)
        {
            Interlocked.Increment(ref _outcomes[((int)outcomes[i] * DirtKinds) + (int)batch[i].Dirt]);
        }
    }

    public void CountError(string kind) => Errors.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public long Sent(DirtKind dirt) => Interlocked.Read(ref _sentByDirt[(int)dirt]);

    public long Outcome(OutcomeKind outcome, DirtKind dirt) => Interlocked.Read(ref _outcomes[((int)outcome * DirtKinds) + (int)dirt]);

    public long Outcome(OutcomeKind outcome)
    {
        long sum = 0;
        for (var d = 0; d < DirtKinds; d++)
        {
            sum += Outcome(outcome, (DirtKind)d);
        }

        return sum;
    }
}
