using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Cleaning;
using Esrs.Profiles;
using Esrs.Silo.Storage;
using Esrs.Tests.Support;
using Esrs.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Esrs.Tests.Gateway;

/// <summary>
/// One profile per person, through real Kestrel on a real silo: two ids the registry links get one profile under the
/// canonical (smaller) id, built from both ids' events with an event seen under both counted once; later events and reads
/// under either id go to it; linking again changes nothing; an unlink restores each side from its own events; erasing a
/// member takes its events out of the person's profile; a profile from before events were logged is never merged (its
/// history would be lost). Every expected count is worked out by hand from the events sent.
/// </summary>
public sealed class MergedProfileTests
{
    private const string PseudonymKey = "merge-test-pseudonym-key-0123456789";
    private const string OperatorKey = "merge-test-operator-key-0123456789";

    [Fact]
    public async Task LinkedIdsShareOneProfileCountingEachEventOnceAndUnlinkRestoresBothFromTheirOwnEvents()
    {
        using var directory = new TempDirectory();
        var token = Guid.NewGuid().ToString("N")[..10];
        string U(string name) => name + "-" + token;
        var (a, b) = (U("a"), U("b"));
        var silo = await RealSilo.StartAsync(directory.Path, "esrs-merge-" + Guid.NewGuid().ToString("N"));
        var gateway = await StartAsync(silo);
        try
        {
            using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
            using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
            using var operatorHttp = GatewayFixture.ClientOf(gateway, OperatorKey);
            var at = DateTime.UtcNow.AddMinutes(-30);

            // a: purchase A1 (10 GBP), view A2, purchase SH1 (5 GBP). b: purchase B1 (20 GBP), view B2, and SH1 again: the same
            // event (same id and fields, sent for b as well), which the person must count once.
            await SendAsync(writer, Purchase("a1", a, at, "A1", 10m), View("a2", a, at.AddMinutes(1), "A2"), Purchase("shared", a, at.AddMinutes(2), "SH1", 5m));
            await SendAsync(writer, Purchase("b1", b, at.AddMinutes(3), "B1", 20m), View("b2", b, at.AddMinutes(4), "B2"), Purchase("shared", b, at.AddMinutes(2), "SH1", 5m));
            await AssertProfileAsync(reader, a, expectedId: a, purchases: 2, views: 1, spend: 15m, merged: null);
            await AssertProfileAsync(reader, b, expectedId: b, purchases: 2, views: 1, spend: 25m, merged: null);

            var email = $"one.person.{token}@example.com";
            Assert.Equal(1, (await PostRecordsAsync(writer, new object[] { new { userId = a, email }, new { userId = b, email } })).GetProperty("links").GetInt32());

            // One person: A1, SH1, B1 bought (SH1 once), A2 and B2 viewed; 10 + 5 + 20 spent; read under either id.
            var merged = await AssertProfileAsync(reader, a, expectedId: a, purchases: 3, views: 2, spend: 35m, merged: [a, b]);
            Assert.Equal(1, merged.GetProperty("ingest").GetProperty("mergedDuplicates").GetInt64());
            Assert.Equal(merged.GetProperty("counts").ToString(), (await AssertProfileAsync(reader, b, expectedId: a, purchases: 3, views: 2, spend: 35m, merged: [a, b])).GetProperty("counts").ToString());

            // A later event under b reaches the person; sending it again under a is a duplicate of it.
            await SendAsync(writer, View("b3", b, at.AddMinutes(5), "B3"));
            var again = await SendAsync(writer, View("b3", a, at.AddMinutes(5), "B3"));
            Assert.Equal("duplicate-by-id", again.GetProperty("outcomes")[0].GetProperty("kind").GetString());
            await AssertProfileAsync(reader, a, expectedId: a, purchases: 3, views: 3, spend: 35m, merged: [a, b]);

            // An event under b that no rule accepts (a type nobody knows) is kept in b's own quarantine, not the person's:
            // sent again it is a duplicate of that entry.
            var teleport = new { eventId = "b-bad", userId = b, type = "teleport", occurredAt = at.AddMinutes(5).ToString("O"), itemId = "B9" };
            Assert.Equal("quarantined", (await SendAsync(writer, teleport)).GetProperty("outcomes")[0].GetProperty("kind").GetString());
            Assert.Equal("duplicate-by-id", (await SendAsync(writer, teleport)).GetProperty("outcomes")[0].GetProperty("kind").GetString());
            Assert.Equal((1L, 0L), (await QuarantinedAsync(reader, b), await QuarantinedAsync(reader, a)));

            // The same records again: merged exactly once, nothing counted twice.
            await PostRecordsAsync(writer, new object[] { new { userId = b, email }, new { userId = a, email } });
            await AssertProfileAsync(reader, b, expectedId: a, purchases: 3, views: 3, spend: 35m, merged: [a, b]);

            // Unlinked: each side from its own events (b keeps the view it sent while merged).
            using (var undone = await operatorHttp.DeleteAsync($"v1/users/{a}/links/{b}"))
            {
                Assert.True(undone.StatusCode == HttpStatusCode.OK, await undone.Content.ReadAsStringAsync());
            }

            await AssertProfileAsync(reader, a, expectedId: a, purchases: 2, views: 1, spend: 15m, merged: null);
            await AssertProfileAsync(reader, b, expectedId: b, purchases: 2, views: 2, spend: 25m, merged: null);
            Assert.Equal((1L, 0L), (await QuarantinedAsync(reader, b), await QuarantinedAsync(reader, a)));
            await SendAsync(writer, View("b4", b, at.AddMinutes(6), "B4"));
            await AssertProfileAsync(reader, b, expectedId: b, purchases: 2, views: 3, spend: 25m, merged: null);
            await AssertProfileAsync(reader, a, expectedId: a, purchases: 2, views: 1, spend: 15m, merged: null);
        }
        finally
        {
            await StopAsync(gateway, silo);
        }
    }

