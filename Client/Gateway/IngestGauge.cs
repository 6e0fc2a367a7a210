namespace Esrs.Client.Gateway;

/// <summary>Ingest requests inside the gateway right now (past the concurrency limiter), with a wait on the count for tests and metrics.</summary>
public sealed class IngestGauge
{
    private readonly Lock _lock = new();
    private readonly List<(int Target, TaskCompletionSource Done)> _waiters = [];
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes once at least <paramref name="count"/> ingest requests are in flight.</summary>
    public Task WaitForInFlightAsync(int count)
    {
        lock (_lock)
        {
            if (_inFlight >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }

    public IDisposable Enter()
    {
        lock (_lock)
        {
            _inFlight++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= _inFlight)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }

        return new Exit(this);
    }

    private sealed class Exit(IngestGauge gauge) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (gauge._lock)
                {
                    gauge._inFlight--;
                }
            }
        }
    }
}
