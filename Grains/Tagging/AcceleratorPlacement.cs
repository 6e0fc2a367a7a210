using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Esrs.Tagging;

/// <summary>Whether this silo holds an accelerator, as it advertises it in its silo metadata (<see cref="MetadataKey"/>).</summary>
public sealed record AcceleratorAdvertisement(bool HasAccelerator)
{
    public const string MetadataKey = "esrs.accelerator";
}

/// <summary>Places the grain on silos that advertise an accelerator when any do; on any silo otherwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AcceleratorPlacementFilterAttribute() : PlacementFilterAttribute(new AcceleratorPlacementFilterStrategy());

/// <summary>The filter strategy of <see cref="AcceleratorPlacementFilterAttribute"/>.</summary>
public sealed class AcceleratorPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);

/// <summary>Keeps the silos whose metadata says <c>esrs.accelerator=true</c>, or all silos when none does.</summary>
public sealed class AcceleratorPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var candidates = silos as IReadOnlyCollection<SiloAddress> ?? [.. silos];
        var accelerated = candidates.Where(silo =>
            metadata.GetSiloMetadata(silo).Metadata.TryGetValue(AcceleratorAdvertisement.MetadataKey, out var value)
            && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase)).ToList();
        return accelerated.Count > 0 ? accelerated : candidates;
    }
}
