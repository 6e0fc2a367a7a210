using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Tests.Support;
using Esrs.Users;
using MessagePack;

namespace Esrs.Tests.Gateway;

[Collection(GatewayCollection.Name)]
public sealed class GatewayTests(GatewayFixture fixture)
{
    private static string NewUser() => "gw-" + Guid.NewGuid().ToString("N");

    private static string Json(params object[] events) => JsonSerializer.Serialize(events);

    private static Dictionary<string, object?> Event(string user, string type = "view", string? id = null) => new()
    {
        ["eventId"] = id ?? TestEvents.NextId(),
        ["userId"] = user,
        ["type"] = type,
        ["occurredAt"] = DateTime.UtcNow.AddMinutes(-5).ToString("O"),
        ["itemId"] = type == "search" ? null : "sku-1",
        ["query"] = type == "search" ? "  lamp " : null,
    };

    private static StringContent Body(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string rule)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    [Fact]
    public async Task BatchIsAcceptedWithOutcomesInRequestOrderAndShowsInTheProfile()
    {
        var (alice, bob) = (NewUser(), NewUser());
        using var http = fixture.Client();

        var response = await http.PostAsync("v1/events", Body(Json(Event(alice), Event(bob, "search"), Event(alice, "add-to-cart"), Event(alice, "teleport"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;
        Assert.Equal([OutcomeKind.Accepted, OutcomeKind.Repaired, OutcomeKind.Repaired, OutcomeKind.Quarantined], result.Outcomes.Select(o => o.Kind));
        Assert.Equal((1, 2, 0, 1), (result.Accepted, result.Repaired, result.Duplicates, result.Quarantined));
        Assert.Equal(RuleIds.QuantityDefault, result.Outcomes[2].Decisions.Single().RuleId);
        Assert.Equal(RuleIds.TypeUnknown, result.Outcomes[3].Decisions.Single().RuleId);

        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var profile = (await reader.GetFromJsonAsync<UserProfile>($"v1/users/{alice}/profile", GatewayJson.Options))!;
        var unattributed = (await reader.GetFromJsonAsync<UserProfile>($"v1/users/{Uri.EscapeDataString(UserGrainKeys.UnattributedPrefix + "0")}/profile", GatewayJson.Options))!;
        Assert.Equal(UserGrainKeys.UnattributedPrefix + "0", unattributed.UserId);
        Assert.Equal(1, profile.Counts[EventType.View]);
        Assert.Equal(1, profile.Counts[EventType.AddToCart]);
        Assert.Equal("test-writer", profile.Provenance[ProfileFields.Items].Source);
        var quarantine = (await reader.GetFromJsonAsync<QuarantinePage>($"v1/users/{alice}/quarantine?offset=0&limit=10", GatewayJson.Options))!;
        Assert.Equal("teleport", quarantine.Items.Single().Event.Attributes!["type"]);
    }

    private static Dictionary<string, object?> Teleport(string user, string item, string type = "teleport")
    {
        var e = Event(user, type);
        e["itemId"] = item;
        return e;
    }

    private static Dictionary<string, object?> Search(string user, string query)
    {
        var e = Event(user, "search");
        e["query"] = query;
        return e;
    }

    [Fact]
    public async Task ConcurrentRequestsForOneUserEachGetTheirOwnOutcomesAndCountOnce()
    {
        // 60 requests at once for one user (joined into fewer grain calls while one is in flight): each answer holds its own
        // events' outcomes in its own order; one event id sent in two requests is applied once.
        var user = NewUser();
        using var http = fixture.Client();
        var shared = TestEvents.NextId();
        var bodies = Enumerable.Range(0, 60).Select(i => i switch
        {
            0 or 1 => Json(Event(user, id: shared), Teleport(user, "sku-t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            _ => Json(Search(user, "lamp " + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Teleport(user, "sku-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "view")),
        }).ToArray();
        var responses = await Task.WhenAll(bodies.Select(b => http.PostAsync("v1/events", Body(b))));
        var results = new List<IngestResponse>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            results.Add((await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!);
        }

        Assert.Equal([OutcomeKind.Accepted, OutcomeKind.DuplicateById], results.Take(2).Select(r => r.Outcomes[0].Kind).Order());
        Assert.All(results.Take(2), r => Assert.Equal(OutcomeKind.Quarantined, r.Outcomes[1].Kind));
        Assert.All(results.Skip(2), r => Assert.Equal([OutcomeKind.Accepted, OutcomeKind.Accepted], r.Outcomes.Select(o => o.Kind)));
        Assert.All(results, r => Assert.Equal(2, r.Outcomes.Count));

        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var profile = (await reader.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!;
        Assert.Equal(58, profile.Counts[EventType.Search]);
        Assert.Equal(58 + 1, profile.Counts[EventType.View]);
        Assert.Equal(2, profile.Ingest.Quarantined);
        Assert.Equal(1, profile.Ingest.DuplicatesById);
    }

    [Fact]
    public async Task RepostingTheSameBodyChangesNothing()
    {
        var user = NewUser();
        var body = Json(Event(user), Event(user, "search"));
        using var http = fixture.Client();

        await http.PostAsync("v1/events", Body(body));
        var again = (await (await http.PostAsync("v1/events", Body(body))).Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;

        Assert.Equal(2, again.Duplicates);
        Assert.All(again.Outcomes, o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
        var profile = (await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!;
        Assert.Equal(2, profile.Counts.Values.Sum());
    }

    [Fact]
    public async Task MessagePackBodiesFollowTheWireContract()
    {
        var user = NewUser();
        var one = TestEvents.View(user);
        var batch = new[]
        {
            TestEvents.View(user, "sku-2"),
            TestEvents.Purchase(user, "sku-2"),
            TestEvents.View("") with { UserId = "", Attributes = new Dictionary<string, string> { ["k"] = "v" } },
        };
        using var http = fixture.Client();

        var single = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(one)) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-msgpack") } });
        var many = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(batch)) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-msgpack") } });
        var broken = await http.PostAsync("v1/events", new ByteArrayContent([0x93, 0x01, 0xc1]) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-msgpack") } });

        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        var manyResult = (await many.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;
        Assert.Equal((2, 1), (manyResult.Accepted, manyResult.Quarantined));
        await ProblemAsync(broken, HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed);
        var profile = (await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!;
        Assert.Equal(3, profile.Counts.Values.Sum());
    }

    [Theory]
    [InlineData("{\"eventId\": ", "line 1")]
    [InlineData("{\"eventId\": \"a\", \"quantity\": \"three\"}", "$.quantity")]
    [InlineData("{\"eventId\": \"a\", \"colour\": \"red\"}", "colour")]
    [InlineData("[null]", "Event 0 is null")]
    [InlineData("null", "JSON null")]
    public async Task MalformedJsonIsRefusedWithWhereItFailed(string body, string where)
    {
        using var http = fixture.Client();

        var problem = await ProblemAsync(await http.PostAsync("v1/events", Body(body)), HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed);

        Assert.Contains(where, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyBatchIsRefused()
    {
        using var http = fixture.Client();
        await ProblemAsync(await http.PostAsync("v1/events", Body("[]")), HttpStatusCode.BadRequest, GatewayProblems.BatchEmpty);
    }

    [Fact]
    public async Task OversizedBodyAndBatchAreRefused()
    {
        using var http = fixture.Client();
        var user = NewUser();

        // Sent as careful producers send large bodies (Expect: 100-continue): refused by its length before it travels.
        using var bigRequest = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = Body("[" + new string(' ', 2 << 20) + "]") };
        bigRequest.Headers.ExpectContinue = true;
        var tooBig = await http.SendAsync(bigRequest);
        var tooMany = await http.PostAsync("v1/events", Body(Json([.. Enumerable.Range(0, 1001).Select(_ => Event(user))])));

        await ProblemAsync(tooBig, HttpStatusCode.RequestEntityTooLarge, GatewayProblems.BodyTooLarge);
        await ProblemAsync(tooMany, HttpStatusCode.RequestEntityTooLarge, GatewayProblems.BatchTooLarge);
        Assert.Empty((await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!.Counts);
    }

    [Fact]
    public async Task OtherContentTypesAreRefused()
    {
        using var http = fixture.Client();
        await ProblemAsync(await http.PostAsync("v1/events", Body("eventId=1", "application/x-www-form-urlencoded")), HttpStatusCode.UnsupportedMediaType, GatewayProblems.ContentType);
    }

    [Fact]
    public async Task KeysAreRequiredAndReadKeysCannotWrite()
    {
        var body = Json(Event(NewUser()));
        using var anonymous = fixture.Client(key: null);
        using var stranger = fixture.Client("not-a-configured-key-at-all");
        using var reader = fixture.Client(GatewayFixture.ReadKey);

        await ProblemAsync(await anonymous.PostAsync("v1/events", Body(body)), HttpStatusCode.Unauthorized, GatewayProblems.KeyMissing);
        await ProblemAsync(await stranger.PostAsync("v1/events", Body(body)), HttpStatusCode.Unauthorized, GatewayProblems.KeyInvalid);
        await ProblemAsync(await reader.PostAsync("v1/events", Body(body)), HttpStatusCode.Forbidden, GatewayProblems.KeyReadOnly);
        await ProblemAsync(await anonymous.GetAsync("v1/users/x/profile"), HttpStatusCode.Unauthorized, GatewayProblems.KeyMissing);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("v1/users/x/profile")).StatusCode);
    }

    [Fact]
    public async Task QuarantineIsPagedAndReplayedOverHttp()
    {
        var user = NewUser();
        using var http = fixture.Client();
        var blankSearch = Event(user, "search");
        blankSearch["query"] = " ";
        await http.PostAsync("v1/events", Body(Json(blankSearch)));

        var page = (await http.GetFromJsonAsync<QuarantinePage>($"v1/users/{user}/quarantine", GatewayJson.Options))!;
        var replay = (await (await http.PostAsync($"v1/users/{user}/quarantine/replay", null)).Content.ReadFromJsonAsync<ReplayResult>(GatewayJson.Options))!;
        var badPage = await http.GetAsync($"v1/users/{user}/quarantine?limit=0");

        Assert.Equal(1, page.Total);
        Assert.Contains(page.Items.Single().Reasons, r => r.RuleId == RuleIds.RequiredField && r.Kind == DecisionKind.Rejected);
        Assert.Equal(1, replay.StillQuarantined);
        await ProblemAsync(badPage, HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid);
        await ProblemAsync(await http.GetAsync($"v1/users/{user}/quarantine?offset=abc"), HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid);
        await ProblemAsync(await http.GetAsync($"v1/users/{user}/quarantine?limit=1e3"), HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid);
    }

    [Fact]
    public async Task OpenApiDocumentDescribesTheApi()
    {
        using var http = fixture.Client(key: null);

        var document = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/events", out _));
        Assert.True(paths.TryGetProperty("/v1/users/{id}/profile", out _));
    }
}
