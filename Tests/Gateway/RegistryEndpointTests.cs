using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Identity;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tests.Gateway;

/// <summary>
/// <c>POST /v1/users/records</c> and <c>GET /v1/users/{id}/links</c> through real Kestrel on a real silo: linking by each
/// evidence, near misses, bad fields, no clear personal data in answers or database files, pseudonyms stable across a
/// restart under one key and apart under another.
/// </summary>
public sealed class RegistryEndpointTests
{
    private const string PseudonymKey = "registry-test-pseudonym-key-0123456789";

    [Fact]
    public async Task RecordsLinkByEachEvidenceAndNoClearPersonalDataIsAnsweredOrStored()
    {
        using var directory = new TempDirectory();
        var token = Guid.NewGuid().ToString("N")[..10];
        string U(string name) => name + "-" + token;
        var serviceId = "esrs-reg-" + Guid.NewGuid().ToString("N");
        var silo = await RealSilo.StartAsync(directory.Path, serviceId);
        var gateway = await StartAsync(silo, PseudonymKey);
        var body = JsonSerializer.Serialize(new object[]
        {
            new { userId = U("a"), email = $"anna.{token}@example.com", phone = "+44 1632 960001", name = "Anna Müller", birthYear = 1980, deviceIds = new[] { "dev-a" } },
            new { userId = U("b"), email = $" ANNA.{token}@Example.com ", name = "Anne Muller" },                       // email: links to a
            new { userId = U("c"), email = $"other.{token}@example.com", phone = "0044 1632 960001" },                 // phone: links to a
            new { userId = U("d"), name = "Jörg Schmidt", birthYear = 1975, deviceIds = new[] { $"tablet-{token}", "x" } },
            new { userId = U("e"), name = "SCHMIDT, Jorg", birthYear = 1975, deviceIds = new[] { $"TABLET-{token}" } }, // name + year + device: d
            new { userId = U("f"), name = "Jörg Schmidt", birthYear = 1975, deviceIds = new[] { "other-device" } },   // no shared device: alone
            new { userId = U("g"), name = "Eva Schmidt", birthYear = 1975, deviceIds = new[] { $"tablet-{token}" } },  // family tablet: alone
            new { userId = U("h"), email = "not-an-email", birthYear = 1850, gender = "F" },                         // stored, two fields dropped
            new { email = "nobody@example.com" },                                                                      // no user: refused
        });
        using var http = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        using var answer = await http.PostAsync("v1/users/records", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        var response = JsonSerializer.Deserialize<RecordsResponse>(text, GatewayJson.Options)!;
        Assert.Equal((8, 1, 3), (response.Stored, response.Refused, response.Links));
        Assert.Equal([RegistryRecords.EmailInvalid, RegistryRecords.BirthYearInvalid], response.Records[7].Rules);
        Assert.Equal([RegistryRecords.UserMissing], response.Records[8].Rules);
        foreach (var clear in new[] { "anna.", "Müller", "1632", "Schmidt", "tablet-", "nobody@" })
        {
            Assert.DoesNotContain(clear, text, StringComparison.OrdinalIgnoreCase);
        }

        using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
        var a = await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("a")}/links", GatewayJson.Options);
        Assert.Equal([U("a"), U("b"), U("c")], a!.Members);
        Assert.Equal(U("a"), a.Canonical);
        Assert.Equal([(U("a"), U("b"), LinkEvidence.Email), (U("a"), U("c"), LinkEvidence.Phone)], a.Links.Select(l => (l.A, l.B, l.Evidence)));
        var e = await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("e")}/links", GatewayJson.Options);
        Assert.Equal([U("d"), U("e")], e!.Members);
        Assert.Equal(U("d"), e.Canonical);
        Assert.Equal(LinkEvidence.NameBirthYearDevice, e.Links.Single().Evidence);
        foreach (var alone in new[] { "f", "g", "h" })
        {
            Assert.Equal([U(alone)], (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U(alone)}/links", GatewayJson.Options))!.Members);
        }

        // Restarted with the same key, a new record with a's email finds a: the stored pseudonyms are the ones computed now.
        await gateway.StopAsync();
        await silo.DisposeAsync();
        foreach (var clear in new[] { $"anna.{token}", "1632 960001", "441632960001", "Müller", "muller", $"tablet-{token}" })
        {
            Assert.False(DataFiles.Contain(directory.Path, clear), $"'{clear}' is in a database file");
        }

        silo = await RealSilo.StartAsync(directory.Path, serviceId);
        gateway = await StartAsync(silo, PseudonymKey);
        using var again = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        var sameKey = await PostAsync(again, new { userId = U("i"), email = $"Anna.{token}@example.com" });
        // The writer learns how it linked, not to whom (that is for readers).
        Assert.Equal([LinkEvidence.Email, LinkEvidence.Email], sameKey.Records[0].LinkedBy);
        Assert.DoesNotContain(U("a"), JsonSerializer.Serialize(sameKey, GatewayJson.Options), StringComparison.Ordinal);
        using var readerAgain = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
        Assert.Equal([U("a"), U("b"), U("c"), U("i")], (await readerAgain.GetFromJsonAsync<IdentityView>($"v1/users/{U("i")}/links", GatewayJson.Options))!.Members);
        await gateway.StopAsync();
        await gateway.DisposeAsync();

        // Under another key the same email is another pseudonym: no link (rotation re-sends the registry; README).
        gateway = await StartAsync(silo, PseudonymKey.ToUpperInvariant() + "-rotated");
        using var rotated = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        Assert.Empty((await PostAsync(rotated, new { userId = U("j"), email = $"anna.{token}@example.com" })).Records[0].LinkedBy);
        await gateway.StopAsync();
        await gateway.DisposeAsync();
        await silo.DisposeAsync();
    }

