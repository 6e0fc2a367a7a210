using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Recommending;

/// <summary>
/// One shard of the item graph (<see cref="ItemGraphShard"/> plus persistence): deliveries are merged once and
/// acknowledged at once; the state is written every <see cref="RecommendOptions.PersistInterval"/> while it has changed,
/// and when the grain deactivates. The graph is derived data: a silo that dies loses at most that interval of it,
/// never an event.
/// </summary>
public sealed partial class ItemGraphGrain(
    [PersistentState("graph", StorageNames.Recommend)] IPersistentState<ItemGraphState> state,
    IOptions<RecommendOptions> options,
    TimeProvider time,
    ILogger<ItemGraphGrain> logger) : Grain, IItemGraphGrain
{
    private ItemGraphShard _shard = null!;
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _shard = new ItemGraphShard(state.State, options.Value.NeighboursPerItem);
        var every = options.Value.PersistInterval;
        this.RegisterGrainTimer(_ => PersistIfChangedAsync(), new GrainTimerCreationOptions(every, every) { Interleave = false });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => PersistIfChangedAsync();

    public Task<bool> ApplyAsync(string sender, long sequence, ItemGraphDelta delta)
    {
        _dirty |= _shard.Apply(sender, sequence, delta, time.GetUtcNow().UtcDateTime);
        return Task.FromResult(true);
    }

    public Task<ItemGraphRows> GetRowsAsync(IReadOnlyList<string> items, IReadOnlyList<string> categories, int popular) =>
        Task.FromResult(new ItemGraphRows(_shard.Rows(items), _shard.Popular(categories, Math.Clamp(popular, 0, 1_000))));

    public Task<IReadOnlyDictionary<string, double>> GetPopularityAsync(IReadOnlyList<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var found = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (state.State.Popularity.TryGetValue(item, out var popularity))
            {
                found[item] = popularity;
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, double>>(found);
    }

    public async Task FlushAsync()
    {
        _dirty = true;
        await PersistIfChangedAsync();
    }

    private async Task PersistIfChangedAsync()
    {
        if (!_dirty)
        {
            return;
        }

        try
        {
            await state.WriteStateAsync();
            _dirty = false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Kept dirty: the next tick writes again.
            LogWriteFailed(logger, ex, this.GetPrimaryKeyLong());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item graph shard {Shard} could not write its state; retrying on the next tick")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, long shard);
}