    [Fact]
    public async Task ErasingAMemberTakesItsEventsOutOfThePersonsProfileAndARestartKeepsTheMerge()
    {
        using var directory = new TempDirectory();
        var token = Guid.NewGuid().ToString("N")[..10];
        var (c, d, e) = ("c-" + token, "d-" + token, "e-" + token);
        var serviceId = "esrs-merge-" + Guid.NewGuid().ToString("N");
        var silo = await RealSilo.StartAsync(directory.Path, serviceId);
        var gateway = await StartAsync(silo);
        var stopped = false;
        try
        {
            using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
            var at = DateTime.UtcNow.AddMinutes(-30);
            var phone = "+44 1632 96" + string.Concat(token[..4].Select(ch => (char)('0' + (ch % 10))));
            await SendAsync(writer, Purchase("c1", c, at, "C1", 7m));
            await SendAsync(writer, Purchase("d1", d, at.AddMinutes(1), "D1", 11m), View("d2", d, at.AddMinutes(2), "D2"));
            await SendAsync(writer, View("e1", e, at.AddMinutes(3), "E1"));
            await PostRecordsAsync(writer, new object[] { new { userId = c, phone }, new { userId = d, phone }, new { userId = e, phone } });
            // Events of d sent while merged are d's too, applied or quarantined: they leave with it.
            await SendAsync(writer, View("d3", d, at.AddMinutes(4), "D3"));
            await SendAsync(writer, new { eventId = "d-bad", userId = d, type = "teleport", occurredAt = at.AddMinutes(4).ToString("O"), itemId = "D9" });
            // An event of e applied by c's grain while merged: logged under e, written by c's grain (and must not name c).
            await SendAsync(writer, View("e2", e, at.AddMinutes(5), "E2"));
            await StopAsync(gateway, silo);

            // The merge is durable: after a restart every id still reads the person's profile.
            silo = await RealSilo.StartAsync(directory.Path, serviceId);
            gateway = await StartAsync(silo);
            using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
            using var operatorHttp = GatewayFixture.ClientOf(gateway, OperatorKey);
            await AssertProfileAsync(reader, e, expectedId: c, purchases: 2, views: 4, spend: 18m, merged: [c, d, e]);
            Assert.Equal((1L, 0L), (await QuarantinedAsync(reader, d), await QuarantinedAsync(reader, c)));

            using (var erased = await operatorHttp.DeleteAsync($"v1/users/{d}"))
            {
                Assert.True(erased.StatusCode == HttpStatusCode.OK, await erased.Content.ReadAsStringAsync());
            }

            // c and e stay one person (same phone); d's purchase and both its views are gone from it (regrouped just after
            // the erasure answers: the members may be waiting on the erased grain while it erases).
            await EventuallyAsync(() => AssertProfileAsync(reader, c, expectedId: c, purchases: 1, views: 2, spend: 7m, merged: [c, e]));
            await AssertProfileAsync(reader, e, expectedId: c, purchases: 1, views: 2, spend: 7m, merged: [c, e]);
            Assert.Equal((0L, 0L), (await QuarantinedAsync(reader, d), await QuarantinedAsync(reader, c)));

            // Erasing the canonical id hands the profile to the next: e alone, from its own events.
            using (var erased = await operatorHttp.DeleteAsync($"v1/users/{c}"))
            {
                Assert.True(erased.StatusCode == HttpStatusCode.OK, await erased.Content.ReadAsStringAsync());
            }

            await EventuallyAsync(() => AssertProfileAsync(reader, e, expectedId: e, purchases: 0, views: 2, spend: 0m, merged: null));

            // Nothing of either erased id is left in the data folder, though c applied the others' events as their canonical
            // grain and the regrouping rewrote rows that named both after the erasures; e is found by the same search.
            await EventuallyAsync(() =>
            {
                Assert.False(DataFiles.Contain(directory.Path, c), "the erased canonical id is in a database file");
                return Task.CompletedTask;
            });
            await StopAsync(gateway, silo);
            stopped = true;
            Assert.False(DataFiles.Contain(directory.Path, c), "the erased canonical id is in a database file");
            Assert.False(DataFiles.Contain(directory.Path, d), "the erased member's id is in a database file");
            Assert.True(DataFiles.Contain(directory.Path, e), "the remaining user is gone too");
        }
        finally
        {
            if (!stopped)
            {
                await StopAsync(gateway, silo);
            }
        }
    }

