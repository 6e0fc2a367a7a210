using System.Net;
using Esrs.Client.Gateway;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>Posts batches to the gateway's <c>POST /v1/events</c>, a few at a time; 503 is retried after Retry-After, other refusals stop the import.</summary>
public sealed class HttpEventSink(HttpClient http, string apiKey, int maxInFlight = 4) : IEventSink
{
    private const int MaxAttempts = 20;
    private readonly BoundedSender _sender = new(maxInFlight);

    public Task SendAsync(IReadOnlyList<UserEvent> batch, ImportSummary summary, CancellationToken cancellationToken) =>
        _sender.StartAsync(() => PostAsync(batch.Select(EventJson.From).ToArray(), batch.Count, summary, cancellationToken));

    public Task FlushAsync(CancellationToken cancellationToken) => _sender.DrainAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task PostAsync(EventJson[] body, int count, ImportSummary summary, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = JsonContent.Create(body, options: GatewayJson.Options) };
            request.Headers.Add(ApiKeyAuthorizer.Header, apiKey);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var result = await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options, cancellationToken)
                    ?? throw new InvalidOperationException("The gateway answered 202 with an empty body.");
                summary.Add(result.Outcomes);
                summary.CountSent(count);
                return;
            }

            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < MaxAttempts)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            throw new ImportException($"the gateway refused a batch: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
