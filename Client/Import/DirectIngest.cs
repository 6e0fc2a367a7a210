using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>Sends events straight to the user grains (used by the bench and by <c>import --via orleans</c>).</summary>
public static class DirectIngest
{
    /// <summary>Ingests <paramref name="events"/> and returns the summary table; progress goes to <paramref name="progress"/>.</summary>
    public static async Task<string> RunAsync(IGrainFactory grains, IEnumerable<UserEvent> events, TextWriter progress)
    {
        await using var sink = new OrleansEventSink(grains);
        return (await Importer.RunAsync(events, sink, progress)).ToTable();
    }
}
