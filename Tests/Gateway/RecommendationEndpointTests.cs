using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Tests.Support;

namespace Esrs.Tests.Gateway;

/// <summary>
/// <c>GET /v1/users/{id}/recommendations</c> through real Kestrel and a real silo: the item graph is fed by what user
/// grains applied, off the ingest path, and read back as neighbours with explanations; cancelled and non-product items
/// never come back; the unknown user gets popular items, flagged.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RecommendationEndpointTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ItemsBoughtWithTheUsersItemsComeFirstWithTheItemThatBroughtThem()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (a, b, c) = ("A-" + run, "B-" + run, "C-" + run);
        var at = DateTime.UtcNow.AddMinutes(-3);
        // Two users buy A then B, one A then C, and u4 A: co(A, B) = 2 · 5, co(A, C) = 5, pop A = 4 · 5, B = 10, C = 5 (all decay alike).
        await IngestAsync(
            Purchase("u1-" + run, a, at), Purchase("u1-" + run, b, at),
            Purchase("u2-" + run, a, at), Purchase("u2-" + run, b, at),
            Purchase("u3-" + run, a, at), Purchase("u3-" + run, c, at),
            Purchase("u4-" + run, a, at));

        // u4 bought A: B scores sim(A, B) = 10 / √(20 · 10) = 0.707, C sim(A, C) = 5 / √(20 · 5) = 0.5, A its repeat weight 0.5;
        // popularity (0.05 · pop / max pop) puts A (20) before C (5).
        // The feed sends every second, and a send can fall between two users' grain calls: wait for the whole batch to show.
        var expected = 10 / Math.Sqrt(20 * 10);
        var items = await WaitForAsync("u4-" + run, r => r.Count >= 3 && Id(r[0]) == b
            && Math.Abs(r[0].GetProperty("because").EnumerateArray().First().GetProperty("weight").GetDouble() - expected) < 1e-6
            && r.Any(i => Id(i) == c && i.GetProperty("because").EnumerateArray().Any(x => x.GetProperty("signal").GetString() == "item")));
        Assert.Equal([b, a, c], items.Take(3).Select(Id));
        var because = items[0].GetProperty("because").EnumerateArray().First();
        Assert.Equal(("item", a), (because.GetProperty("signal").GetString(), because.GetProperty("value").GetString()));
        Assert.Equal(expected, because.GetProperty("weight").GetDouble(), 6);
        Assert.Equal("repeat", items[1].GetProperty("because").EnumerateArray().First().GetProperty("signal").GetString());
        var viaA = items[2].GetProperty("because").EnumerateArray().First();
        Assert.Equal(("item", a, 0.5), (viaA.GetProperty("signal").GetString(), viaA.GetProperty("value").GetString(), Math.Round(viaA.GetProperty("weight").GetDouble(), 6)));
    }

    [Fact]
    public async Task CancelledItemsAndNonProductsAreNeverRecommended()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (a, b, c) = ("A-" + run, "B-" + run, "C-" + run);
        var at = DateTime.UtcNow.AddMinutes(-3);
        var user = "u5-" + run;
        await IngestAsync(
            Purchase("u6-" + run, a, at), Purchase("u6-" + run, b, at), Purchase("u6-" + run, c, at),
            Purchase(user, a, at), Purchase(user, "POST", at), Purchase(user, b, at, quantity: 1), Purchase(user, b, at.AddMinutes(1), quantity: -1));

        var items = await WaitForAsync(user, r => r.Any(i => Id(i) == c && i.GetProperty("because").EnumerateArray().Any(x => x.GetProperty("signal").GetString() == "item")));
        Assert.DoesNotContain(items, i => Id(i) == b);
        Assert.DoesNotContain(items, i => Id(i) == "POST");
    }

    [Fact]
    public async Task TheUsersOwnEventsShowInTheNextRecommendationsDespiteTheCache()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var user = "u8-" + run;
        var at = DateTime.UtcNow.AddMinutes(-3);
        await IngestAsync(Purchase(user, "A-" + run, at));
        var first = await WaitForAsync(user, r => r.Any(i => Id(i) == "A-" + run));

        // Answered from the grain's cache now (Esrs:Recommend:CacheFor, 5 s): a purchase must clear it at once.
        await IngestAsync(Purchase(user, "B-" + run, at.AddMinutes(1)));
        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var again = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{user}/recommendations?k=10");

        Assert.DoesNotContain(first, i => Id(i) == "B-" + run);
        Assert.Contains(again.GetProperty("items").EnumerateArray(), i => Id(i) == "B-" + run);
    }

    [Fact]
    public async Task AnUnknownUserGetsPopularItemsFlaggedAsNotPersonalised()
    {
        await IngestAsync(Purchase("u7-" + Guid.NewGuid().ToString("N"), "P-" + Guid.NewGuid().ToString("N")[..8], DateTime.UtcNow.AddMinutes(-1)));
        using var reader = fixture.Client(GatewayFixture.ReadKey);

        var deadline = DateTime.UtcNow + Patience;
        JsonElement result;
        do
        {
            result = await reader.GetFromJsonAsync<JsonElement>($"v1/users/nobody-{Guid.NewGuid():N}/recommendations?k=5");
        }
        while (result.GetProperty("items").GetArrayLength() == 0 && DateTime.UtcNow < deadline && await Delay());

        Assert.False(result.GetProperty("personalised").GetBoolean());
        var items = result.GetProperty("items").EnumerateArray().ToList();
        Assert.InRange(items.Count, 1, 5);
        Assert.All(items, i => Assert.Equal("popular", i.GetProperty("because").EnumerateArray().Single().GetProperty("signal").GetString()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("abc")]
    [InlineData("-1")]
    public async Task AKOutsideOneToAHundredIsRefused(string k)
    {
        using var reader = fixture.Client(GatewayFixture.ReadKey);

        var response = await reader.GetAsync($"v1/users/someone/recommendations?k={k}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(GatewayProblems.QueryInvalid, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task ASilosGraphCacheAnswersRepeatReadsWithoutShardCallsUntilItsFeedOrTheClockSaysOtherwise()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (x, y) = ("X-" + run, "Y-" + run);
        var at = DateTime.UtcNow.AddMinutes(-3);
        await IngestAsync(Purchase("g1-" + run, x, at), Purchase("g1-" + run, y, at), Purchase("g2-" + run, x, at));
        await WaitForAsync("g2-" + run, r => r.Any(i => Id(i) == y));

        // A cache of its own over the silo's real shards, on a clock the test moves.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new Esrs.Recommending.ItemGraphCache(fixture.Silo.Grains, Microsoft.Extensions.Options.Options.Create(new Esrs.Recommending.RecommendOptions()), clock);
        var first = await cache.ReadAsync([x], []);
        var row = Assert.Single(first.Rows);
        Assert.Contains(y, row.Neighbours.Keys);
        Assert.True(first.Popularity.ContainsKey(y));
        var calls = cache.Calls;
        Assert.True(calls > 0);

        var again = await cache.ReadAsync([x], []);
        Assert.Equal(calls, cache.Calls);
        Assert.Equal(row.Neighbours, Assert.Single(again.Rows).Neighbours);

        // A delivery of this silo's feed touching x drops its row (read again at once) and makes the popular lists stale.
        cache.Invalidate([x]);
        await cache.ReadAsync([x], []);
        Assert.True(cache.Calls > calls);
        await WaitForRefreshesAsync(cache, 1);

        // Past GraphCacheFor (5 s) a read answers from the cache at once and the shards are read again in the background.
        calls = cache.Calls;
        clock.Advance(TimeSpan.FromSeconds(6));
        var stale = await cache.ReadAsync([x], []);
        Assert.Equal(row.Neighbours, Assert.Single(stale.Rows).Neighbours);
        await WaitForRefreshesAsync(cache, 2);
        Assert.True(cache.Calls > calls, "the stale entries are read again");

        // Fresh again: no call.
        calls = cache.Calls;
        await cache.ReadAsync([x], []);
        Assert.Equal(calls, cache.Calls);

        // Past GraphCacheFor and GraphServeStaleFor (60 s) a read waits for the shards.
        clock.Advance(TimeSpan.FromSeconds(70));
        var refreshes = cache.Refreshes.Started;
        await cache.ReadAsync([x], []);
        Assert.True(cache.Calls > calls);
        Assert.Equal(refreshes, cache.Refreshes.Started);
        Assert.Equal(0, cache.Refreshes.Failed);

        // Without serving stale, a read past GraphCacheFor waits for the shards too.
        var strict = new Esrs.Recommending.ItemGraphCache(fixture.Silo.Grains, Microsoft.Extensions.Options.Options.Create(new Esrs.Recommending.RecommendOptions { GraphServeStaleFor = TimeSpan.Zero }), clock);
        await strict.ReadAsync([x], []);
        calls = strict.Calls;
        clock.Advance(TimeSpan.FromSeconds(6));
        await strict.ReadAsync([x], []);
        Assert.True(strict.Calls > calls);
        Assert.Equal(0, strict.Refreshes.Started);
    }

    private static async Task WaitForRefreshesAsync(Esrs.Recommending.ItemGraphCache cache, long started)
    {
        // Background refreshes run on the thread pool: wait until they are done (each ends by clearing its marks).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((cache.Refreshes.Started < started || cache.Refreshes.Running) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(cache.Refreshes.Started >= started, $"{cache.Refreshes.Started} background refreshes, expected {started}");
        Assert.False(cache.Refreshes.Running);
    }

    private static string? Id(JsonElement item) => item.GetProperty("itemId").GetString();

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }

    private async Task<List<JsonElement>> WaitForAsync(string user, Func<List<JsonElement>, bool> ready)
    {
        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var result = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{user}/recommendations?k=10");
            var items = result.GetProperty("items").EnumerateArray().ToList();
            if (ready(items) || DateTime.UtcNow > deadline)
            {
                Assert.True(result.GetProperty("personalised").GetBoolean());
                return items;
            }

            await Task.Delay(200);
        }
    }

    private async Task IngestAsync(params object[] events)
    {
        using var writer = fixture.Client();
        var response = await writer.PostAsync("v1/events", new StringContent(JsonSerializer.Serialize(events), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static Dictionary<string, object?> Purchase(string user, string item, DateTime at, int quantity = 1) => new()
    {
        ["eventId"] = TestEvents.NextId(),
        ["userId"] = user,
        ["type"] = "purchase",
        ["occurredAt"] = at.ToString("O"),
        ["itemId"] = item,
        ["quantity"] = quantity,
        ["unitPrice"] = 2.5,
        ["currency"] = "GBP",
        ["sourceRef"] = "inv-" + item + "-" + quantity,
    };
}