    [Fact]
    public async Task WhatTheRegistryDeclaresOutranksWhatEventsSayAndExplainShowsBoth()
    {
        using var directory = new TempDirectory();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-reg-" + Guid.NewGuid().ToString("N"));
        await using var gateway = await StartAsync(silo, PseudonymKey);
        using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
        var user = "claims-" + Guid.NewGuid().ToString("N")[..8];
        await PostAsync(writer, new { userId = user, gender = "F", birthYear = 1990 });
        var at = DateTime.UtcNow.AddMinutes(-1);
        using (var posted = await writer.PostAsync("v1/events", Json(JsonSerializer.Serialize(new[]
        {
            new { eventId = "c1-" + user, userId = user, type = "view", occurredAt = at.ToString("O"), itemId = "sku", gender = "male", age = 40 },
        }))))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var profile = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{user}/profile");
        Assert.Equal("female", profile.GetProperty("gender").GetString());
        Assert.Equal(DateTime.UtcNow.Year - 1990, profile.GetProperty("age").GetInt32());
        var gender = profile.GetProperty("conflicts").GetProperty("gender");
        Assert.Equal(("female", "test-writer"), (gender.GetProperty("winner").GetProperty("value").GetString(), gender.GetProperty("winner").GetProperty("source").GetString()));
        Assert.Equal("male", gender.GetProperty("losing")[0].GetProperty("value").GetString());
        Assert.Equal((at.Year - 40).ToString(System.Globalization.CultureInfo.InvariantCulture), profile.GetProperty("conflicts").GetProperty("age").GetProperty("losing")[0].GetProperty("value").GetString());
        Assert.False(profile.TryGetProperty("explain", out _));

        var explained = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{user}/profile?explain=true");
        Assert.Equal(2, explained.GetProperty("explain").GetProperty("gender").GetProperty("claims").GetArrayLength());
        Assert.Equal("profile.precedence", explained.GetProperty("explain").GetProperty("gender").GetProperty("last").GetProperty("ruleId").GetString());
        Assert.Contains("halved every", explained.GetProperty("explain").GetProperty("items").GetProperty("how").GetString(), StringComparison.Ordinal);
        await ProblemAsync(await reader.GetAsync($"v1/users/{user}/profile?explain=maybe"), HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid);

        // Records read the spellings events do (found by a README trial: "Herr", "Frau" and "女" were refused in records).
        foreach (var (spelling, expected) in new[] { ("Frau", "female"), ("Herr", "male"), ("女", "female"), ("divers", "other") })
        {
            var other = "spelling-" + Guid.NewGuid().ToString("N")[..8];
            Assert.Empty((await PostAsync(writer, new { userId = other, gender = spelling })).Records[0].Rules);
            Assert.Equal(expected, (await reader.GetFromJsonAsync<JsonElement>($"v1/users/{other}/profile")).GetProperty("gender").GetString());
        }

        Assert.Equal([RegistryRecords.GenderInvalid], (await PostAsync(writer, new { userId = "spelling-bad", gender = "dragon" })).Records[0].Rules);
    }

