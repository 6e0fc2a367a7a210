using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace Esrs.Silo.Storage;

/// <summary>
/// Group commit: grain writes that arrive while a commit is in flight wait together and go to the database in the next
/// transaction, so N concurrent grains cost one transaction and one log flush instead of N. Each caller still awaits its
/// own row, and learns of success only after the commit that holds it (acknowledged only when durable). A write never
/// waits for company: with nothing in flight it goes at once, so a lone write pays no extra latency.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    private static readonly Meter Meter = new("Esrs.Storage");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("esrs.storage.group_commit.size", "{write}", "Grain writes per group commit");
    private static readonly Counter<long> Commits = Meter.CreateCounter<long>("esrs.storage.group_commit.commits", "{commit}", "Group commits");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("esrs.storage.group_commit.duration", "ms", "Time of one group commit, statements and commit");

    private readonly IStateDatabase _database;
    private readonly int _maxBatch;
    private readonly Channel<StateWrite> _queue = Channel.CreateUnbounded<StateWrite>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _committers;
    private long _commits;
    private long _writes;
    private long _commitTicks;
    private long _bytes;

    public GroupCommitter(IStateDatabase database, int maxBatch = 512)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _database = database;
        _maxBatch = maxBatch;
        _committers = Enumerable.Range(0, database.MaxConcurrentCommits).Select(_ => Task.Run(CommitLoopAsync)).ToArray();
    }

    /// <summary>The database the commits go to (reads go to it directly).</summary>
    public IStateDatabase Database => _database;

    /// <summary>Commits so far and the writes they held (mean batch = writes / commits).</summary>
    public (long Commits, long Writes) Totals => (Interlocked.Read(ref _commits), Interlocked.Read(ref _writes));

    /// <summary>
    /// Bytes the committed writes sent so far: state payloads, the rows beside them and log rows (what a write costs the
    /// database besides its statements).
    /// </summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Time spent in commits so far (several may overlap).</summary>
    public TimeSpan CommitTime => TimeSpan.FromTicks(Interlocked.Read(ref _commitTicks));

    /// <summary>Queues a write; the task completes with the new version after commit, or null on a version conflict.</summary>
    public Task<long?> WriteAsync(StateWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!_queue.Writer.TryWrite(write))
        {
            return Task.FromException<long?>(new ObjectDisposedException(nameof(GroupCommitter), "The grain storage is shutting down."));
        }

        return write.Done.Task;
    }

    private async Task CommitLoopAsync()
    {
        var batch = new List<StateWrite>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await _database.WriteBatchAsync(batch, CancellationToken.None);
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                Interlocked.Add(ref _commitTicks, elapsed.Ticks);
                Duration.Record(elapsed.TotalMilliseconds);
                Interlocked.Increment(ref _commits);
                Interlocked.Add(ref _writes, batch.Count);
                Interlocked.Add(ref _bytes, BytesOf(batch));
                Commits.Add(1);
                BatchSize.Record(batch.Count);
                foreach (var w in batch)
                {
                    w.Done.TrySetResult(w.NewVersion);
                }
            }
            catch (Exception ex)
            {
                // Nothing of the batch committed: every caller hears of it and may retry.
                foreach (var w in batch)
                {
                    w.Done.TrySetException(ex);
                }
            }

            batch.Clear();
        }
    }

    private static long BytesOf(List<StateWrite> batch)
    {
        var bytes = 0L;
        foreach (var write in batch)
        {
            if (write.NewVersion is null)
            {
                // Lost its version check: nothing of it was written.
                continue;
            }

            bytes += write.Payload?.Length ?? 0;
            foreach (var row in write.Rows?.Upserts ?? [])
            {
                bytes += row.Payload.Length;
            }

            foreach (var row in write.Appends ?? [])
            {
                bytes += row.Payload.Length;
            }
        }

        return bytes;
    }

    /// <summary>Commits what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_committers);
        await _database.DisposeAsync();
    }
}
