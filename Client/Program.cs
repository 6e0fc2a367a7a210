using System.Text.Json;
using System.Text.Json.Serialization;
using Esrs;
using Esrs.Client.Import;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Esrs client: a thin console over a running silo (gateway port 30000 by default).
//   profile <userId>                      print the live profile as JSON
//   quarantine <userId> [offset] [limit]  print a page of the user's quarantine
//   replay <userId>                       replay the user's quarantine under the current rules
//   ingest-uci <file> [--limit N]         send UCI Online Retail rows straight to the user grains
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: esrs client profile <userId> | quarantine <userId> [offset] [limit] | replay <userId> | ingest-uci <file> [--limit N]");
    return args.Length == 0 ? 2 : 0;
}

var gatewayPort = int.TryParse(Environment.GetEnvironmentVariable("Esrs__Silo__GatewayPort"), out var port) ? port : 30000;
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
var connectAttempts = 0;
builder.UseOrleansClient(client => client
    .UseLocalhostClustering(gatewayPort, serviceId: "esrs", clusterId: "esrs")
    .UseConnectionRetryFilter(async (_, cancellationToken) =>
    {
        // A few quick retries cover a silo that is still starting; then say so and stop.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return ++connectAttempts < 5;
    }));
using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Exception ex)
{
    Console.Error.WriteLine($"esrs: cannot reach a silo on 127.0.0.1:{gatewayPort} ({ex.GetBaseException().Message}); start one with ./esrs run");
    return 3;
}

var grains = host.Services.GetRequiredService<IClusterClient>();
var json = new JsonSerializerOptions { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
try
{
    switch (args[0])
    {
        case "profile" when args.Length == 2:
            Console.WriteLine(JsonSerializer.Serialize(await grains.GetGrain<IUserGrain>(args[1]).GetProfileAsync(), json));
            return 0;
        case "quarantine" when args.Length is >= 2 and <= 4:
            var offset = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
            var limit = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 50;
            Console.WriteLine(JsonSerializer.Serialize(await grains.GetGrain<IUserGrain>(args[1]).GetQuarantineAsync(offset, limit), json));
            return 0;
        case "replay" when args.Length == 2:
            Console.WriteLine(JsonSerializer.Serialize(await grains.GetGrain<IUserGrain>(args[1]).ReplayQuarantineAsync(), json));
            return 0;
        case "ingest-uci" when args.Length is 2 or 4:
            if (!File.Exists(args[1]))
            {
                Console.Error.WriteLine($"esrs: no such file: {args[1]}");
                return 2;
            }

            int? rows = args.Length == 4 && args[2] == "--limit" ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : null;
            var summary = await DirectIngest.RunAsync(grains, UciOnlineRetail.ReadRows(args[1], rows).Select(UciOnlineRetail.ToEvent), Console.Error);
            Console.WriteLine(summary);
            return 0;
        default:
            Console.Error.WriteLine($"esrs: unknown or malformed command: {string.Join(' ', args)}");
            return 2;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"esrs: {ex.Message}");
    return 2;
}
finally
{
    await host.StopAsync();
}
