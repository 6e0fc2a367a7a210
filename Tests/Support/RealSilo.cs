using System.Net;
using System.Net.Sockets;
using Esrs.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Esrs.Tests.Support;

/// <summary>
/// A real silo host exactly as <c>./esrs run</c> builds it (embedded mode: SQLite, localhost
/// clustering, real sockets) on free loopback ports, for tests that need a real network hop.
/// </summary>
public sealed class RealSilo : IAsyncDisposable
{
    private int _disposed;

    private RealSilo(IHost host, int gatewayPort, string serviceId)
    {
        Host = host;
        GatewayPort = gatewayPort;
        ServiceId = serviceId;
    }

    public IHost Host { get; }

    public int GatewayPort { get; }

    public string ServiceId { get; }

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public static Task<RealSilo> StartAsync(string dataDirectory, string serviceId, params (string Key, string? Value)[] settings) =>
        StartAsync(dataDirectory, serviceId, null, settings);

    /// <summary>As <see cref="StartAsync(string, string, (string Key, string? Value)[])"/>, with more services (a grain call filter that cuts a boundary).</summary>
    public static async Task<RealSilo> StartAsync(string dataDirectory, string serviceId, Action<IServiceCollection>? services, params (string Key, string? Value)[] settings)
    {
        var (siloPort, gatewayPort) = (FreePort(), FreePort());
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>
        {
            ["Esrs:Silo:DataDirectory"] = dataDirectory,
            ["Esrs:Silo:ServiceId"] = serviceId,
            ["Esrs:Silo:ClusterId"] = serviceId,
            ["Esrs:Silo:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Esrs:Silo:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Several silos run in one test process: the Prometheus listener only where a test asks for it.
            ["Esrs:Silo:MetricsPort"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddEsrsSilo();
        // A 2-core CI machine running several test classes at once can hold one SQLite write well past Orleans' default
        // 30 s; a slow machine is not what these tests are about (the test clusters wait as long).
        builder.Services.Configure<Orleans.Configuration.SiloMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(2));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new RealSilo(host, gatewayPort, serviceId);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops and disposes the host; a second call does nothing (a test may stop the silo early to read its files).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Host.StopAsync();
        Host.Dispose();
    }
}
