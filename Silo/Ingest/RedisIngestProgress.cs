namespace Esrs.Silo.Ingest;

/// <summary>Counts of what this silo's stream consumer acknowledged, with waits on them (for tests and operators).</summary>
public sealed class RedisIngestProgress
{
    private readonly Lock _lock = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private readonly List<(long Target, TaskCompletionSource Done)> _transientWaiters = [];
    private long _acked;
    private long _deadLettered;
    private long _transientFailures;

    /// <summary>Entries applied by the user grains and acknowledged.</summary>
    public long Acked => Interlocked.Read(ref _acked);

    /// <summary>Entries that could not be decoded, copied to the dead-letter stream and acknowledged.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    private TaskCompletionSource _trimmed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the next trim of the stream (whatever it deleted).</summary>
    public Task WaitForTrimAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _trimmed.Task.WaitAsync(cancellationToken);
        }
    }

    internal void Trimmed()
    {
        lock (_lock)
        {
            _trimmed.TrySetResult();
            _trimmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Grain calls that failed because the grid was unavailable (the entries stayed pending, nothing counted against them).</summary>
    public long TransientFailures => Interlocked.Read(ref _transientFailures);

    /// <summary>Completes once at least <paramref name="count"/> transient failures were seen.</summary>
    public Task WaitForTransientFailuresAsync(long count, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (TransientFailures >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _transientWaiters.Add((count, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    internal void AddTransientFailure()
    {
        var total = Interlocked.Increment(ref _transientFailures);
        lock (_lock)
        {
            for (var i = _transientWaiters.Count - 1; i >= 0; i--)
            {
                if (_transientWaiters[i].Target <= total)
                {
                    _transientWaiters[i].Done.TrySetResult();
                    _transientWaiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> entries (applied or dead-lettered) were acknowledged.</summary>
    public Task WaitForAcknowledgedAsync(long count, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Acked + DeadLettered >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    internal void AddAcked(long n) => Add(ref _acked, n);

    internal void AddDeadLettered(long n) => Add(ref _deadLettered, n);

    private void Add(ref long counter, long n)
    {
        Interlocked.Add(ref counter, n);
        lock (_lock)
        {
            var total = Acked + DeadLettered;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= total)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
