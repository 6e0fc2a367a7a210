using Orleans.Concurrency;

namespace Esrs.Tagging;

/// <summary>
/// A tagger pool member. Reentrant, so the concurrent requests it receives all reach the silo's batcher and share batches;
/// it holds no state and no model of its own (the model is one per silo, in DI).
/// </summary>
[Reentrant]
[AcceleratorPlacementFilter]
public sealed class TaggerGrain(TagBatcher batcher, ILocalSiloDetails silo, AcceleratorAdvertisement accelerator) : Grain, ITaggerGrain
{
    public async Task<TagBatchResult> TagAsync(string[] texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tags = await batcher.TagAsync(texts, cancellationToken);
        return new TagBatchResult(batcher.Model.Version, tags);
    }

    public Task<TaggerPlacement> GetPlacementAsync() =>
        Task.FromResult(new TaggerPlacement(silo.Name, accelerator.HasAccelerator, batcher.Model.IsAvailable ? batcher.Model.Version : null));
}
