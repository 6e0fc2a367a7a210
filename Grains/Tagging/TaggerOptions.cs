namespace Esrs.Tagging;

/// <summary>The attribute tagger: pool, dynamic batching, and how user grains call it (<c>Esrs:Tagger</c>).</summary>
public sealed class TaggerOptions
{
    /// <summary>Whether user grains send search queries and item titles to the tagger.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Tagger pool members (grain keys 0..PoolSize-1); callers spread over them at random.</summary>
    public int PoolSize { get; set; } = 8;

    /// <summary>A batch is run as soon as it holds this many texts (1 turns batching off).</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>Longest wait, from a batch's first text, for more texts to join it.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Texts waiting on a silo beyond which requests are refused (callers count them untagged) instead of queueing without bound.</summary>
    public int MaxQueuedTexts { get; set; } = 8_192;

    /// <summary>
    /// Longest expected wait in a silo's queue (texts waiting over the model's recent texts per second) beyond which
    /// requests are refused at once (callers count them untagged and back off) instead of queueing to time out: a queue
    /// this deep keeps the model busy, so refusing more costs no throughput. Zero turns the check off.
    /// </summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Texts whose tags a silo's user grains remember (titles and popular queries repeat), answered without calling the
    /// pool, even while backing off from it; about 300 bytes a text. Zero turns the cache off.
    /// </summary>
    public int CacheSize { get; set; } = 50_000;

    /// <summary>How long a user grain waits for its tags before counting the texts untagged.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After the pool refused or timed out, how long this silo's user grains skip tagging (and count events untagged).</summary>
    public TimeSpan UnavailableBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a user grain with tags that arrived after its last write persists them.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Lowest model confidence for a tag to enter a profile.</summary>
    public double MinScore { get; set; } = 0.5;

    /// <summary>Directory of the fine-tuned checkpoint (<c>./esrs train-tagger</c> writes <c>.data/tagger</c>).</summary>
    public string? ModelDirectory { get; set; }

    /// <summary><c>cpu</c>, <c>cuda</c>, or null for cuda when available.</summary>
    public string? Device { get; set; }

    /// <summary>Whether this silo advertises an accelerator to placement; null: whether CUDA is available.</summary>
    public bool? Accelerator { get; set; }

    /// <summary>Intra-op threads of the model; null: all cores.</summary>
    public int? Threads { get; set; }
}
