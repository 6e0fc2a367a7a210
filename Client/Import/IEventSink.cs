using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>Where an import sends its events: the HTTP gateway, a Redis stream, or the grains directly.</summary>
public interface IEventSink : IAsyncDisposable
{
    /// <summary>Sends one batch; may return before the batch is done (bounded), adding outcomes to <paramref name="summary"/> when known.</summary>
    Task SendAsync(IReadOnlyList<UserEvent> batch, ImportSummary summary, CancellationToken cancellationToken);

    /// <summary>Waits for every batch sent so far.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
