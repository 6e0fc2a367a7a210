using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Esrs.Silo.Ingest;

/// <summary>Wiring of the Redis Streams consumer.</summary>
public static class RedisIngestServiceCollectionExtensions
{
    /// <summary>Adds the stream consumer when <paramref name="options"/> name a Redis server; otherwise adds nothing but the (empty) progress counters.</summary>
    public static IServiceCollection AddEsrsRedisIngest(this IServiceCollection services, RedisIngestOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(RedisIngestOptions.SectionName, typeof(RedisIngestOptions), errors);
        }

        services.AddSingleton<RedisIngestProgress>();
        if (options.Enabled)
        {
            services.AddSingleton(options);
            services.AddSingleton<RedisStreamIngestService>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RedisStreamIngestService>());
        }

        return services;
    }
}
