using System.Net;
using System.Text;
using Esrs.Client.Gateway;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class BackpressureTests(GatewayFixture fixture)
{
    [Fact]
    public async Task BusyGatewayAnswers503WithRetryAfterInsteadOfQueueing()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Silo,
            ("Esrs:Gateway:MaxConcurrentIngests", "1"), ("Esrs:Gateway:IngestQueueLimit", "0"), ("Esrs:Gateway:RetryAfterSeconds", "7"));
        var address = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, GatewayFixture.WriteKey);
        var user = "bp-" + Guid.NewGuid().ToString("N");
        var body = $"[{{\"eventId\":\"{TestEvents.NextId()}\",\"userId\":\"{user}\",\"type\":\"view\",\"occurredAt\":\"{DateTime.UtcNow.AddMinutes(-1):O}\",\"itemId\":\"sku\"}}]";
        var slow = new HeldContent(Encoding.UTF8.GetBytes(body));

        var holding = http.PostAsync("v1/events", slow);
        await gateway.Services.GetRequiredService<IngestGauge>().WaitForInFlightAsync(1);
        var shed = await http.PostAsync("v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        slow.Release();
        var held = await holding;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), shed.Headers.RetryAfter?.Delta);
        Assert.Contains(GatewayProblems.Overloaded, await shed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, held.StatusCode);
        await gateway.StopAsync();
    }

    /// <summary>
    /// A grid that cannot answer now (storage away) is a 503 with <c>Retry-After</c> and the rule on every route, reads and
    /// rankings as much as writes: a frontend or load client must know when to come back. Reads used to get no header.
    /// </summary>
    [Fact]
    public async Task EveryRouteAnswersAGridOutageWith503RetryAfterAndTheRule()
    {
        using var directory = new TempDirectory();
        var outage = new StorageOutageFilter();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-outage-" + Guid.NewGuid().ToString("N"),
            services => services.AddSingleton<Orleans.IIncomingGrainCallFilter>(outage));
        await using var gateway = await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:RetryAfterSeconds", "3"));
        var address = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, GatewayFixture.WriteKey);
        using var reader = new HttpClient { BaseAddress = address };
        reader.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, GatewayFixture.ReadKey);
        var user = "outage-" + Guid.NewGuid().ToString("N");
        var body = $"[{{\"eventId\":\"{TestEvents.NextId()}\",\"userId\":\"{user}\",\"type\":\"view\",\"occurredAt\":\"{DateTime.UtcNow.AddMinutes(-1):O}\",\"itemId\":\"sku\"}}]";

        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["ingest"] = await http.PostAsync("v1/events", new StringContent(body, Encoding.UTF8, "application/json")),
            ["profile"] = await reader.GetAsync($"v1/users/{user}/profile"),
            ["quarantine"] = await reader.GetAsync($"v1/users/{user}/quarantine"),
            ["rank"] = await reader.PostAsync($"v1/users/{user}/rank", new StringContent("{\"candidates\":[{\"itemId\":\"a\"}]}", Encoding.UTF8, "application/json")),
            ["recommendations"] = await reader.GetAsync($"v1/users/{user}/recommendations?k=5"),
        };

        foreach (var (route, answer) in answers)
        {
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{route}: {answer.StatusCode}");
            Assert.True(answer.Headers.RetryAfter?.Delta == TimeSpan.FromSeconds(3), $"{route}: Retry-After {answer.Headers.RetryAfter}");
            Assert.Contains(GatewayProblems.Overloaded, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            answer.Dispose();
        }

        outage.Enabled = false;
        using var back = await reader.GetAsync($"v1/users/{user}/profile");
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        await gateway.StopAsync();
    }

    /// <summary>Every call to a user grain fails as storage that is away does, while <see cref="Enabled"/>.</summary>
    private sealed class StorageOutageFilter : Orleans.IIncomingGrainCallFilter
    {
        public bool Enabled { get; set; } = true;

        public Task Invoke(Orleans.IIncomingGrainCallContext context) =>
            Enabled && context.InterfaceName.Contains("IUserGrain", StringComparison.Ordinal)
                ? throw new Esrs.Users.StateUnavailableException("storage is away (test)")
                : context.Invoke();
    }

    /// <summary>A JSON body that sends its first byte, then waits for a signal before sending the rest: its request holds an ingest slot meanwhile.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_body.AsMemory(0, 1));
            await stream.FlushAsync();
            await _release.Task;
            await stream.WriteAsync(_body.AsMemory(1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
