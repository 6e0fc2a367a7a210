using Orleans.Concurrency;

namespace Esrs.Tagging;

/// <summary>
/// A tagger pool member. Reentrant, so the concurrent requests it receives all reach the silo's batcher and share batches;
/// it holds no state and no model of its own (the model is one per silo, in DI, loaded off the grain scheduler by
/// <see cref="TaggerModelLoader"/> while the first member activates).
/// </summary>
[Reentrant]
[AcceleratorPlacementFilter]
public sealed class TaggerGrain(TaggerModelLoader loader, ILocalSiloDetails silo, AcceleratorAdvertisement accelerator) : Grain, ITaggerGrain
{
    private TagBatcher _batcher = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _batcher = await loader.GetAsync().WaitAsync(cancellationToken);

    public async Task<TagBatchResult> TagAsync(string[] texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tags = await _batcher.TagAsync(texts, cancellationToken);
        List<int>? failed = null;
        for (var i = 0; i < tags.Length; i++)
        {
            if (ReferenceEquals(tags[i], TagBatcher.FailedText))
            {
                (failed ??= []).Add(i);
                tags[i] = [];
            }
        }

        return new TagBatchResult(_batcher.Model.Version, tags, failed?.ToArray());
    }

    public Task<TaggerPlacement> GetPlacementAsync() =>
        Task.FromResult(new TaggerPlacement(silo.Name, accelerator.HasAccelerator, _batcher.Model.IsAvailable ? _batcher.Model.Version : null));
}
