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

/// <summary>
/// Ordinary but awkward input, as producers and frontends send it: ratings that are not numbers, user ids with a percent
/// sign, whole numbers written as 2.0, compressed bodies, values of the wrong kind; each answered in the sender's terms.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayOrdinaryInputTests(GatewayFixture fixture)
{
    private const string OperatorKey = "test-operator-key-0123456789abcdef";

    private static string NewUser(string prefix = "oi-") => prefix + Guid.NewGuid().ToString("N");

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Rating(string user, string rating) =>
        $$"""{"eventId":"{{TestEvents.NextId()}}","userId":"{{user}}","type":"rating","itemId":"sku-1","occurredAt":"{{DateTime.UtcNow.AddMinutes(-5):O}}","rating":{{rating}}}""";

    [Fact]
    public async Task RatingsThatAreNotNumbersAreQuarantinedAndTheirPagesStillRead()
    {
        var user = NewUser();
        using var http = fixture.Client();
        var nan = TestEvents.View(user) with { Type = EventType.Rating, Rating = double.NaN };

        var json = await http.PostAsync("v1/events", Body($"[{Rating(user, "\"NaN\"")},{Rating(user, "\"-Infinity\"")},{Rating(user, "4")}]"));
        var packed = await http.PostAsync("v1/events", new ByteArrayContent(MessagePackSerializer.Serialize(nan)) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-msgpack") } });

        Assert.Equal(HttpStatusCode.Accepted, json.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, packed.StatusCode);
        var outcomes = (await json.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes;
        Assert.Equal([OutcomeKind.Quarantined, OutcomeKind.Quarantined, OutcomeKind.Accepted], outcomes.Select(o => o.Kind));
        Assert.Equal(RuleIds.RatingRange, outcomes[0].Decisions.Single(d => d.Kind == DecisionKind.Rejected).RuleId);

        using var reader = fixture.Client(GatewayFixture.ReadKey);
        var page = await reader.GetAsync($"v1/users/{user}/quarantine");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var raw = await page.Content.ReadAsStringAsync();
        Assert.Contains("\"rating\":\"NaN\"", raw, StringComparison.Ordinal);
        Assert.Contains("\"rating\":\"-Infinity\"", raw, StringComparison.Ordinal);
        var items = JsonSerializer.Deserialize<QuarantinePage>(raw, GatewayJson.Options)!.Items;
        Assert.Equal(3, items.Count);
        Assert.Equal(2, items.Count(i => double.IsNaN(i.Event.Rating!.Value)));
        Assert.Single(items, i => double.IsNegativeInfinity(i.Event.Rating!.Value));
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"v1/users/{user}/profile")).StatusCode);
    }

    [Fact]
    public async Task UserIdsHoldingAPercentSignAreDecodedOnce()
    {
        // "x%41y…" is a user of its own: sent escaped (%2541), it must not read or erase "xAy…" (%41 decoded a second time).
        var suffix = Guid.NewGuid().ToString("N");
        var (percent, plain, slashLike) = ("x%41y" + suffix, "xAy" + suffix, "p%2Fq" + suffix);
        using var http = fixture.Client();
        var posted = await http.PostAsync("v1/events", Body(JsonSerializer.Serialize(new[]
        {
            EventJson.From(TestEvents.View(percent)), EventJson.From(TestEvents.View(percent, "sku-2")), EventJson.From(TestEvents.View(plain)),
            EventJson.From(TestEvents.View(slashLike)),
        }, GatewayJson.Options)));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        async Task<long> ViewsAsync(string id) =>
            (await http.GetFromJsonAsync<UserProfile>($"v1/users/{Uri.EscapeDataString(id)}/profile", GatewayJson.Options))!.Counts.GetValueOrDefault(EventType.View);

        Assert.Equal((2L, 1L, 1L), (await ViewsAsync(percent), await ViewsAsync(plain), await ViewsAsync(slashLike)));
        Assert.Equal(0L, await ViewsAsync("p/q" + suffix));
        // A trailing slash, which routing accepts, reads the same user: its segment is still found in the target as sent.
        var trailing = (await http.GetFromJsonAsync<UserProfile>($"v1/users/{Uri.EscapeDataString(slashLike)}/profile/", GatewayJson.Options))!;
        Assert.Equal(slashLike, trailing.UserId);

        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Silo,
            ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        using var operatorClient = GatewayFixture.ClientOf(gateway, OperatorKey);
        var erase = await operatorClient.DeleteAsync($"v1/users/{Uri.EscapeDataString(percent)}");
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        Assert.Equal((0L, 1L), (await ViewsAsync(percent), await ViewsAsync(plain)));
    }

    [Fact]
    public async Task WholeNumbersWrittenWithADecimalPointAreWholeNumbers()
    {
        var user = NewUser();
        using var http = fixture.Client();
        string Purchase(string quantity) =>
            $$"""{"eventId":"{{TestEvents.NextId()}}","userId":"{{user}}","type":"purchase","itemId":"sku-1","occurredAt":"{{DateTime.UtcNow.AddMinutes(-5):O}}","quantity":{{quantity}},"unitPrice":2.5,"currency":"EUR","age":"31.0"}""";

        var accepted = await http.PostAsync("v1/events", Body($"[{Purchase("2.0")},{Purchase("\"3\"")},{Purchase("1e0")}]"));
        var fractional = await http.PostAsync("v1/events", Body(Purchase("2.5")));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, fractional.StatusCode);
        var detail = (await fractional.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains("whole number", detail, StringComparison.Ordinal);
        Assert.Contains("$.quantity", detail, StringComparison.Ordinal);
        var profile = (await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!;
        Assert.Equal(3, profile.Counts[EventType.Purchase]);
    }

    [Theory]
    [InlineData("\"unitPrice\":\"1,50\"", "$.unitPrice", "a number")]
    [InlineData("\"rating\":true", "$.rating", "a number")]
    [InlineData("\"occurredAt\":\"yesterday\"", "$.occurredAt", "ISO 8601")]
    [InlineData("\"attributes\":{\"k\":1}", "$.attributes.k", "a string")]
    public async Task AValueOfTheWrongKindIsNamedInTheUsersTerms(string field, string where, string expected)
    {
        using var http = fixture.Client();

        var response = await http.PostAsync("v1/events", Body($$"""{"eventId":"e","userId":"u",{{field}}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.Contains(where, detail, StringComparison.Ordinal);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACompressedBatchIsReadAsItInflates()
    {
        var user = NewUser();
        using var http = fixture.Client();
        var json = JsonSerializer.SerializeToUtf8Bytes(Enumerable.Range(0, 50).Select(i => EventJson.From(TestEvents.View(user, "sku-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToArray(), GatewayJson.Options);
        using var packed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json);
        }

        var body = new ByteArrayContent(packed.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json"), ContentEncoding = { "gzip" } } };
        var response = await http.PostAsync("v1/events", body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(50, (await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Accepted);
        Assert.Equal(50, (await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!.Counts[EventType.View]);

        // A small body that inflates past the body limit (8 MiB of spaces in ~8 KiB) is refused by what it inflates to.
        using var bomb = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(bomb, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write("["u8);
            gzip.Write(new byte[8 << 20].Select(_ => (byte)' ').ToArray());
            gzip.Write("]"u8);
        }

        var inflated = await http.PostAsync("v1/events", new ByteArrayContent(bomb.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json"), ContentEncoding = { "gzip" } } });
        var compress = await http.PostAsync("v1/events", new ByteArrayContent(packed.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json"), ContentEncoding = { "compress" } } });

        Assert.True(bomb.Length < 100_000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, inflated.StatusCode);
        Assert.Equal(GatewayProblems.BodyTooLarge, (await inflated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, compress.StatusCode);
        Assert.Equal(GatewayProblems.ContentType, (await compress.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesRequestBodiesAndOnlyTheApi()
    {
        using var http = fixture.Client(key: null);

        var document = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = document.GetProperty("paths");

        var events = paths.GetProperty("/v1/events").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(events.TryGetProperty("application/x-msgpack", out _));
        // One event or an array of them, as the endpoint reads.
        Assert.Equal(2, events.GetProperty("application/json").GetProperty("schema").GetProperty("oneOf").GetArrayLength());
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("X-Api-Key");
        Assert.Equal(("apiKey", "header"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString()));
        Assert.Equal(1, document.GetProperty("security").GetArrayLength());
        var fields = events.GetProperty("application/json").GetProperty("schema").GetProperty("oneOf")[0].GetProperty("properties");
        Assert.Contains("\"date-time\"", fields.GetProperty("occurredAt").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("\"integer\"", fields.GetProperty("quantity").GetRawText(), StringComparison.Ordinal);
        Assert.True(paths.GetProperty("/v1/users/{id}/rank").GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.True(paths.GetProperty("/v1/users/records").GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/dashboard", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gzip", "events")]
    [InlineData("deflate", "events")]
    [InlineData("br", "events")]
    [InlineData("gzip", "catalogue")]
    [InlineData("gzip", "rank")]
    public async Task BytesThatAreNotWhatTheirContentEncodingSaysAreABadRequest(string coding, string endpoint)
    {
        using var http = fixture.Client();
        var body = new ByteArrayContent("{\"eventId\":\"x\"}"u8.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json"), ContentEncoding = { coding } } };

        var response = await http.PostAsync(endpoint switch { "events" => "v1/events", "catalogue" => "v1/catalogue/test-shop/items", _ => $"v1/users/{NewUser()}/rank" }, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(GatewayProblems.BodyMalformed, problem.GetProperty("rule").GetString());
        Assert.Contains($"not valid {coding} data", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusalsSayWhatWasWrongInTheProducersTerms()
    {
        using var http = fixture.Client();
        using var cut = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(cut, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write("[]"u8);
        }

        var truncated = await http.PostAsync("v1/events", new ByteArrayContent(cut.ToArray()[..10]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json"), ContentEncoding = { "gzip" } } });
        var unknownField = await http.PostAsync("v1/events", Body("""{"eventId":"e","colour":"red"}"""));
        var trailingComma = await http.PostAsync("v1/events", Body("""[{"eventId":"e"},]"""));
        var emptyPack = await http.PostAsync("v1/events", new ByteArrayContent([0x90]) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-msgpack") } });

        async Task<string> DetailAsync(HttpResponseMessage response, string rule)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(rule, problem.GetProperty("rule").GetString());
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.DoesNotContain(".NET", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("Esrs.", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("reader options", detail, StringComparison.Ordinal);
            return detail;
        }

        Assert.Contains("gzip body inflates to nothing", await DetailAsync(truncated, GatewayProblems.BodyEmpty), StringComparison.Ordinal);
        Assert.Contains("'colour' is not a field of an event", await DetailAsync(unknownField, GatewayProblems.BodyMalformed), StringComparison.Ordinal);
        Assert.Contains("trailing comma", await DetailAsync(trailingComma, GatewayProblems.BodyMalformed), StringComparison.Ordinal);
        Assert.Contains("no event", await DetailAsync(emptyPack, GatewayProblems.BatchEmpty), StringComparison.Ordinal);
        Assert.Equal("ok", await (await fixture.Client(key: null).GetAsync("healthz")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnlinkingAUserFromItselfIsRefusedWithoutDotNetsParameterNote()
    {
        var user = NewUser();
        await using var gateway = await GatewayFixture.StartGatewayAsync(fixture.Silo,
            ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        using var operatorClient = GatewayFixture.ClientOf(gateway, OperatorKey);

        var response = await operatorClient.DeleteAsync($"v1/users/{user}/links/{user}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(GatewayProblems.ArgumentInvalid, problem.GetProperty("rule").GetString());
        Assert.DoesNotContain("(Parameter", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEventOfABatchThatCannotBeReadIsQuarantinedAsItArrivedAndTheOthersGoOn()
    {
        var user = NewUser();
        using var http = fixture.Client();
        var (good, bad) = (TestEvents.NextId(), TestEvents.NextId());
        var at = DateTime.UtcNow.AddMinutes(-5).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        string View(string id, string extra = "", string item = "sku-1") => $$"""{"eventId":"{{id}}","userId":"{{user}}","type":"view","itemId":"{{item}}","occurredAt":"{{at}}"{{extra}}}""";

        const string Three = ",\"quantity\":\"three\"";
        var response = await http.PostAsync("v1/events", Body($$"""[{{View(good)}},{{View(bad, Three)}},{"userId":42,"type":"view"},{{View(TestEvents.NextId(), item: "sku-2")}}]"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var outcomes = (await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes;
        Assert.Equal([OutcomeKind.Accepted, OutcomeKind.Quarantined, OutcomeKind.Quarantined, OutcomeKind.Accepted], outcomes.Select(o => o.Kind));
        var reason = Assert.Single(outcomes[1].Decisions);
        Assert.Equal((RuleIds.EventUnreadable, DecisionKind.Rejected), (reason.RuleId, reason.Kind));
        Assert.Contains("a whole number", reason.Detail, StringComparison.Ordinal);
        Assert.Contains("$[1].quantity", reason.Detail, StringComparison.Ordinal);
        Assert.Contains("$[2].userId", Assert.Single(outcomes[2].Decisions).Detail, StringComparison.Ordinal);

        // Kept with its user, as it arrived; the two readable events counted.
        var page = (await http.GetFromJsonAsync<QuarantinePage>($"v1/users/{user}/quarantine", GatewayJson.Options))!;
        var kept = Assert.Single(page.Items).Event;
        Assert.Equal(bad, kept.EventId);
        Assert.Equal(View(bad, Three), kept.Attributes![UserEventWire.RawAttribute]);
        Assert.Equal(2, (await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!.Counts[EventType.View]);

        // A redelivery of the same bytes is the quarantined event again; the producer's fixed event, under its own id, is applied once.
        var again = (await (await http.PostAsync("v1/events", Body($"[{View(bad, Three)}]"))).Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;
        var fixedResend = (await (await http.PostAsync("v1/events", Body($"[{View(TestEvents.NextId(), ",\"quantity\":3", item: "sku-3")}]"))).Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;
        Assert.Equal(OutcomeKind.DuplicateById, Assert.Single(again.Outcomes).Kind);
        Assert.Equal(OutcomeKind.Accepted, Assert.Single(fixedResend.Outcomes).Kind);
        Assert.Equal(3, (await http.GetFromJsonAsync<UserProfile>($"v1/users/{user}/profile", GatewayJson.Options))!.Counts[EventType.View]);
    }

    [Fact]
    public async Task DifferentUnreadableEventsAreEachKeptAndTheSameOneOnce()
    {
        // Unreadable events have no fields to tell them apart but the JSON they arrived as: two of one user, two without a
        // user (one unattributed grain), one far past the kept length, and the first sent again.
        var user = NewUser();
        using var http = fixture.Client();
        string Bad(string id, string extra) => $$"""{"eventId":"{{id}}","userId":"{{user}}","type":"view","quantity":"{{extra}}"}""";
        var (one, two, long1) = (Bad(TestEvents.NextId(), "three"), Bad(TestEvents.NextId(), "four"), Bad(TestEvents.NextId(), new string('x', 10_000) + "😀"));
        var noUser = $$"""{"source":"{{user}}","quantity":"a"}""";
        var noUserToo = $$"""{"source":"{{user}}","quantity":"b"}""";

        var first = (await (await http.PostAsync("v1/events", Body($"[{one},{two},{long1},{noUser},{noUserToo}]"))).Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;
        var again = (await (await http.PostAsync("v1/events", Body($"[{one}]"))).Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!;

        Assert.All(first.Outcomes, o => Assert.Equal(OutcomeKind.Quarantined, o.Kind));
        Assert.Equal(OutcomeKind.DuplicateById, Assert.Single(again.Outcomes).Kind);
        var page = (await http.GetFromJsonAsync<QuarantinePage>($"v1/users/{user}/quarantine", GatewayJson.Options))!;
        Assert.Equal(3, page.Total);
        var kept = page.Items.Single(i => i.Event.Attributes!.ContainsKey(UserEventWire.RawLengthAttribute)).Event.Attributes!;
        Assert.Equal(long1.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), kept[UserEventWire.RawLengthAttribute]);
        Assert.Equal(long1[..UserEventWire.MaxRawLength], kept[UserEventWire.RawAttribute]);
    }

    [Fact]
    public async Task AnEventNestedPastTheReadersDepthIsQuarantinedOnItsOwn()
    {
        var user = NewUser();
        using var http = fixture.Client();
        var deep = "{\"eventId\":\"" + TestEvents.NextId() + "\",\"userId\":\"" + user + "\",\"attributes\":{\"a\":" + new string('[', 100) + new string(']', 100) + "}}";
        var good = JsonSerializer.Serialize(EventJson.From(TestEvents.View(user)), GatewayJson.Options);

        var response = await http.PostAsync("v1/events", Body($"[{deep},{good}]"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([OutcomeKind.Quarantined, OutcomeKind.Accepted], (await response.Content.ReadFromJsonAsync<IngestResponse>(GatewayJson.Options))!.Outcomes.Select(o => o.Kind));
    }
}
