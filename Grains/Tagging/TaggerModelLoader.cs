using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// Builds the silo's <see cref="TagBatcher"/> (and so loads its model) once, on a thread-pool thread, for the pool members
/// to await as they activate. Built in a pool member's constructor instead, the load ran on the grain scheduler: seconds
/// for the default ensemble, during which that thread and the turns queued behind it stalled (a fresh silo under load
/// logged 3 s turns and thread-pool stalls). Still on first use, so a silo that hosts no pool member (placement keeps
/// them on accelerator silos when there are any) never loads a model. A model that fails to load is logged, and this
/// silo's pool answers unavailable until it restarts (callers back off), as a silo without a checkpoint does.
/// </summary>
public sealed partial class TaggerModelLoader(IServiceProvider services, ILogger<TaggerModelLoader> logger)
{
    private readonly Lazy<Task<TagBatcher>> _batcher = new(() => Task.Run(() => Load(services, logger)));

    public Task<TagBatcher> GetAsync() => _batcher.Value;

    private static TagBatcher Load(IServiceProvider services, ILogger logger)
    {
        try
        {
            return services.GetRequiredService<TagBatcher>();
        }
        catch (Exception ex)
        {
            LogLoadFailed(logger, ex);
            return new TagBatcher(
                new UnavailableTagModel($"The tagger model failed to load: {ex.Message}"),
                services.GetRequiredService<IOptions<TaggerOptions>>(),
                services.GetRequiredService<ILogger<TagBatcher>>());
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The tagger model failed to load; this silo's pool answers unavailable until it restarts")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);
}