    [Fact]
    public async Task AProfileBuiltBeforeEventsWereLoggedIsNotMergedSoNothingOfItIsLost()
    {
        using var directory = new TempDirectory();
        var token = Guid.NewGuid().ToString("N")[..10];
        var (a, b) = ("a-" + token, "b-" + token);
        var silo = await RealSilo.StartAsync(directory.Path, "esrs-merge-" + Guid.NewGuid().ToString("N"));
        var gateway = await StartAsync(silo);
        try
        {
            // a's state as a grid from before the event log left it: three purchases applied, none of them logged.
            var at = DateTime.UtcNow.AddMinutes(-30);
            var old = new UserState();
            var processor = new UserEventProcessor(a, old, new EventValidator(), new ValidationOptions(), new DedupeOptions(), new ProfileOptions(), new QuarantineOptions());
            Events.UserEvent Bought(string item, int minute) => TestEvents.Purchase(a, item, at: at.AddMinutes(minute)) with { Currency = "GBP" };
            processor.Ingest([Bought("P1", 0), Bought("P2", 1), Bought("P3", 2)], DateTime.UtcNow);
            processor.SealState();
            var storage = new GroupCommitGrainStorage(
                silo.ServiceId, silo.Host.Services.GetRequiredService<GroupCommitter>(), new OrleansGrainStorageSerializer(silo.Host.Services.GetRequiredService<Serializer>()));
            await storage.WriteStateAsync("user", GrainId.Create("user", a), new GrainState<UserState>(old));

            using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
            using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
            await SendAsync(writer, View("b1", b, at, "B1"));
            var email = $"old.person.{token}@example.com";
            Assert.Equal(1, (await PostRecordsAsync(writer, new object[] { new { userId = a, email }, new { userId = b, email } })).GetProperty("links").GetInt32());

            // Linked in the registry, but a's profile could only be rebuilt without its three purchases: both keep their own.
            Assert.Equal([a, b], (await reader.GetFromJsonAsync<JsonElement>($"v1/users/{b}/links")).GetProperty("members").EnumerateArray().Select(m => m.GetString()));
            await AssertProfileAsync(reader, a, expectedId: a, purchases: 3, views: 0, spend: 30m, merged: null);
            await AssertProfileAsync(reader, b, expectedId: b, purchases: 0, views: 1, spend: 0m, merged: null);
        }
        finally
        {
            await StopAsync(gateway, silo);
        }
    }

