namespace Esrs.Tagging;

/// <summary>
/// One member of the tagger pool (keys 0..PoolSize-1). Members are placed on silos that advertise an accelerator when any do;
/// concurrent requests on a silo are batched together for the silo's one model.
/// </summary>
public interface ITaggerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Tags each text; throws <see cref="TaggerUnavailableException"/> when this silo has no model or is too far behind to
    /// tag them soon. Cancelling (the caller gave up) takes texts still waiting out of the queue: the model never runs on
    /// texts nobody waits for.
    /// </summary>
    Task<TagBatchResult> TagAsync(string[] texts, CancellationToken cancellationToken = default);

    /// <summary>The silo this pool member runs on, and whether that silo advertises an accelerator.</summary>
    Task<TaggerPlacement> GetPlacementAsync();
}

/// <summary>Where a tagger pool member runs.</summary>
[GenerateSerializer, Immutable, Alias("esrs.tagger-placement")]
public sealed record TaggerPlacement([property: Id(0)] string Silo, [property: Id(1)] bool Accelerator, [property: Id(2)] string? ModelVersion);

/// <summary>The tagger cannot take the request now (no model on the silo, queue full, model failed). Callers count the texts as untagged.</summary>
[GenerateSerializer, Alias("esrs.tagger-unavailable")]
public sealed class TaggerUnavailableException : Exception
{
    public TaggerUnavailableException()
    {
    }

    public TaggerUnavailableException(string message)
        : base(message)
    {
    }

    public TaggerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>When set, the refusal is for now only (the tagger is behind): callers may ask again after this long.</summary>
    [Id(0)] public TimeSpan? RetryAfter { get; init; }
}
