using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Catalogue;
using Esrs.Client.Gateway;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Quality;
using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tests.Gateway;

/// <summary>
/// The catalogue through real Kestrel on a real silo: records cleaned, stored and answered per record, a re-send
/// unchanged, the quarantine kept once, items and sources readable, the <c>catalogue</c> quality source counted, events
/// enriched with the catalogue as provenance and without a grain call per event, and bad requests refused with a rule.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class CatalogueEndpointTests(GatewayFixture fixture)
{
    private static readonly JsonSerializerOptions Json = GatewayJson.Options;

    private static StringContent Body(object value) => new(JsonSerializer.Serialize(value, Json), Encoding.UTF8, "application/json");

    [Fact]
    public async Task RecordsAreCleanedStoredAnsweredAndAResendIsUnchanged()
    {
        var t = Guid.NewGuid().ToString("N")[..8];
        var source = "shop-" + t;
        object[] records =
        [
            new { itemId = $"a-{t}", title = "Nike Air Zoom", brand = "Nike", categoryPath = "Footwear > Shoes", listPrice = 100m, currency = "EUR" },
            new { itemId = $"b-{t}", title = "  Nike   Revolution 5 ", brand = "NIKE", categoryPath = "Footwear > Shoes > Nike Revolution 5", listPrice = 60m, currency = "eur" },
            new { itemId = $"c-{t}", title = "NIKE air zoom", brand = "nike", categoryPath = "footwear > shoes", listPrice = 100.00m, currency = "EUR" },
            new { itemId = $"d-{t}", brand = "Nike", listPrice = 10m, currency = "EUR" },
        ];
        using var writer = fixture.Client();
        using var answer = await writer.PostAsync($"v1/catalogue/{source}/items", Body(records));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        var response = JsonSerializer.Deserialize<CatalogueResponse>(text, Json)!;
        Assert.Equal((2, 1, 0, 1), (response.Stored, response.Duplicates, response.Unchanged, response.Quarantined));
        Assert.Equal([OutcomeKind.Accepted, OutcomeKind.Repaired, OutcomeKind.DuplicateByContent, OutcomeKind.Quarantined], response.Items.Select(i => i.Outcome));
        Assert.Equal($"a-{t}", response.Items[2].CanonicalId);
        Assert.Contains(response.Items[1].Decisions, d => d.RuleId == CatalogueRuleIds.BrandSpelling);
        Assert.Contains(response.Items[1].Decisions, d => d.RuleId == CatalogueRuleIds.CategoryProductName);
        Assert.Contains(response.Items[3].Decisions, d => d is { RuleId: CatalogueRuleIds.TitleMissing, Kind: DecisionKind.Rejected });

        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var b = await reader.GetFromJsonAsync<CatalogueItem>($"v1/catalogue/items/b-{t}", Json);
        Assert.Equal(("Nike Revolution 5", "Nike", "Footwear > Shoes", "EUR"), (b!.Title, b.Brand, b.CategoryPath, b.Currency));
        Assert.Equal(("  Nike   Revolution 5 ", "NIKE"), (b.Raw.Title, b.Raw.Brand));

        // The same batch again: stored items unchanged, the quarantined record not kept twice.
        using var again = await writer.PostAsync($"v1/catalogue/{source}/items", Body(records));
        var second = (await again.Content.ReadFromJsonAsync<CatalogueResponse>(Json))!;
        Assert.All(second.Items, i => Assert.Equal(OutcomeKind.DuplicateById, i.Outcome));
        var summary = await reader.GetFromJsonAsync<CatalogueSummary>($"v1/catalogue/{source}", Json);
        Assert.Equal((8L, 1L, 1L, 1L, 4L, 1L, 1), (summary!.Received, summary.Accepted, summary.Repaired, summary.Duplicates, summary.Unchanged, summary.Quarantined, summary.Brands));
        var kept = Assert.Single(summary.Quarantine);
        Assert.Equal($"d-{t}", kept.Record.ItemId);

        // Counted under the catalogue quality source.
        var collector = fixture.Silo.Host.Services.GetRequiredService<QualityCollector>();
        await collector.FlushAsync();
        for (var shard = 0; shard < new QualityOptions().Shards; shard++)
        {
            await fixture.Silo.Grains.GetGrain<IQualityShardGrain>(shard).FlushAsync();
        }

        var quality = fixture.Silo.Grains.GetGrain<IQualityGrain>(0);
        await quality.TickAsync();
        var snapshot = await quality.GetSnapshotAsync();
        var catalogue = snapshot.Sources.Single(s => s.Source == QualityCollector.CatalogueSource).Total;
        // Records are not events: the all-events total never counts them.
        Assert.DoesNotContain(QualitySketchUpdates.CatalogueItemType, snapshot.Sources.Single(s => s.Source == QualitySources.All).Total.Types.Keys);
        Assert.DoesNotContain(snapshot.OpenAlerts, a => a.Source == QualitySources.Catalogue);
        Assert.True(catalogue.Events >= 8, $"catalogue events {catalogue.Events}");
        Assert.True(catalogue.QuarantineRules.GetValueOrDefault(CatalogueRuleIds.TitleMissing) >= 1);
    }

    [Fact]
    public async Task EventsAreEnrichedWithTheCatalogueAsProvenanceAndWithoutACallPerEvent()
    {
        var t = Guid.NewGuid().ToString("N")[..8];
        using var writer = fixture.Client();
        object[] items =
        [
            new { itemId = $"shoe-{t}", title = "Trail Runner", brand = "Salomon", categoryPath = "Footwear > Trail", listPrice = 120m, currency = "EUR" },
            new { itemId = $"SHOE-{t}", title = "Trail Runner", brand = "Salomon", categoryPath = "Footwear > Trail", listPrice = 119m, currency = "EUR" },
            new { itemId = $"mug-{t}", title = "Enamel Mug", brand = "Falcon", categoryPath = "Kitchen > Mugs", listPrice = 12m, currency = "EUR" },
        ];
        using (var put = await writer.PostAsync($"v1/catalogue/shop-{t}/items", Body(items)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var user = "cat-" + t;
        var at = DateTime.UtcNow.AddMinutes(-5);
        object[] events =
        [
            new { eventId = $"e1-{t}", userId = user, type = "view", occurredAt = at, source = "shop", itemId = $"shoe-{t}" },
            new { eventId = $"e2-{t}", userId = user, type = "view", occurredAt = at.AddSeconds(1), source = "shop", itemId = $"mug-{t}", brand = "Emalco" },
            new { eventId = $"e3-{t}", userId = user, type = "view", occurredAt = at.AddSeconds(2), source = "shop", itemId = $"SHOE-{t}" },
        ];
        var cache = fixture.Silo.Host.Services.GetRequiredService<CatalogueCache>();
        var before = cache.Fetches;
        using var ingest = await writer.PostAsync("v1/events", Body(events));
        var text = await ingest.Content.ReadAsStringAsync();
        Assert.True(ingest.StatusCode == HttpStatusCode.Accepted, text);
        var outcomes = JsonSerializer.Deserialize<IngestResponse>(text, Json)!.Outcomes;
        Assert.Equal([RuleIds.CatalogueTitle, RuleIds.CatalogueCategory, RuleIds.CatalogueBrand, RuleIds.CataloguePrice], outcomes[0].Decisions.Select(d => d.RuleId));
        Assert.Contains(outcomes[1].Decisions, d => d is { RuleId: RuleIds.CatalogueDisagrees, Field: "brand", Kind: DecisionKind.Flagged });
        Assert.Contains(outcomes[2].Decisions, d => d is { RuleId: RuleIds.CatalogueAlias, Kind: DecisionKind.Repaired });
        // Three distinct items: at most one shard call each, in one round for the whole batch.
        Assert.InRange(cache.Fetches - before, 1, 3);

        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var profile = await reader.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", Json);
        // The alias counted as the product it duplicates: one item with two views, not two items.
        Assert.Equal([$"shoe-{t}", $"mug-{t}"], profile!.Items.Select(i => i.Value).Order(StringComparer.Ordinal).Reverse());
        Assert.Contains(profile.Categories, c => c.Value == "Footwear > Trail");
        Assert.Contains(profile.Brands, b => b.Value == "Emalco");
        Assert.Equal((QualityCollector.CatalogueSource, RuleIds.CatalogueCategory), (profile.Provenance[ProfileFields.Categories].Source, profile.Provenance[ProfileFields.Categories].RuleId));

        // A purchase without a price is spent at the list price, and the spend says where the price came from.
        object[] purchase = [new { eventId = $"e5-{t}", userId = user, type = "purchase", occurredAt = at.AddSeconds(3), source = "shop", itemId = $"mug-{t}", quantity = 2 }];
        using (var bought = await writer.PostAsync("v1/events", Body(purchase)))
        {
            Assert.Equal(HttpStatusCode.Accepted, bought.StatusCode);
        }

        var spent = await reader.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", Json);
        Assert.Equal(24m, spent!.Spend["EUR"]);
        Assert.Equal((QualityCollector.CatalogueSource, RuleIds.CataloguePrice), (spent.Provenance[ProfileFields.Spend].Source, spent.Provenance[ProfileFields.Spend].RuleId));

        // The same items for another user: all cached, no shard call.
        var cached = cache.Fetches;
        object[] more = [new { eventId = $"e4-{t}", userId = user + "-2", type = "view", occurredAt = at, source = "shop", itemId = $"mug-{t}" }];
        using (var again = await writer.PostAsync("v1/events", Body(more)))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        Assert.Equal(cached, cache.Fetches);
    }

    [Fact]
    public async Task ASmallShardIsReadWholeOnceAndALargeOneIdByIdUntilTheCacheTimeRunsOut()
    {
        var t = Guid.NewGuid().ToString("N")[..8];
        var item = $"whole-{t}";
        await fixture.Silo.Grains.GetGrain<ICatalogueSourceGrain>("shop-" + t).PutAsync([new CatalogueRecord { ItemId = item, Title = "Tea Towel", ListPrice = 3m, Currency = "GBP" }]);
        var shards = new CatalogueOptions().Shards;
        var neighbour = Enumerable.Range(0, 10_000).Select(i => $"absent-{t}-{i}").First(id => CatalogueShardGrain.ShardOf(id, shards) == CatalogueShardGrain.ShardOf(item, shards));
        static UserEvent View(string itemId) => new() { EventId = itemId, UserId = "u", Type = EventType.View, OccurredAt = DateTime.UtcNow, Source = "t", ItemId = itemId };

        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var whole = new CatalogueCache(fixture.Silo.Grains, Microsoft.Extensions.Options.Options.Create(new CatalogueOptions()), clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<CatalogueCache>.Instance);
        var lookup = await whole.LookupAsync([View(item)]);
        Assert.True(lookup!.TryGet(item, out var facts) && facts.Title == "Tea Towel");
        Assert.Equal(1, whole.Fetches);
        // Another id of the same shard is known absent without a call.
        Assert.False((await whole.LookupAsync([View(neighbour)]))!.TryGet(neighbour, out _));
        Assert.Equal(1, whole.Fetches);
        clock.Advance(new CatalogueOptions().CacheFor + TimeSpan.FromSeconds(1));
        await whole.LookupAsync([View(item)]);
        Assert.Equal(2, whole.Fetches);

        // A shard past WholeShardItems is asked for the batch's ids only (after one refused whole read), and remembers misses.
        var byId = new CatalogueCache(fixture.Silo.Grains, Microsoft.Extensions.Options.Options.Create(new CatalogueOptions { WholeShardItems = 0 }), clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<CatalogueCache>.Instance);
        Assert.True((await byId.LookupAsync([View(item)]))!.TryGet(item, out _));
        Assert.Equal(2, byId.Fetches);
        Assert.False((await byId.LookupAsync([View(neighbour)]))!.TryGet(neighbour, out _));
        Assert.Equal(3, byId.Fetches);
        await byId.LookupAsync([View(neighbour), View(item)]);
        Assert.Equal(3, byId.Fetches);
    }

    [Theory]
    [InlineData("POST", "v1/catalogue/Bad%20Source/items", "[{\"itemId\":\"x\",\"title\":\"t\"}]", HttpStatusCode.BadRequest, CatalogueEndpoints.SourceInvalid)]
    [InlineData("POST", "v1/catalogue/shop/items", "{\"itemId\":", HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed)]
    [InlineData("POST", "v1/catalogue/shop/items", "[{\"itemId\":\"x\",\"listPrice\":\"cheap\"}]", HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed)]
    [InlineData("POST", "v1/catalogue/shop/items", "[]", HttpStatusCode.BadRequest, GatewayProblems.BatchEmpty)]
    [InlineData("POST", "v1/catalogue/shop/items", "", HttpStatusCode.BadRequest, GatewayProblems.BodyEmpty)]
    [InlineData("GET", "v1/catalogue/items/no-such-item", null, HttpStatusCode.NotFound, CatalogueEndpoints.ItemUnknown)]
    [InlineData("POST", "v1/catalogue/shop/items", "<items/>", HttpStatusCode.UnsupportedMediaType, GatewayProblems.ContentType, "application/xml")]
    [InlineData("GET", "v1/catalogue/shop?limit=0", null, HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid)]
    public async Task BadRequestsAreRefusedWithTheRule(string method, string path, string? body, HttpStatusCode status, string rule, string mediaType = "application/json")
    {
        using var http = fixture.Client(method == "GET" ? GatewayFixture.ReadKey : GatewayFixture.WriteKey);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        }

        using var answer = await http.SendAsync(request);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, answer.StatusCode);
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task TooManyRecordsAreRefusedAndReadersCannotWrite()
    {
        using var writer = fixture.Client();
        var many = Enumerable.Range(0, CatalogueEndpoints.MaxRecords + 1).Select(i => new { itemId = "i" + i });
        using (var answer = await writer.PostAsync("v1/catalogue/shop/items", Body(many)))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
            Assert.Equal(GatewayProblems.BatchTooLarge, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
        }

        using var reader = fixture.Client(GatewayFixture.ReadKey);
        using var refused = await reader.PostAsync("v1/catalogue/shop/items", Body(new[] { new { itemId = "x", title = "t" } }));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