    private static object Purchase(string id, string user, DateTime at, string item, decimal price) =>
        new { eventId = id, userId = user, type = "purchase", occurredAt = at.ToString("O"), itemId = item, quantity = 1, unitPrice = price, currency = "GBP" };

    private static object View(string id, string user, DateTime at, string item) =>
        new { eventId = id, userId = user, type = "view", occurredAt = at.ToString("O"), itemId = item };

    private static async Task<JsonElement> SendAsync(HttpClient http, params object[] events)
    {
        using var answer = await http.PostAsync("v1/events", new StringContent(JsonSerializer.Serialize(events), Encoding.UTF8, "application/json"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task<JsonElement> PostRecordsAsync(HttpClient http, object records)
    {
        using var answer = await http.PostAsJsonAsync("v1/users/records", records);
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task<JsonElement> AssertProfileAsync(HttpClient reader, string user, string expectedId, long purchases, long views, decimal spend, string[]? merged)
    {
        var profile = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{user}/profile");
        var counts = profile.GetProperty("counts");
        long Count(string type) => counts.TryGetProperty(type, out var n) ? n.GetInt64() : 0;
        var gbp = profile.GetProperty("spend").TryGetProperty("GBP", out var s) ? s.GetDecimal() : 0m;
        Assert.True(
            (expectedId, purchases, views, spend) == (profile.GetProperty("userId").GetString(), Count("purchase"), Count("view"), gbp),
            $"profile read under {user}: {profile}");
        if (merged is null)
        {
            Assert.False(profile.TryGetProperty("mergedIds", out _), profile.ToString());
        }
        else
        {
            Assert.Equal(merged, profile.GetProperty("mergedIds").EnumerateArray().Select(m => m.GetString()));
        }

        return profile;
    }

    private static async Task<long> QuarantinedAsync(HttpClient reader, string user) =>
        (await reader.GetFromJsonAsync<JsonElement>($"v1/users/{user}/quarantine")).GetProperty("total").GetInt64();

    /// <summary>Retries an assertion that holds once background work is done (at most 30 s), then lets its failure through.</summary>
    private static async Task EventuallyAsync(Func<Task> assertion)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception ex) when (DateTime.UtcNow < until && ex is Xunit.Sdk.XunitException or HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
    }

    private static Task<WebApplication> StartAsync(RealSilo silo) =>
        GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:PseudonymKeys:0:Name", "test-1"), ("Esrs:Gateway:PseudonymKeys:0:Key", PseudonymKey),
            ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));

    private static async Task StopAsync(WebApplication gateway, RealSilo silo)
    {
        await gateway.StopAsync();
        await gateway.DisposeAsync();
        await silo.DisposeAsync();
    }
}
