using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// How user grains reach the tagger pool: a random pool member, a deadline, and a silo-wide back-off. After the pool said it
/// cannot take requests (no model, queue full) or did not answer in time, this silo's user grains stop asking for
/// <see cref="TaggerOptions.UnavailableBackoff"/> and count their events untagged at no cost, instead of paying a failing
/// call per ingest.
/// </summary>
public sealed class TaggerClient(IGrainFactory grains, IOptions<TaggerOptions> options, TimeProvider time)
{
    private long _pausedUntil;

    /// <summary>Whether calls go out now (false while backing off).</summary>
    public bool IsAvailable => time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _pausedUntil);

    /// <summary>The tags of <paramref name="texts"/>, or null when the tagger could not give them (the caller counts the events untagged).</summary>
    public async Task<TagBatchResult?> TagAsync(string[] texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!IsAvailable)
        {
            return null;
        }

        var o = options.Value;
        try
        {
            return await grains.Reference<ITaggerGrain>(Random.Shared.Next(o.PoolSize)).TagAsync(texts).WaitAsync(o.CallTimeout);
        }
        catch (Exception ex) when (ex is TaggerUnavailableException or TimeoutException)
        {
            Interlocked.Exchange(ref _pausedUntil, (time.GetUtcNow() + o.UnavailableBackoff).UtcTicks);
            return null;
        }
    }
}
