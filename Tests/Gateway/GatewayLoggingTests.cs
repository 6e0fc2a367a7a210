using System.Collections.Concurrent;
using Esrs.Client.Gateway;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Esrs.Tests.Gateway;

/// <summary>What the gateway writes to its log by default: no request lines (URLs can carry anything), no secrets.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayLoggingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task RequestsAreNotLoggedByDefaultAndNoKeyReachesTheLog()
    {
        var log = new CapturingLoggerProvider();
        const string secretInUrl = "a-secret-someone-put-in-a-url-0123456789";
        var app = GatewayHost.Build(
        [
            "--Esrs:Gateway:Url", "http://127.0.0.1:0",
            "--Esrs:Gateway:SiloGateways:0", "127.0.0.1:" + fixture.Silo.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Esrs:Gateway:ServiceId", fixture.Silo.ServiceId, "--Esrs:Gateway:ClusterId", fixture.Silo.ServiceId,
            "--Esrs:Gateway:WriteKeys:0:Name", "test-writer", "--Esrs:Gateway:WriteKeys:0:Key", GatewayFixture.WriteKey,
        ], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(log);
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/") };
            http.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, GatewayFixture.WriteKey);
            await http.GetAsync("dashboard/?key=" + secretInUrl);
            await http.GetAsync("v1/users/x/profile?key=" + secretInUrl);
            using var stranger = new HttpClient { BaseAddress = http.BaseAddress };
            stranger.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, secretInUrl);
            await stranger.GetAsync("v1/users/x/profile");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Assert.NotEmpty(log.Lines);
        Assert.DoesNotContain(log.Lines, l => l.Contains(secretInUrl, StringComparison.Ordinal) || l.Contains(GatewayFixture.WriteKey, StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("Request starting", StringComparison.Ordinal) || l.Contains("Request finished", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
