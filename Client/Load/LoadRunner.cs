using System.Diagnostics;
using System.Globalization;
using Esrs.Events;

namespace Esrs.Client.Load;

/// <summary>How hard and how long to drive the grid.</summary>
public sealed record LoadSettings
{
    /// <summary>Open loop: requests started per second whatever the answers (latency counts from when a request was due).</summary>
    public int? Rate { get; init; }

    /// <summary>Closed loop: this many requests in flight, each started when another ends.</summary>
    public int? Concurrency { get; init; }

    public TimeSpan? Duration { get; init; }

    /// <summary>Stop after this many events written (the probes aside).</summary>
    public long? Events { get; init; }

    /// <summary>Events per write request.</summary>
    public int Batch { get; init; } = 10;

    /// <summary>Share of requests that read a profile instead of writing (0..1).</summary>
    public double ReadShare { get; init; } = 0.2;

    /// <summary>Event-to-visible probes per second (0: none).</summary>
    public double ProbeRate { get; init; } = 20;

    /// <summary>How long one request keeps retrying (503, a silo or the network away) before its events count as abandoned.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Open loop: requests in flight at most; past it the schedule waits (and the wait shows in the latency).</summary>
    public int MaxInFlight { get; init; } = 4096;

    public int Seed { get; init; } = 1;
}

