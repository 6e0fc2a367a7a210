using Esrs.Tagging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Esrs.Hosting;

/// <summary>Registers the tagger pool on a silo: options, the silo's one model, its batcher, and the accelerator advertisement placement reads.</summary>
public static class EsrsTaggingSiloBuilderExtensions
{
    /// <summary>
    /// Adds the tagger pool. <paramref name="model"/> builds the silo's model once (an <see cref="UnavailableTagModel"/> when it has none);
    /// <paramref name="accelerator"/> is what the silo advertises to placement.
    /// </summary>
    public static ISiloBuilder AddEsrsTagging(this ISiloBuilder silo, bool accelerator, Func<IServiceProvider, ITagModel> model, Action<OptionsBuilder<TaggerOptions>>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(model);
        var options = silo.Services.AddOptions<TaggerOptions>()
            .Validate(o => o.PoolSize is > 0 and <= 1_024, "Esrs:Tagger:PoolSize must be within 1..1024.")
            .Validate(o => o.MaxBatchSize is > 0 and <= 1_024, "Esrs:Tagger:MaxBatchSize must be within 1..1024.")
            .Validate(o => o.MaxDelay >= TimeSpan.Zero && o.MaxDelay <= TimeSpan.FromSeconds(1), "Esrs:Tagger:MaxDelay must be within 0..1s.")
            .Validate(o => o.MaxQueuedTexts > 0, "Esrs:Tagger:MaxQueuedTexts must be positive.")
            .Validate(o => o.MaxQueueWait >= TimeSpan.Zero, "Esrs:Tagger:MaxQueueWait must not be negative (0 turns the check off).")
            .Validate(o => o.CacheSize >= 0, "Esrs:Tagger:CacheSize must not be negative (0 turns the cache off).")
            .Validate(o => o.CallTimeout > TimeSpan.Zero && o.FlushInterval > TimeSpan.Zero, "Esrs:Tagger:CallTimeout and FlushInterval must be positive.")
            .Validate(o => o.Device is null or "cpu" or "cuda", "Esrs:Tagger:Device must be cpu or cuda.")
            .ValidateOnStart();
        configure?.Invoke(options);
        silo.UseSiloMetadata(new Dictionary<string, string> { [AcceleratorAdvertisement.MetadataKey] = accelerator ? "true" : "false" });
        silo.Services.AddPlacementFilter<AcceleratorPlacementFilterStrategy, AcceleratorPlacementFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.TryAddSingleton(new AcceleratorAdvertisement(accelerator));
        silo.Services.TryAddSingleton<ITagModel>(model);
        silo.Services.TryAddSingleton<TagBatcher>();
        silo.Services.TryAddSingleton<TaggerModelLoader>();
        return silo;
    }
}
