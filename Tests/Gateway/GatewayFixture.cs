using Esrs.Client.Gateway;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Esrs.Tests.Gateway;

/// <summary>A real embedded silo and the real gateway on Kestrel (loopback, free ports), connected through its own Orleans client over TCP.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string WriteKey = "test-write-key-0123456789abcdef";
    public const string ReadKey = "test-read-key-0123456789abcdef";

    private readonly TempDirectory _directory = new();

    public RealSilo Silo { get; private set; } = null!;

    public WebApplication Gateway { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await RealSilo.StartAsync(_directory.Path, "esrs-gw-" + Guid.NewGuid().ToString("N"));
        Gateway = await StartGatewayAsync(Silo);
        BaseAddress = new Uri(Gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
    }

    /// <summary>Starts a gateway on a free loopback port against <paramref name="silo"/>, with extra settings.</summary>
    public static async Task<WebApplication> StartGatewayAsync(RealSilo silo, params (string Key, string Value)[] settings)
    {
        var args = new List<string>
        {
            "--Esrs:Gateway:Url", "http://127.0.0.1:0",
            "--Esrs:Gateway:SiloGateways:0", "127.0.0.1:" + silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Esrs:Gateway:ServiceId", silo.ServiceId,
            "--Esrs:Gateway:ClusterId", silo.ServiceId,
            "--Esrs:Gateway:WriteKeys:0:Name", "test-writer",
            "--Esrs:Gateway:WriteKeys:0:Key", WriteKey,
            "--Esrs:Gateway:ReadKeys:0:Name", "test-reader",
            "--Esrs:Gateway:ReadKeys:0:Key", ReadKey,
        };
        foreach (var (key, value) in settings)
        {
            args.Add("--" + key);
            args.Add(value);
        }

        var app = GatewayHost.Build([.. args], builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        return app;
    }

    /// <summary>A client of <paramref name="gateway"/> (started on a free port) that sends <paramref name="key"/>.</summary>
    public static HttpClient ClientOf(WebApplication gateway, string key)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var client = new HttpClient { BaseAddress = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/") };
        client.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, key);
        return client;
    }

    public HttpClient Client(string? key = WriteKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, key);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        await Gateway.StopAsync();
        await Gateway.DisposeAsync();
        await Silo.DisposeAsync();
        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
