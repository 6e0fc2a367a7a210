using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Esrs.Catalogue;

/// <summary>The items one catalogue shard holds (grain state).</summary>
[GenerateSerializer, Alias("esrs.catalogue-shard-state")]
public sealed class CatalogueShardState
{
    [Id(0)] public Dictionary<string, CatalogueItem> Items { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One shard of the catalogue's items. A write of items that are all unchanged (a re-import) writes nothing; otherwise the
/// shard's state is written once per call, before it answers.
/// </summary>
public sealed class CatalogueShardGrain([PersistentState("items", StorageNames.Catalogue)] IPersistentState<CatalogueShardState> state) : Grain, ICatalogueShardGrain
{
    /// <summary>The shard of an item id: XxHash32 of its UTF-16 code units, modulo the shard count (stable across silos).</summary>
    public static int ShardOf(string itemId, int shards) => StableShards.Of(itemId, shards);

    public async Task<CatalogueWrite[]> PutAsync(IReadOnlyList<CatalogueItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var writes = new CatalogueWrite[items.Count];
        var any = false;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var stored = state.State.Items.GetValueOrDefault(item.ItemId);
            if (stored is not null && stored.Source == item.Source && stored.Raw == item.Raw && stored.CanonicalId == item.CanonicalId)
            {
                writes[i] = CatalogueWrite.Unchanged;
                continue;
            }

            state.State.Items[item.ItemId] = item;
            writes[i] = stored is null ? CatalogueWrite.Added : CatalogueWrite.Updated;
            any = true;
        }

        if (any)
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // The memory is ahead of storage: start again from what is durable.
                DeactivateOnIdle();
                throw;
            }
        }

        return writes;
    }

    public Task<CatalogueItem?[]> GetItemsAsync(IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        return Task.FromResult<CatalogueItem?[]>([.. itemIds.Select(id => state.State.Items.GetValueOrDefault(id))]);
    }

    public Task<CatalogueFacts?[]> GetFactsAsync(IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        return Task.FromResult<CatalogueFacts?[]>([.. itemIds.Select(id => state.State.Items.GetValueOrDefault(id)?.Facts())]);
    }

    public Task<CatalogueFacts[]?> GetAllFactsAsync(int max) =>
        Task.FromResult<CatalogueFacts[]?>(state.State.Items.Count > max ? null : [.. state.State.Items.Values.Select(i => i.Facts())]);
}

/// <summary>Reads single items for the gateway, in whichever silo the call lands.</summary>
[StatelessWorker]
public sealed class CatalogueGrain(IOptions<CatalogueOptions> options) : Grain, ICatalogueGrain
{
    public async Task<CatalogueItem?> GetItemAsync(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        var shard = GrainFactory.Reference<ICatalogueShardGrain>(CatalogueShardGrain.ShardOf(itemId, options.Value.Shards));
        return (await shard.GetItemsAsync([itemId]))[0];
    }
}
