namespace Esrs.Tagging;

/// <summary>
/// One member of the tagger pool (keys 0..PoolSize-1). Members are placed on silos that advertise an accelerator when any do;
/// concurrent requests on a silo are batched together for the silo's one model.
/// </summary>
public interface ITaggerGrain : IGrainWithIntegerKey
{
    /// <summary>Tags each text; throws <see cref="TaggerUnavailableException"/> when this silo has no model or its queue is full.</summary>
    Task<TagBatchResult> TagAsync(string[] texts);

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
}