    [Fact]
    public async Task AGatewayWithoutAPseudonymKeyStoresNoPersonalDataAndBadBodiesGetTheirRule()
    {
        using var directory = new TempDirectory();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-reg-" + Guid.NewGuid().ToString("N"));
        await using var keyless = await GatewayFixture.StartGatewayAsync(silo);
        using var http = GatewayFixture.ClientOf(keyless, GatewayFixture.WriteKey);
        await ProblemAsync(await http.PostAsync("v1/users/records", Json("""{"userId":"u","email":"a@b.co"}""")), HttpStatusCode.InternalServerError, GatewayProblems.PseudonymKeyMissing);

        await using var gateway = await StartAsync(silo, PseudonymKey);
        using var keyed = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        await ProblemAsync(await keyed.PostAsync("v1/users/records", Json("""{"userId":"u","email":"secret@example.com","shoeSize":44}""")), HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed, "secret@example.com");
        await ProblemAsync(await keyed.PostAsync("v1/users/records", Json("""{"userId":"u","birthYear":"nineteen"}""")), HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed);
        await ProblemAsync(await keyed.PostAsync("v1/users/records", Json("[]")), HttpStatusCode.BadRequest, GatewayProblems.BatchEmpty);
        await ProblemAsync(await keyed.PostAsync("v1/users/records", Json("")), HttpStatusCode.BadRequest, GatewayProblems.BodyEmpty);
        await ProblemAsync(await keyed.PostAsync("v1/users/records", Json("[" + string.Join(',', Enumerable.Repeat("""{"userId":"u"}""", 80_000)) + "]")), HttpStatusCode.RequestEntityTooLarge, GatewayProblems.BodyTooLarge);
        await ProblemAsync(await keyed.PostAsync("v1/users/records", Json("42")), HttpStatusCode.BadRequest, GatewayProblems.BodyMalformed);
        await ProblemAsync(await keyed.PostAsync("v1/users/records", new StringContent("""{"userId":"u"}""", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, GatewayProblems.ContentType);
        using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("v1/users/records", Json("""{"userId":"u"}"""))).StatusCode);
    }

