using Esrs.Cleaning;
using Esrs.Profiles;
using Esrs.Quality;
using Esrs.Recommending;
using Esrs.Tagging;
using Esrs.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Esrs.Hosting;

/// <summary>Registers what the user grains need: the rule set, its options, and a clock.</summary>
public static class EsrsGrainServiceCollectionExtensions
{
    /// <summary>
    /// Adds the validator and the validated options of dedupe, validation, profiles and quarantine.
    /// Each <paramref name="configure"/> callback may bind or post-configure the options it is given.
    /// </summary>
    public static IServiceCollection AddEsrsUsers(this IServiceCollection services, Action<EsrsUserOptionsBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new EventValidator(sp.GetRequiredService<IOptions<Catalogue.CatalogueOptions>>().Value.PriceTolerance));
        services.TryAddSingleton<Catalogue.CatalogueCache>();
        services.TryAddSingleton<QualityCollector>();
        services.TryAddSingleton<Tagging.TaggerClient>();
        services.AddHostedService(sp => sp.GetRequiredService<QualityCollector>());
        services.TryAddSingleton<ItemGraphCache>();
        services.TryAddSingleton<RecommendationFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<RecommendationFeed>());

        var builder = new EsrsUserOptionsBuilder(
            services.AddOptions<ValidationOptions>()
                .Validate(o => o.MaxFutureSkew >= TimeSpan.Zero, "Esrs:Validation:MaxFutureSkew must not be negative.")
                .Validate(o => o.MaxAge > TimeSpan.Zero, "Esrs:Validation:MaxAge must be positive.")
                .Validate(o => o.MaxUnitPrice > 0, "Esrs:Validation:MaxUnitPrice must be positive.")
                .Validate(o => o.MaxQuantity > 0, "Esrs:Validation:MaxQuantity must be positive.")
                .Validate(o => o.MaxQueryLength is > 0 and <= 10_000 && o.MaxTextLength is > 0 and <= 10_000, "Esrs:Validation text limits must be within 1..10000.")
                .ValidateOnStart(),
            services.AddOptions<DedupeOptions>()
                .Validate(o => o.MaxEvents is > 0 and <= 1_000_000, "Esrs:Dedupe:MaxEvents must be within 1..1000000.")
                .Validate(o => o.Window > TimeSpan.Zero, "Esrs:Dedupe:Window must be positive.")
                .ValidateOnStart(),
            services.AddOptions<ProfileOptions>()
                .Validate(o => o.HalfLife >= TimeSpan.FromMinutes(1), "Esrs:Profiles:HalfLife must be at least a minute.")
                .Validate(o => o.RecentItems is > 0 and <= 1_000, "Esrs:Profiles:RecentItems must be within 1..1000.")
                .Validate(o => o.MaxInterests is > 0 and <= 1_000 && o.MaxItemInterests is > 0 and <= 1_000, "Esrs:Profiles interest caps must be within 1..1000.")
                .Validate(o => o.TopN > 0, "Esrs:Profiles:TopN must be positive.")
                .ValidateOnStart(),
            services.AddOptions<QuarantineOptions>()
                .Validate(o => o.Capacity is > 0 and <= 100_000, "Esrs:Quarantine:Capacity must be within 1..100000.")
                .Validate(o => o.MaxBytes >= 1_024 && o.MaxReplaySpilled > 0, "Esrs:Quarantine:MaxBytes must be at least 1024 and MaxReplaySpilled positive.")
                .Validate(o => o.MaxPageSize > 0, "Esrs:Quarantine:MaxPageSize must be positive.")
                .ValidateOnStart(),
            services.AddOptions<TaggerOptions>(),
            services.AddOptions<QualityOptions>()
                .Validate(o => o.Shards is > 0 and <= 4_096, "Esrs:Quality:Shards must be within 1..4096.")
                .Validate(o => o.FlushInterval > TimeSpan.Zero && o.PushInterval > TimeSpan.Zero && o.TickInterval > TimeSpan.Zero, "Esrs:Quality intervals must be positive.")
                .Validate(o => o.FlushEvents > 0 && o.AlertHistory >= 0, "Esrs:Quality:FlushEvents must be positive.")
                .Validate(o => o.MaxSources is > 0 and <= 10_000 && o.MaxSourceLength is > 0 and <= 1_000, "Esrs:Quality:MaxSources and MaxSourceLength must be within 1..10000 and 1..1000.")
                .Validate(o => o.MinuteRetention > TimeSpan.Zero && o.HourRetention > TimeSpan.Zero && o.DayRetention > TimeSpan.Zero, "Esrs:Quality retention must be positive.")
                .Validate(o => o.Anomaly.Sigmas > 0 && o.Anomaly.MaxRelativeChange > 0 && o.Anomaly.HistoryWindows > 0, "Esrs:Quality:Anomaly settings must be positive.")
                .ValidateOnStart(),
            services.AddOptions<RankOptions>()
                .Validate(o => new[] { o.Item, o.Recent, o.Category, o.Brand, o.Search, o.Attribute, o.Price }.All(w => w >= 0 && double.IsFinite(w)), "Esrs:Rank signal weights must be finite and not negative.")
                .Validate(o => o.MaxCandidates is > 0 and <= 10_000 && o.MaxBecause is > 0 and <= 10, "Esrs:Rank:MaxCandidates must be within 1..10000 and MaxBecause within 1..10.")
                .ValidateOnStart(),
            services.AddOptions<RecommendOptions>()
                .Validate(o => o.HalfLife >= TimeSpan.FromHours(1), "Esrs:Recommend:HalfLife must be at least an hour.")
                .Validate(o => o.NeighboursPerItem is > 0 and <= 1_000 && o.PairWindow is > 0 and <= 200, "Esrs:Recommend:NeighboursPerItem must be within 1..1000 and PairWindow within 1..200.")
                .Validate(o => o.RepeatWeight >= 0 && o.PopularityWeight >= 0 && o.CategoryWeight >= 0 && o.MaxBecause is > 0 and <= 10, "Esrs:Recommend weights must not be negative.")
                .Validate(o => o.Shards is > 0 and <= 4_096 && o.HistoryItems is > 0 and <= 1_000, "Esrs:Recommend:Shards must be within 1..4096 and HistoryItems within 1..1000.")
                .Validate(o => o.FlushInterval > TimeSpan.Zero && o.PersistInterval > TimeSpan.Zero, "Esrs:Recommend intervals must be positive.")
                .Validate(o => o.GraphCacheFor >= TimeSpan.Zero, "Esrs:Recommend:GraphCacheFor must not be negative.")
                .Validate(o => o.GraphServeStaleFor >= TimeSpan.Zero, "Esrs:Recommend:GraphServeStaleFor must not be negative.")
                .ValidateOnStart(),
            services.AddOptions<Catalogue.CatalogueOptions>()
                .Validate(o => o.Shards is > 0 and <= 4_096, "Esrs:Catalogue:Shards must be within 1..4096.")
                .Validate(o => o.CacheFor > TimeSpan.Zero && o.MissCacheFor > TimeSpan.Zero && o.CacheCapacity > 0, "Esrs:Catalogue cache times and capacity must be positive.")
                .Validate(o => o.PriceTolerance > 1m, "Esrs:Catalogue:PriceTolerance must be above 1.")
                .ValidateOnStart());
        configure?.Invoke(builder);
        return services;
    }
}

/// <summary>The option builders <see cref="EsrsGrainServiceCollectionExtensions.AddEsrsUsers"/> hands to its caller.</summary>
public sealed record EsrsUserOptionsBuilder(
    OptionsBuilder<ValidationOptions> Validation,
    OptionsBuilder<DedupeOptions> Dedupe,
    OptionsBuilder<ProfileOptions> Profiles,
    OptionsBuilder<QuarantineOptions> Quarantine,
    OptionsBuilder<TaggerOptions> Tagger,
    OptionsBuilder<QualityOptions> Quality,
    OptionsBuilder<RankOptions> Rank,
    OptionsBuilder<RecommendOptions> Recommend,
    OptionsBuilder<Catalogue.CatalogueOptions> Catalogue);
