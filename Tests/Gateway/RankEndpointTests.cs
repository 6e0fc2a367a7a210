using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Tests.Support;

namespace Esrs.Tests.Gateway;

/// <summary><c>POST /v1/users/{id}/rank</c> through real Kestrel and a real silo: personalised order with explanations, the unknown user flagged, every bad body a 4xx with its rule.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RankEndpointTests(GatewayFixture fixture)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static object Event(string user, string type, string item, string? category = null, string? brand = null) => new Dictionary<string, object?>
    {
        ["eventId"] = TestEvents.NextId(),
        ["userId"] = user,
        ["type"] = type,
        ["occurredAt"] = DateTime.UtcNow.AddMinutes(-2).ToString("O"),
        ["itemId"] = item,
        ["categoryPath"] = category,
        ["brand"] = brand,
        ["quantity"] = type == "purchase" ? 1 : null,
        ["unitPrice"] = type == "purchase" ? 30 : null,
        ["currency"] = type == "purchase" ? "EUR" : null,
    };

    [Fact]
    public async Task CandidatesComeBackInTheOrderOfTheUsersProfileWithTheSignalsThatMovedThem()
    {
        var user = "rank-" + Guid.NewGuid().ToString("N");
        using var writer = fixture.Client();
        var ingest = await writer.PostAsync("v1/events", Json(JsonSerializer.Serialize(new[]
        {
            Event(user, "purchase", "shoe-1", "shoes/running", "Nike"),
            Event(user, "view", "shoe-2", "shoes/running", "Nike"),
        })));
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        using var reader = fixture.Client(GatewayFixture.ReadKey);

        var response = await reader.PostAsync($"v1/users/{user}/rank", Json("""
            {"candidates": [
                {"itemId": "lamp-9", "title": "Desk lamp", "categoryPath": "home/lighting", "score": 0.9},
                {"itemId": "shoe-3", "title": "Trail shoe", "categoryPath": "shoes/running/trail", "brand": "NIKE", "score": 0.5},
                {"itemId": "shoe-1", "score": 0.4}
            ], "blend": 0.2}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("personalised").GetBoolean());
        var items = result.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["shoe-1", "shoe-3", "lamp-9"], items.Select(i => i.GetProperty("itemId").GetString()));
        var because = items[1].GetProperty("because").EnumerateArray().Select(b => (b.GetProperty("signal").GetString(), b.GetProperty("value").GetString())).ToList();
        Assert.Contains(("brand", "nike"), because);
        Assert.Contains(("category", "shoes/running"), because);
        Assert.Contains(items[0].GetProperty("because").EnumerateArray(), b => b.GetProperty("signal").GetString() == "item" && b.GetProperty("value").GetString() == "shoe-1");
        Assert.True(items[0].GetProperty("score").GetDouble() > items[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task AnUnknownUserGetsTheCandidatesAsSentFlaggedAsNotPersonalised()
    {
        using var reader = fixture.Client(GatewayFixture.ReadKey);

        var response = await reader.PostAsync($"v1/users/nobody-{Guid.NewGuid():N}/rank", Json("""{"candidates": [{"itemId": "b"}, {"itemId": "a"}, {"itemId": "c"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(result.GetProperty("personalised").GetBoolean());
        Assert.Equal(["b", "a", "c"], result.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()));
    }

    [Theory]
    [InlineData("", GatewayProblems.BodyEmpty)]
    [InlineData("{\"candidates\": [", GatewayProblems.BodyMalformed)]
    [InlineData("{}", RankEndpoints.CandidatesMissing)]
    [InlineData("{\"candidates\": []}", RankEndpoints.CandidatesMissing)]
    [InlineData("{\"candidates\": [null]}", RankEndpoints.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"title\": \"no id\"}]}", RankEndpoints.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\", \"price\": -1}]}", RankEndpoints.CandidateInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}, {\"itemId\": \"a\"}]}", RankEndpoints.ItemIdDuplicate)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}], \"blend\": 1.5}", RankEndpoints.BlendInvalid)]
    [InlineData("{\"candidates\": [{\"itemId\": \"a\"}], \"blend\": \"high\"}", GatewayProblems.BodyMalformed)]
    public async Task ABadBodyIsRefusedWithItsRule(string body, string rule)
    {
        using var reader = fixture.Client(GatewayFixture.ReadKey);

        var response = await reader.PostAsync("v1/users/someone/rank", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, rule);
    }

    [Fact]
    public async Task MoreThanFiveHundredCandidatesOrAnotherMediaTypeIsRefused()
    {
        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var many = JsonSerializer.Serialize(new { candidates = Enumerable.Range(0, 501).Select(i => new { itemId = "i" + i }) });

        await AssertProblemAsync(await reader.PostAsync("v1/users/someone/rank", Json(many)), HttpStatusCode.BadRequest, RankEndpoints.CandidatesTooMany);
        await AssertProblemAsync(await reader.PostAsync("v1/users/someone/rank", new StringContent("{}", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, GatewayProblems.ContentType);
        await AssertProblemAsync(await reader.PostAsync("v1/users/%7Ebad/rank", Json("""{"candidates": [{"itemId": "a"}]}""")), HttpStatusCode.BadRequest, GatewayProblems.UserIdInvalid);
    }

    [Fact]
    public async Task RankingNeedsAKey()
    {
        using var anonymous = fixture.Client(key: null);

        var response = await anonymous.PostAsync("v1/users/someone/rank", Json("""{"candidates": [{"itemId": "a"}]}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string rule)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }
}
