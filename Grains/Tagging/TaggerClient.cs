using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// How user grains reach the tagger pool: a random pool member, a deadline, and a silo-wide back-off. After the pool said it
/// cannot take requests (no model, or behind: then for as long as it says) or did not answer in time, this silo's user
/// grains stop asking for <see cref="TaggerOptions.UnavailableBackoff"/> (or the pool's shorter hint) and count their
/// events untagged at no cost, instead of paying a failing call per ingest.
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
        // Cancelled at the deadline rather than abandoned: Orleans then drops the call's callback and, if the texts still
        // wait in the pool member's queue, takes them out, so a caller that gave up costs the model nothing.
        using var deadline = new CancellationTokenSource(o.CallTimeout);
        try
        {
            return await grains.Reference<ITaggerGrain>(Random.Shared.Next(o.PoolSize)).TagAsync(texts, deadline.Token);
        }
        catch (Exception ex) when (ex is TaggerUnavailableException or TimeoutException || ex is OperationCanceledException && deadline.IsCancellationRequested)
        {
            // A pool that is only behind says for how long; anything else (no model, no answer) pauses the full back-off.
            var pause = ex is TaggerUnavailableException { RetryAfter: { } hint } && hint < o.UnavailableBackoff ? hint : o.UnavailableBackoff;
            Interlocked.Exchange(ref _pausedUntil, (time.GetUtcNow() + pause).UtcTicks);
            return null;
        }
    }
}
