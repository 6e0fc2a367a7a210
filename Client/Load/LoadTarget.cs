using System.Net;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Client.Import;
using Esrs.Events;
using MessagePack;
using StackExchange.Redis;

namespace Esrs.Client.Load;

/// <summary>What one attempt at a write or read came to.</summary>
/// <param name="Ok">Acknowledged (write) or answered (read).</param>
/// <param name="ErrorKind">Why not: <c>http-503</c>, <c>http-500</c>, <c>timeout</c>, <c>connection</c>...</param>
/// <param name="Retryable">Whether trying again may succeed (overload, a silo or the network away).</param>
/// <param name="RetryAfter">The server's Retry-After, when it gave one.</param>
public readonly record struct Attempt(bool Ok, string? ErrorKind = null, bool Retryable = false, TimeSpan? RetryAfter = null)
{
    public static Attempt Success { get; } = new(true);
}

/// <summary>A user's ingest counters as the profile shows them.</summary>
public readonly record struct ProfileCounters(long Accepted, long Repaired, long DuplicatesById, long DuplicatesByContent, long Quarantined, long CountsTotal)
{
    /// <summary>Events the grain keeps: applied to the profile, or held in the quarantine.</summary>
    public long Kept => Accepted + Repaired + Quarantined;
}

/// <summary>
/// Where the load goes: the HTTP gateway (acknowledged when durable, with per-event outcomes) or the Redis stream
/// (acknowledged when Redis has the entry; outcomes come later). Profile reads always go through the gateway.
/// </summary>
public sealed class LoadTarget : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly string? _writeKey;
    private readonly string _readKey;
    private readonly IDatabase? _redis;
    private readonly IConnectionMultiplexer? _multiplexer;
    private readonly string _stream;

    private LoadTarget(HttpClient http, string? writeKey, string readKey, IConnectionMultiplexer? redis, string stream)
    {
        _http = http;
        _writeKey = writeKey;
        _readKey = readKey;
        _multiplexer = redis;
        _redis = redis?.GetDatabase();
        _stream = stream;
    }

    /// <summary>Whether writes report per-event outcomes (HTTP) or only that the stream has them (Redis).</summary>
    public bool OutcomesKnown => _redis is null;

    public string Describe => _redis is null ? $"HTTP gateway {_http.BaseAddress}" : $"Redis stream {_stream} on {_multiplexer!.Configuration.Split(',')[0]}, reads via {_http.BaseAddress}";

    /// <summary>Opens the target; only loopback addresses are allowed (a load test never leaves this machine).</summary>
    public static async Task<LoadTarget> OpenAsync(Uri gateway, string? writeKey, string readKey, string? redisEndpoint, string stream, int connections)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (!IsLoopback(gateway.Host))
        {
            throw new Cli.UsageException($"load: the gateway must be on loopback (127.0.0.1, ::1, localhost), not {gateway.Host}");
        }

        if (redisEndpoint is not null && !IsLoopback(redisEndpoint.Split(':')[0]))
        {
            throw new Cli.UsageException($"load: Redis must be on loopback, not {redisEndpoint}");
        }

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = gateway,
            Timeout = TimeSpan.FromSeconds(15),
        };
        try
        {
            await GridEndpoints.CheckGatewayAsync(http);
            var redis = redisEndpoint is null ? null : await GridEndpoints.ConnectRedisAsync(redisEndpoint);
            return new LoadTarget(http, writeKey, readKey, redis, stream);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>One attempt to write <paramref name="batch"/>; on success <paramref name="outcomes"/> gets one kind per event (HTTP) or stays empty (Redis).</summary>
    public async Task<Attempt> WriteAsync(LoadEvent[] batch, OutcomeKind[] outcomes, CancellationToken cancellationToken)
    {
        if (_redis is null && _writeKey is null)
        {
            throw new InvalidOperationException("This target was opened without a write key.");
        }

        try
        {
            return _redis is null ? await PostAsync(batch, outcomes, cancellationToken) : await AppendAsync(batch);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(false, "timeout", Retryable: true);
        }
        catch (HttpRequestException)
        {
            return new Attempt(false, "connection", Retryable: true);
        }
        catch (RedisTimeoutException)
        {
            return new Attempt(false, "redis-timeout", Retryable: true);
        }
        catch (RedisException)
        {
            return new Attempt(false, "redis-connection", Retryable: true);
        }
    }

    private async Task<Attempt> PostAsync(LoadEvent[] batch, OutcomeKind[] outcomes, CancellationToken cancellationToken)
    {
        var body = new EventJson[batch.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            body[i] = EventJson.From(batch[i].Event);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = JsonContent.Create(body, options: GatewayJson.Options) };
        request.Headers.Add(ApiKeyAuthorizer.Header, _writeKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var result = await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options, cancellationToken);
            if (result is null || result.Outcomes.Count != batch.Length)
            {
                return new Attempt(false, "bad-answer");
            }

            for (var i = 0; i < outcomes.Length; i++)
            {
                outcomes[i] = result.Outcomes[i].Kind;
            }

            return Attempt.Success;
        }

        return Refusal(response);
    }

    private async Task<Attempt> AppendAsync(LoadEvent[] batch)
    {
        var adds = new Task[batch.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            adds[i] = _redis!.StreamAddAsync(_stream, RedisEventSink.EventField, MessagePackSerializer.Serialize(batch[i].Event));
        }

        await Task.WhenAll(adds);
        return Attempt.Success;
    }

    /// <summary>One attempt to read a user's profile counters.</summary>
    public async Task<(Attempt Attempt, ProfileCounters Counters)> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/users/{Uri.EscapeDataString(userId)}/profile");
            request.Headers.Add(ApiKeyAuthorizer.Header, _readKey);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (Refusal(response), default);
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            return (Attempt.Success, Counters(json.RootElement));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (new Attempt(false, "timeout", Retryable: true), default);
        }
        catch (HttpRequestException)
        {
            return (new Attempt(false, "connection", Retryable: true), default);
        }
    }

    /// <summary>The ingest counters of a profile as the gateway writes it (camelCase).</summary>
    public static ProfileCounters Counters(JsonElement profile)
    {
        var ingest = profile.GetProperty("ingest");
        long Get(string name) => ingest.TryGetProperty(name, out var value) ? value.GetInt64() : 0;
        long counts = 0;
        if (profile.TryGetProperty("counts", out var perType))
        {
            foreach (var type in perType.EnumerateObject())
            {
                counts += type.Value.GetInt64();
            }
        }

        return new ProfileCounters(Get("accepted"), Get("repaired"), Get("duplicatesById"), Get("duplicatesByContent"), Get("quarantined"), counts);
    }

    private static Attempt Refusal(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var retryable = status is 503 or 502 or 504 or 429;
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var kind = "http-" + status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // A shed request must say when to come back; one that does not is a gateway bug worth its own line in the report.
        return new Attempt(false, status == 503 && retryAfter is null ? kind + "-no-retry-after" : kind, retryable, retryAfter);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }
    }
}