    [Fact]
    public async Task AnOperatorUndoesALinkAndTheRulesNeverJoinThePairAgainUntilOneIsErased()
    {
        using var directory = new TempDirectory();
        var token = Guid.NewGuid().ToString("N")[..10];
        string U(string name) => name + "-" + token;
        var silo = await RealSilo.StartAsync(directory.Path, "esrs-unlink-" + Guid.NewGuid().ToString("N"));
        const string OperatorKey = "unlink-test-operator-key-0123456789";
        var gateway = await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:PseudonymKeys:0:Name", "test-1"), ("Esrs:Gateway:PseudonymKeys:0:Key", PseudonymKey),
            ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        try
        {
            using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
            using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
            using var operatorHttp = GatewayFixture.ClientOf(gateway, OperatorKey);
            var email = $"shared.{token}@example.com";
            var linked = await PostAsync(writer, new object[] { new { userId = U("a"), email }, new { userId = U("b"), email } });
            Assert.Equal(1, linked.Links);

            using (var refused = await writer.DeleteAsync($"v1/users/{U("a")}/links/{U("b")}"))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }

            using (var undone = await operatorHttp.DeleteAsync($"v1/users/{U("a")}/links/{U("b")}"))
            {
                var text = await undone.Content.ReadAsStringAsync();
                Assert.True(undone.StatusCode == HttpStatusCode.OK, text);
                var result = JsonSerializer.Deserialize<UnlinkResult>(text, GatewayJson.Options)!;
                Assert.Equal((U("b"), LinkEvidence.Email), (result.Removed!.Other, result.Removed.Evidence));
                Assert.NotNull(result.SeparatedAt);
            }

            var aView = (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("a")}/links", GatewayJson.Options))!;
            Assert.Equal([U("a")], aView.Members);
            Assert.Equal([U("b")], aView.Separated);
            Assert.Equal([U("b")], (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("b")}/links", GatewayJson.Options))!.Members);

            // The same records again, from either side: the evidence still holds, the operator's decision outranks it.
            Assert.Equal(0, (await PostAsync(writer, new object[] { new { userId = U("b"), email }, new { userId = U("a"), email } })).Links);
            Assert.Equal([U("a")], (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("a")}/links", GatewayJson.Options))!.Members);

            // Undoing again changes nothing and says so; a pair never linked is no link to undo.
            using (var again = await operatorHttp.DeleteAsync($"v1/users/{U("b")}/links/{U("a")}"))
            {
                var result = (await again.Content.ReadFromJsonAsync<UnlinkResult>(GatewayJson.Options))!;
                Assert.Equal(HttpStatusCode.OK, again.StatusCode);
                Assert.Null(result.Removed);
            }

            await ProblemAsync(await operatorHttp.DeleteAsync($"v1/users/{U("a")}/links/{U("nobody")}"), HttpStatusCode.NotFound, RegistryEndpoints.LinkUnknown);

            // Erasing b leaves a no trace of it: a new b with the same email links to a as any stranger's record would.
            using (var erased = await operatorHttp.DeleteAsync($"v1/users/{U("b")}"))
            {
                Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
            }

            Assert.Equal(1, (await PostAsync(writer, new { userId = U("b"), email })).Links);
            Assert.Equal([U("a"), U("b")], (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("a")}/links", GatewayJson.Options))!.Members);

            // Three accounts on one phone: undoing one link leaves the two joined through the third, and the answer says so.
            var phone = "+44 1632 96" + token[..4].Select(c => (char)('0' + (c % 10))).Aggregate("", (x, c) => x + c);
            Assert.Equal(3, (await PostAsync(writer, new object[] { new { userId = U("p"), phone }, new { userId = U("q"), phone }, new { userId = U("r"), phone } })).Links);
            using (var partial = await operatorHttp.DeleteAsync($"v1/users/{U("p")}/links/{U("q")}"))
            {
                var result = (await partial.Content.ReadFromJsonAsync<UnlinkResult>(GatewayJson.Options))!;
                Assert.True(result.Removed is not null && result.StillOnePerson);
            }

            using (var rest = await operatorHttp.DeleteAsync($"v1/users/{U("p")}/links/{U("r")}"))
            {
                Assert.True((await rest.Content.ReadFromJsonAsync<UnlinkResult>(GatewayJson.Options))!.StillOnePerson is false);
            }

            Assert.Equal([U("p")], (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("p")}/links", GatewayJson.Options))!.Members);
            Assert.Equal([U("q"), U("r")], (await reader.GetFromJsonAsync<IdentityView>($"v1/users/{U("q")}/links", GatewayJson.Options))!.Members);
        }
        finally
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
            await silo.DisposeAsync();
        }
    }

    private static async Task<WebApplication> StartAsync(RealSilo silo, string key) =>
        await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:PseudonymKeys:0:Name", "test-1"), ("Esrs:Gateway:PseudonymKeys:0:Key", key));

    private static async Task<RecordsResponse> PostAsync(HttpClient http, object record)
    {
        using var answer = await http.PostAsJsonAsync("v1/users/records", record);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        return JsonSerializer.Deserialize<RecordsResponse>(text, GatewayJson.Options)!;
    }

    private static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string rule, string? mustNotEcho = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal(rule, JsonDocument.Parse(body).RootElement.GetProperty("rule").GetString());
        if (mustNotEcho is not null)
        {
            Assert.DoesNotContain(mustNotEcho, body, StringComparison.Ordinal);
        }

        response.Dispose();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
