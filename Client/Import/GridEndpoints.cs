using StackExchange.Redis;

namespace Esrs.Client.Import;

/// <summary>Connecting to the grid's endpoints the same way in every command, with one message each when they are not there.</summary>
public static class GridEndpoints
{
    /// <summary>Connects to Redis at <paramref name="endpoint"/>; <paramref name="command"/> prefixes the message (e.g. <c>redrive: </c>).</summary>
    public static async Task<ConnectionMultiplexer> ConnectRedisAsync(string endpoint, string command = "")
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { endpoint }, AbortOnConnectFail = true, ConnectTimeout = 5000 });
        }
        catch (RedisConnectionException ex)
        {
            // The client library's first sentence says what happened; the rest is advice for code, not for a command.
            throw new ImportException($"{command}cannot reach Redis at {endpoint} ({ex.Message.Split(". ")[0].TrimEnd('.')}); is it running? (--redis HOST:PORT or ESRS_REDIS)");
        }
    }

    /// <summary>Fails with a message naming the gateway and how to start it when <c>/healthz</c> does not answer with success.</summary>
    public static async Task CheckGatewayAsync(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            using var health = await http.GetAsync("healthz");
            health.EnsureSuccessStatusCode();
        }
        catch (HttpRequestException ex)
        {
            throw new ImportException($"cannot reach the gateway at {http.BaseAddress} ({ex.Message}); start it with ./esrs run");
        }
    }
}
