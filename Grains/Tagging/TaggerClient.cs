using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// How user grains reach the tagger pool: a random pool member, a deadline, and a silo-wide back-off. After the pool said it
/// cannot take requests (no model, or behind: then for as long as it says) or did not answer in time, this silo's user
/// grains stop asking for <see cref="TaggerOptions.UnavailableBackoff"/> (or the pool's shorter hint) and count their
/// events untagged at no cost, instead of paying a failing call per ingest. Texts the pool tagged recently are answered
/// from this silo's <see cref="TagCache"/> without a call, backing off or not: titles and popular queries repeat.
/// </summary>
public sealed class TaggerClient(IGrainFactory grains, IOptions<TaggerOptions> options, TimeProvider time)
{
    private readonly TagCache? _cache = options.Value.CacheSize > 0 ? new TagCache(Math.Max(2, options.Value.CacheSize)) : null;
    private long _pausedUntil;

    /// <summary>Whether calls go out now (false while backing off).</summary>
    public bool IsAvailable => time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _pausedUntil);

    /// <summary>The tags of <paramref name="texts"/>, or null when the tagger could not give them (the caller counts the events untagged).</summary>
    public async Task<TagBatchResult?> TagAsync(string[] texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (Cached(texts) is { } cached)
        {
            TaggingMetrics.CachedTexts.Add(texts.Length);
            return cached;
        }

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
            var result = await grains.Reference<ITaggerGrain>(Random.Shared.Next(o.PoolSize)).TagAsync(texts, deadline.Token);
            if (_cache is { } cache && result.Tags.Length == texts.Length)
            {
                for (var i = 0; i < texts.Length; i++)
                {
                    cache.Add(texts[i], new CachedTags(result.ModelVersion, result.Tags[i]));
                }
            }

            return result;
        }
        catch (Exception ex) when (ex is TaggerUnavailableException or TimeoutException || ex is OperationCanceledException && deadline.IsCancellationRequested)
        {
            // A pool that is only behind says for how long; anything else (no model, no answer) pauses the full back-off.
            var pause = ex is TaggerUnavailableException { RetryAfter: { } hint } && hint < o.UnavailableBackoff ? hint : o.UnavailableBackoff;
            Interlocked.Exchange(ref _pausedUntil, (time.GetUtcNow() + pause).UtcTicks);
            return null;
        }
    }

    /// <summary>The tags of <paramref name="texts"/> when every one is cached from one model version; else null.</summary>
    private TagBatchResult? Cached(string[] texts)
    {
        if (_cache is not { } cache || texts.Length == 0)
        {
            return null;
        }

        var tags = new AttributeTag[texts.Length][];
        string? version = null;
        for (var i = 0; i < texts.Length; i++)
        {
            if (!cache.TryGet(texts[i], out var hit) || (version is not null && hit.ModelVersion != version))
            {
                return null;
            }

            (version, tags[i]) = (hit.ModelVersion, hit.Tags);
        }

        return new TagBatchResult(version!, tags);
    }
}
