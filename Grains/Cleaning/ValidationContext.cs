using Esrs.Catalogue;

namespace Esrs.Cleaning;

/// <summary>
/// What rules may look at besides the event: the grain's key, the current time, the limits, and the catalogue items of the
/// batch's item ids (null: no enrichment).
/// </summary>
public readonly record struct ValidationContext(string GrainKey, DateTime Now, ValidationOptions Options, ICatalogueLookup? Catalogue = null);

/// <summary>Catalogue items by item id, fetched before a batch is validated (rules do no I/O).</summary>
public interface ICatalogueLookup
{
    bool TryGet(string itemId, out CatalogueFacts facts);
}
