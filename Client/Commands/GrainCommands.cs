using System.Text.Json;
using Esrs.Client.Gateway;

namespace Esrs.Client.Commands;

/// <summary><c>profile</c>, <c>quarantine</c>, <c>replay</c>: a user grain's view, straight from a running silo.</summary>
public static class GrainCommands
{
    private static IHost? _host;

    /// <summary>An Orleans client to the local silo (gateway port from <c>Esrs__Silo__GatewayPort</c>, 30000 by default).</summary>
    public static async Task<IClusterClient> ConnectAsync()
    {
        var gatewayPort = int.TryParse(Environment.GetEnvironmentVariable("Esrs__Silo__GatewayPort"), out var port) ? port : 30000;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var attempts = 0;
        builder.UseOrleansClient(client => client
            .UseLocalhostClustering(gatewayPort, serviceId: "esrs", clusterId: "esrs")
            .UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                // A few quick retries cover a silo that is still starting; then say so and stop.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return ++attempts < 5;
            }));
        _host = builder.Build();
        try
        {
            await _host.StartAsync();
        }
        catch (Exception ex)
        {
            throw new Import.ImportException($"cannot reach a silo on 127.0.0.1:{gatewayPort} ({ex.GetBaseException().Message}); start one with ./esrs run", ex);
        }

        return _host.Services.GetRequiredService<IClusterClient>();
    }

    public static async Task<int> RunAsync(string command, string[] args)
    {
        var line = new CommandLine(args, "offset", "limit");
        if (line.Positionals.Count != 1)
        {
            throw new UsageException($"{command} <userId>");
        }

        var grain = (await ConnectAsync()).GetGrain<IUserGrain>(line.Positionals[0]);
        object result = command switch
        {
            "profile" => await grain.GetProfileAsync(),
            "quarantine" => await grain.GetQuarantineAsync(line.Int("offset") ?? 0, line.Int("limit") ?? 50),
            _ => await grain.ReplayQuarantineAsync(),
        };
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), new JsonSerializerOptions(GatewayJson.Options) { WriteIndented = true }));
        await _host!.StopAsync();
        return 0;
    }
}
