using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Events;
using Esrs.Tests.Support;
using MessagePack;

namespace Esrs.Tests.Gateway;

/// <summary>
/// Issue 9's defects 5 and 6 over real HTTP: nothing after the durable write fails the call, every wire form gets the
/// same defaults, and every refusal (empty bodies, bad query strings, batches over the limit found while reading,
/// unknown routes) is problem details with a rule.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayRefusalTests(GatewayFixture fixture)
{
    private static readonly MediaTypeHeaderValue MessagePackType = new("application/x-msgpack");

    [Fact]
    public async Task AMessagePackEventWithoutSourceIsAcceptedUnderTheCallersName()
    {
        var user = "gw-" + Guid.NewGuid().ToString("N");
        var view = TestEvents.View(user) with { Source = null! };
        using var http = fixture.Client();

        var response = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(view)) { Headers = { ContentType = MessagePackType } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var outcome = Assert.Single((await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes);
        Assert.Equal(OutcomeKind.Accepted, outcome.Kind);
        var profile = await http.GetFromJsonAsync<JsonElement>($"v1/users/{user}/profile");
        Assert.Equal("test-writer", profile.GetProperty("provenance").GetProperty("counts").GetProperty("source").GetString());
        // A re-send is a duplicate: the first call's effect was durable and whole.
        var again = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(view)) { Headers = { ContentType = MessagePackType } });
        Assert.Equal(OutcomeKind.DuplicateById, Assert.Single((await again.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes).Kind);
    }

    [Theory]
    [InlineData(-3)]
    [InlineData(42)]
    public async Task AnEventTypeNumberOutsideTheContractIsQuarantinedNotAServerError(int type)
    {
        var user = "gw-" + Guid.NewGuid().ToString("N");
        var view = TestEvents.View(user) with { Type = (EventType)type };
        using var http = fixture.Client();

        var response = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(view)) { Headers = { ContentType = MessagePackType } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var outcome = Assert.Single((await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes);
        Assert.Equal(OutcomeKind.Quarantined, outcome.Kind);
        Assert.Equal(RuleIds.TypeUnknown, Assert.Single(outcome.Decisions).RuleId);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-msgpack")]
    public async Task AnEmptyBodyIsRefusedWithARule(string mediaType)
    {
        using var http = fixture.Client();

        var response = await http.PostAsync("v1/events", new ByteArrayContent([]) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType), ContentLength = 0 } });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "http.body.empty");
    }

    [Theory]
    [InlineData("quarantine?offset=abc")]
    [InlineData("quarantine?limit=many")]
    [InlineData("quarantine?offset=-1")]
    [InlineData("quarantine?limit=99999999999")]
    public async Task BadPagingIsRefusedWithARule(string path)
    {
        using var http = fixture.Client();

        await AssertProblemAsync(await http.GetAsync("v1/users/someone/" + path), HttpStatusCode.BadRequest, "http.query.invalid");
    }

    [Fact]
    public async Task ABatchOverTheLimitIsRefusedFromItsLengthBeforeAnyEventIsBuilt()
    {
        // 1 MiB of empty MessagePack arrays: an array header saying ~1M elements, then 0x90 bytes.
        var body = new byte[(1 << 20) - 16];
        body[0] = 0xdd;
        var count = body.Length - 5;
        (body[1], body[2], body[3], body[4]) = ((byte)(count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count);
        Array.Fill(body, (byte)0x90, 5, count);
        var json = "[" + string.Join(',', Enumerable.Repeat("{}", 1_001)) + "]";
        using var http = fixture.Client();

        await AssertProblemAsync(await http.PostAsync("v1/events", new ByteArrayContent(body) { Headers = { ContentType = MessagePackType } }), HttpStatusCode.RequestEntityTooLarge, "http.batch.too-large");
        await AssertProblemAsync(await http.PostAsync("v1/events", new StringContent(json, Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge, "http.batch.too-large");
    }

    [Fact]
    public async Task UnknownRoutesWrongMethodsAndInvalidUserIdsAreRefusedWithARule()
    {
        using var http = fixture.Client();

        await AssertProblemAsync(await http.GetAsync("v1/nothing-here"), HttpStatusCode.NotFound, "http.route.unknown");
        await AssertProblemAsync(await http.DeleteAsync("v1/events"), HttpStatusCode.MethodNotAllowed, "http.method.not-allowed");
        await AssertProblemAsync(await http.GetAsync("v1/users/" + new string('7', 300) + "/profile"), HttpStatusCode.BadRequest, "http.user-id.invalid");
        await AssertProblemAsync(await http.GetAsync("v1/users/%7Eunattributed%2F999/profile"), HttpStatusCode.BadRequest, "http.user-id.invalid");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/users/%7Eunattributed%2F3/quarantine")).StatusCode);
    }

    [Fact]
    public async Task AnEventWhoseUserIdNoRowCanHoldIsQuarantinedAndTheOthersOfTheBatchAreApplied()
    {
        var user = "gw-" + Guid.NewGuid().ToString("N");
        var events = new[] { TestEvents.View(user), TestEvents.View(new string('x', 300)), TestEvents.View("tab\tinside") };
        using var http = fixture.Client();

        var response = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(events)) { Headers = { ContentType = MessagePackType } });

        var outcomes = (await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes;
        Assert.Equal([OutcomeKind.Accepted, OutcomeKind.Quarantined, OutcomeKind.Quarantined], outcomes.Select(o => o.Kind));
        Assert.All(outcomes.Skip(1), o => Assert.Equal(RuleIds.UserInvalid, Assert.Single(o.Decisions).RuleId));
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string rule)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
    }
}
