namespace Esrs.Silo.Ingest;

/// <summary>
/// The consumer's view of the grid: after a transient failure it pauses before reading more, for a time that doubles
/// while failures go on (from <c>backoff</c> up to <c>maxBackoff</c>) and starts over after a success. Thread-safe.
/// </summary>
public sealed class GridHealth(TimeSpan backoff, TimeSpan maxBackoff)
{
    private readonly Lock _lock = new();
    private TimeSpan _current;
    private DateTime _pausedUntil;

    /// <summary>Waits out the current pause, if any.</summary>
    public async Task WhileUnhealthyAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            wait = _pausedUntil - DateTime.UtcNow;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    public void Unhealthy()
    {
        lock (_lock)
        {
            _current = _current == TimeSpan.Zero ? backoff : TimeSpan.FromTicks(Math.Min(maxBackoff.Ticks, _current.Ticks * 2));
            _pausedUntil = DateTime.UtcNow + _current;
        }
    }

    public void Healthy()
    {
        lock (_lock)
        {
            _current = TimeSpan.Zero;
        }
    }
}
