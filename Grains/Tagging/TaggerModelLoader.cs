using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tagging;

/// <summary>
/// Builds the silo's <see cref="TagBatcher"/> (and so loads its model) once, on a thread-pool thread, for the pool members
/// to await as they activate. Built in a pool member's constructor instead, the load ran on the grain scheduler: seconds
/// for the default ensemble, during which that thread and the turns queued behind it stalled (a fresh silo under load
/// logged 3 s turns and thread-pool stalls). Still on first use, so a silo that hosts no pool member (placement keeps
/// them on accelerator silos when there are any) never loads a model. A load that failed is tried again by the next caller.
/// </summary>
public sealed class TaggerModelLoader(IServiceProvider services)
{
    private readonly Lock _gate = new();
    private Task<TagBatcher>? _loading;

    public Task<TagBatcher> GetAsync()
    {
        lock (_gate)
        {
            if (_loading is null || _loading.IsFaulted || _loading.IsCanceled)
            {
                _loading = Task.Run(services.GetRequiredService<TagBatcher>);
            }

            return _loading;
        }
    }
}