/// <summary>
/// Drives a running grid with a <see cref="LoadWorkload"/> through a <see cref="LoadTarget"/>: open or closed loop, writes and
/// profile reads mixed, event-to-visible probes beside them, a live progress line; retries what the grid asks to be
/// retried (the same event ids: duplicates are dropped), records every acknowledged event in the ledger.
/// </summary>
public sealed class LoadRunner(LoadTarget target, LoadWorkload workload, LoadSettings settings, LoadLedger? ledger = null)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);
    private readonly LoadStats _stats = new();
    private readonly Stopwatch _clock = new();
    private readonly Random _choice = new(settings.Seed ^ 0x5bd1e995);
    private readonly Lock _choiceLock = new();
    private int _inFlight;

    public LoadStats Stats => _stats;

    /// <summary>Time since the run started (what the timelines count from).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task<LoadReport> RunAsync(TextWriter progress, bool interactive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (settings.Rate is null == settings.Concurrency is null)
        {
            throw new ArgumentException("Give either a rate (open loop) or a concurrency (closed loop).");
        }

        if (settings.Duration is null && settings.Events is null)
        {
            throw new ArgumentException("Bound the run by a duration or a number of events.");
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _clock.Start();
        var ticker = TickAsync(progress, interactive, stopping.Token);
        var probes = settings.ProbeRate > 0 ? ProbeLoopAsync(stopping.Token) : Task.CompletedTask;
        var elapsed = settings.Rate is { } rate ? await OpenLoopAsync(rate, stopping.Token) : await ClosedLoopAsync(settings.Concurrency!.Value, stopping.Token);
        await stopping.CancelAsync();
        await probes;
        await ticker;
        Draw(progress, interactive);
        progress.WriteLine();

        return LoadReport.From(_stats, settings, workload, target, elapsed);
    }

    private bool Planned(long eventsPlanned) =>
        (settings.Duration is not { } duration || _clock.Elapsed < duration) && (settings.Events is not { } events || eventsPlanned < events);

    private async Task<TimeSpan> OpenLoopAsync(int rate, CancellationToken stopping)
    {
        var running = new List<Task>();
        long planned = 0;
        for (long i = 0; !stopping.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if ((settings.Duration is { } duration && due >= duration) || !Planned(planned))
            {
                break;
            }

            var ahead = due - _clock.Elapsed;
            if (ahead > TimeSpan.FromMilliseconds(1))
            {
                try
                {
                    await Task.Delay(ahead, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            while (Volatile.Read(ref _inFlight) >= settings.MaxInFlight)
            {
                await Task.Delay(1, CancellationToken.None);
            }

            var write = !ReadNext();
            planned += write ? settings.Batch : 0;
            Interlocked.Increment(ref _inFlight);
            running.Add(OneAsync(write, due));
            if (running.Count >= 4096)
            {
                running.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(running);
        return _clock.Elapsed;
    }

    private async Task<TimeSpan> ClosedLoopAsync(int concurrency, CancellationToken stopping)
    {
        long planned = 0;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                var write = !ReadNext();
                if (write && !Planned(Interlocked.Add(ref planned, settings.Batch) - settings.Batch))
                {
                    return;
                }

                if (!write && !Planned(Interlocked.Read(ref planned)))
                {
                    return;
                }

                Interlocked.Increment(ref _inFlight);
                await OneAsync(write, _clock.Elapsed);
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        return _clock.Elapsed;
    }

    private bool ReadNext()
    {
        lock (_choiceLock)
        {
            return settings.ReadShare > 0 && _choice.NextDouble() < settings.ReadShare;
        }
    }

    private async Task OneAsync(bool write, TimeSpan due)
    {
        await Task.Yield();
        if (settings.Rate is not null)
        {
            _stats.SendLag.RecordValue(LoadStats.Micros(_clock.Elapsed - due));
        }

        try
        {
            var user = write ? null : workload.WrittenUser();
            if (user is null)
            {
                await WriteAsync(workload.NextBatch(settings.Batch), due, _stats.Writes);
            }
            else
            {
                await ReadAsync(user, due);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Writes until acknowledged or given up; returns whether acknowledged.</summary>
    private async Task<bool> WriteAsync(LoadEvent[] batch, TimeSpan start, HdrHistogram.LongConcurrentHistogram? latency)
    {
        _stats.CountSent(batch);
        Interlocked.Increment(ref _stats.WriteRequests);
        var outcomes = new OutcomeKind[batch.Length];
        var first = _clock.Elapsed;
        // An open loop may start a request up to a millisecond before it is due: count from whichever came first.
        start = start < first ? start : first;
        for (var attempt = 0; ; attempt++)
        {
            var result = await target.WriteAsync(batch, outcomes, CancellationToken.None);
            if (result.Ok)
            {
                latency?.RecordValue(LoadStats.Micros(_clock.Elapsed - start));
                _stats.CountAcknowledged(batch.Length, _clock.Elapsed);
                if (target.OutcomesKnown)
                {
                    _stats.CountOutcomes(batch, outcomes);
                }

                ledger?.Record(batch, target.OutcomesKnown ? outcomes : null, acknowledged: true);
                return true;
            }

            _stats.CountError(result.ErrorKind ?? "unknown", _clock.Elapsed);
            if (!result.Retryable || _clock.Elapsed - first > settings.GiveUpAfter)
            {
                Interlocked.Add(ref _stats.EventsAbandoned, batch.Length);
                ledger?.Record(batch, null, acknowledged: false);
                return false;
            }

            await Task.Delay(result.RetryAfter ?? Backoff(attempt));
        }
    }

    private async Task ReadAsync(string user, TimeSpan start)
    {
        Interlocked.Increment(ref _stats.ReadRequests);
        var sent = _clock.Elapsed;
        var (result, _) = await target.ReadAsync(user, CancellationToken.None);
        if (result.Ok)
        {
            var done = _clock.Elapsed;
            _stats.Reads.RecordValue(LoadStats.Micros(done - (start < sent ? start : sent)));
            _stats.ReadsFromSend.RecordValue(LoadStats.Micros(done - sent));
        }
        else
        {
            Interlocked.Increment(ref _stats.ReadsFailed);
            _stats.CountError("read-" + result.ErrorKind);
        }
    }

    /// <summary>Wait before retry <paramref name="attempt"/> (from 0) when the server named none: 50 ms doubling to 1 s.</summary>
    internal static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 5)));

    /// <summary>Probes at a fixed rate: one event for a user of its own, then the profile read until it shows the event.</summary>
    private async Task ProbeLoopAsync(CancellationToken stopping)
    {
        var running = new List<Task>();
        var interval = TimeSpan.FromSeconds(1 / settings.ProbeRate);
        for (long n = 1; ; n++)
        {
            try
            {
                await Task.Delay(interval, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            running.Add(ProbeAsync(n));
        }

        await Task.WhenAll(running);
    }

    private async Task ProbeAsync(long number)
    {
        await Task.Yield();
        Interlocked.Increment(ref _stats.Probes);
        var probe = workload.Probe(number);
        var start = _clock.Elapsed;
        if (!await WriteAsync([new LoadEvent(probe, DirtKind.Clean)], start, latency: null))
        {
            return;
        }

        for (var attempt = 0; _clock.Elapsed - start < ProbeTimeout; attempt++)
        {
            var (result, counters) = await target.ReadAsync(probe.UserId, CancellationToken.None);
            if (result.Ok && counters.Kept >= 1)
            {
                _stats.Visible.RecordValue(LoadStats.Micros(_clock.Elapsed - start));
                return;
            }

            await Task.Delay(attempt < 10 ? 1 : 5);
        }

        Interlocked.Increment(ref _stats.ProbesTimedOut);
        _stats.CountError("probe-not-visible-in-30s");
    }

    private async Task TickAsync(TextWriter progress, bool interactive, CancellationToken stopping)
    {
        var last = TimeSpan.Zero;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (interactive || _clock.Elapsed - last >= TimeSpan.FromSeconds(5))
            {
                last = _clock.Elapsed;
                Draw(progress, interactive);
                if (!interactive)
                {
                    progress.WriteLine();
                }
            }
        }
    }

    private void Draw(TextWriter progress, bool interactive)
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        var acked = Interlocked.Read(ref _stats.EventsAcknowledged);
        var errors = _stats.Errors.Values.Sum();
        var p99 = _stats.Writes.TotalCount > 0 ? _stats.Writes.GetValueAtPercentile(99) / 1000.0 : 0;
        progress.Write(string.Create(CultureInfo.InvariantCulture,
            $"{(interactive ? "\r" : "")}esrs load {seconds,6:0.0}s  sent {Interlocked.Read(ref _stats.EventsSent),10:N0}  acked {acked,10:N0}  {acked / seconds,8:N0} ev/s  reads {Interlocked.Read(ref _stats.ReadRequests),8:N0}  errors {errors,6:N0}  write p99 {p99,7:0.0} ms  in flight {Volatile.Read(ref _inFlight),5:N0}"));
    }
}
