using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Esrs.Tagging;

/// <summary>
/// Loads the silo's tagger model while the silo starts, before it becomes active, on a thread-pool thread. Loaded on
/// first use instead, the first pool member to activate built it on the grain scheduler: seconds for the default
/// ensemble, during which that thread and every turn queued behind it stalled (a fresh silo under load logged 3 s turns
/// and thread-pool stalls). A model that fails to load does not stop the silo: the pool answers unavailable, as before.
/// </summary>
public sealed partial class TaggerModelWarmUp(IServiceProvider services, ILogger<TaggerModelWarmUp> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(nameof(TaggerModelWarmUp), ServiceLifecycleStage.ApplicationServices, LoadAsync);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var batcher = await Task.Run(services.GetRequiredService<TagBatcher>, cancellationToken);
            LogLoaded(logger, batcher.Model switch
            {
                { IsAvailable: true } model => model.Version,
                UnavailableTagModel none => "none: " + none.Reason,
                _ => "none",
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLoadFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tagger model loaded at start: {Version}")]
    private static partial void LogLoaded(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tagger model failed to load at start; the pool answers unavailable on this silo")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception);
}
