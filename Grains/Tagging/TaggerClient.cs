using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// How user grains reach the tagger pool: a random pool member, a deadline, and a silo-wide back-off. After the pool said it
/// cannot take requests (no model, or behind: then for as long as it says) or did not answer in time, this silo's user
/// grains stop asking for <see cref="TaggerOptions.UnavailableBackoff"/> (or the pool's shorter hint) and count their
/// events untagged at no cost, instead of paying a failing call per ingest. Texts the pool tagged recently are answered
/// from this silo's <see cref="TagCache"/> without a call, backing off or not: titles and popular queries repeat. The
/// cache holds the answers of one model version, the latest the pool gave: a new model empties it.
/// </summary>
public sealed class TaggerClient(IGrainFactory grains, IOptions<TaggerOptions> options, TimeProvider time)
{
    /// <summary>Longer texts are not remembered: the cache is bounded by count, so its entries must stay small.</summary>
    public const int MaxCachedTextLength = 256;

    private readonly Lock _cacheTurn = new();
    private Versioned? _cache;
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
        // wait in the pool member's queue, takes them out, so a caller that gave up costs the model nothing. Real time, as
        // the grain call's own timeout.
        using var deadline = new CancellationTokenSource(o.CallTimeout);
        try
        {
            var result = await grains.Reference<ITaggerGrain>(Random.Shared.Next(o.PoolSize)).TagAsync(texts, deadline.Token);
            Remember(texts, result);
            return result;
        }
        catch (Exception ex) when (ex is TaggerUnavailableException or TimeoutException || ex is OperationCanceledException && deadline.IsCancellationRequested)
        {
            // A pool that is only behind says for how long; anything else (no model, no answer) pauses the full back-off.
            // A shorter pause never cuts a longer one already set.
            var pause = ex is TaggerUnavailableException { RetryAfter: { } hint } && hint < o.UnavailableBackoff ? hint : o.UnavailableBackoff;
            var until = (time.GetUtcNow() + pause).UtcTicks;
            long seen;
            while ((seen = Interlocked.Read(ref _pausedUntil)) < until && Interlocked.CompareExchange(ref _pausedUntil, until, seen) != seen)
            {
            }

            return null;
        }
    }

    private void Remember(string[] texts, TagBatchResult result)
    {
        var capacity = options.Value.CacheSize;
        if (capacity <= 0 || result.Tags.Length != texts.Length)
        {
            return;
        }

        var current = Volatile.Read(ref _cache);
        if (current is null || current.ModelVersion != result.ModelVersion)
        {
            lock (_cacheTurn)
            {
                current = _cache;
                if (current is null || current.ModelVersion != result.ModelVersion)
                {
                    current = new Versioned(result.ModelVersion, new TagCache(Math.Max(2, capacity)));
                    Volatile.Write(ref _cache, current);
                }
            }
        }

        for (var i = 0; i < texts.Length; i++)
        {
            if (texts[i].Length <= MaxCachedTextLength && (result.Failed is null || Array.IndexOf(result.Failed, i) < 0))
            {
                current.Cache.Add(texts[i], new CachedTags(result.ModelVersion, result.Tags[i]));
            }
        }
    }

    /// <summary>The tags of <paramref name="texts"/> when every one is cached; else null.</summary>
    private TagBatchResult? Cached(string[] texts)
    {
        if (Volatile.Read(ref _cache) is not { } current || texts.Length == 0)
        {
            return null;
        }

        AttributeTag[][]? tags = null;
        for (var i = 0; i < texts.Length; i++)
        {
            if (!current.Cache.TryGet(texts[i], out var hit))
            {
                return null;
            }

            (tags ??= new AttributeTag[texts.Length][])[i] = hit.Tags;
        }

        return new TagBatchResult(current.ModelVersion, tags!);
    }

    private sealed record Versioned(string ModelVersion, TagCache Cache);
}
