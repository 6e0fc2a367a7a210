using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tests.Gateway;

/// <summary>
/// <c>DELETE /v1/users/{id}</c> through real Kestrel on a real embedded silo: afterwards the database files, read byte
/// for byte (write-ahead log and shared memory included), hold nothing of the user, while another user's data is still
/// found there by the same search (so the search can see what it looks for).
/// </summary>
public sealed class EraseTests
{
    private const string OperatorKey = "test-operator-key-0123456789abcdef";

    [Fact]
    public async Task AnErasedUserLeavesNoByteInTheDatabaseFilesAndAnotherUserIsUntouched()
    {
        using var directory = new TempDirectory();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-erase-" + Guid.NewGuid().ToString("N"),
            ("Esrs:Quarantine:Capacity", "2"),
            ("Esrs:Quality:FlushInterval", "00:00:00.2"), ("Esrs:Quality:PushInterval", "00:00:00.5"), ("Esrs:Quality:TickInterval", "00:00:01"));
        await using var gateway = await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey),
            ("Esrs:Gateway:PseudonymKeys:0:Name", "k1"), ("Esrs:Gateway:PseudonymKeys:0:Key", "erase-test-pseudonym-key-0123456789abcdef"));
        using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
        using var operatorClient = GatewayFixture.ClientOf(gateway, OperatorKey);

        var token = Guid.NewGuid().ToString("N");
        var (erased, kept) = ("erase-me-" + token, "keep-me-" + token);
        var (erasedItem, erasedQuery, keptItem) = ("secret-item-" + token, "secret query " + token, "kept-item-" + token);
        var events = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            events.Add(Event(erased, "view", erasedItem, secondsAgo: 60 + i));
            events.Add(Event(kept, "view", keptItem, secondsAgo: 60 + i));
        }

        events.Add(Event(erased, "search", null, erasedQuery));
        // Five events of a type no rule knows: quarantined, two kept in the state, three spilled to their table.
        for (var i = 0; i < 5; i++)
        {
            events.Add(Event(erased, "teleport", erasedItem + "-" + i));
        }

        using (var posted = await writer.PostAsync("v1/events", new StringContent("[" + string.Join(',', events) + "]", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        // Registry records of both, one phone: linked; the erasure takes the record, the link and the index membership.
        using (var records = await writer.PostAsync("v1/users/records", new StringContent(
            JsonSerializer.Serialize(new object[] { new { userId = erased, phone = "(020) 7946-0000", email = $"only.{token}@example.com" }, new { userId = kept, phone = "020 7946 0000 " } }), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, records.StatusCode);
        }

        Assert.Equal([erased, kept], (await reader.GetFromJsonAsync<JsonElement>($"v1/users/{kept}/links")).GetProperty("members").EnumerateArray().Select(m => m.GetString()).Order(StringComparer.Ordinal));
        var before = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{erased}/quarantine?limit=50");
        Assert.Equal(5, before.GetProperty("total").GetInt64());
        Assert.Equal(3, before.GetProperty("spilled").GetInt64());
        // The quality monitors hold an example naming the user (what the erasure must also remove).
        await WaitForAsync(async () => (await operatorClient.GetStringAsync("v1/quality")).Contains(erased, StringComparison.Ordinal), "an example of the user in /v1/quality");
        Assert.True(DataFiles.Contain(directory.Path, erased), "before the erasure the search finds the user in the database files");

        using var refused = await reader.DeleteAsync($"v1/users/{erased}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var answer = await operatorClient.DeleteAsync($"v1/users/{erased}");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var result = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("hadState").GetBoolean());
        Assert.Equal(4, result.GetProperty("eventsApplied").GetInt64());
        Assert.Equal(2, result.GetProperty("quarantinedInState").GetInt64());
        Assert.Equal(3, result.GetProperty("spilledRows").GetInt64());
        Assert.True(result.GetProperty("qualityExamples").GetInt64() >= 1);
        Assert.True(result.GetProperty("scrubbed").GetBoolean());
        Assert.True(result.GetProperty("hadRegistryRecord").GetBoolean());
        Assert.Equal(1, result.GetProperty("links").GetInt32());
        Assert.Equal([kept], (await reader.GetFromJsonAsync<JsonElement>($"v1/users/{kept}/links")).GetProperty("members").EnumerateArray().Select(m => m.GetString()));

        // Examples still on their way to the aggregator are dropped when they land: wait past a few ticks.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain(erased, await operatorClient.GetStringAsync("v1/quality"), StringComparison.Ordinal);
        var profile = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{erased}/profile");
        Assert.Equal(0, profile.GetProperty("ingest").GetProperty("accepted").GetInt64());
        var quarantine = await reader.GetFromJsonAsync<JsonElement>($"v1/users/{erased}/quarantine");
        Assert.Equal(0, quarantine.GetProperty("total").GetInt64());

        // The files, with the silo stopped so nothing is only in memory: nothing of the erased user in any encoding the
        // stores use; the other user's item is still there, found by the same search.
        await gateway.StopAsync();
        await silo.DisposeAsync();
        foreach (var secret in new[] { erased, erasedQuery })
        {
            Assert.False(DataFiles.Contain(directory.Path, secret), $"'{secret}' is still in a database file");
        }

        // Item ids are the shop's catalogue, not the person: they stay in the monitors' anonymous item counts (never with
        // a user id next to them), and nowhere else.
        Assert.Equal(["quality"], await TablesHoldingAsync(Path.Combine(directory.Path, "esrs.db"), erasedItem));

        Assert.True(DataFiles.Contain(directory.Path, kept), "the other user is gone too");
        // The index row of the email only the erased user had is gone (its key is the email's pseudonym); the shared
        // phone's row stays, holding the other user.
        Assert.Equal((0L, 1L), (await CountAsync(Path.Combine(directory.Path, "esrs.db"), "e:%"), await CountAsync(Path.Combine(directory.Path, "esrs.db"), "p:%")));
        Assert.True(DataFiles.Contain(directory.Path, keptItem), "the other user's item is gone too");
    }

    [Fact]
    public async Task ErasingASystemGrainOrAnIdNoUserCanHaveIsRefusedWithTheRule()
    {
        using var directory = new TempDirectory();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-erase-" + Guid.NewGuid().ToString("N"));
        await using var gateway = await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        using var operatorClient = GatewayFixture.ClientOf(gateway, OperatorKey);
        foreach (var id in new[] { "~unattributed%2F3", new string('u', 300) })
        {
            using var answer = await operatorClient.DeleteAsync("v1/users/" + id);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            var problem = await answer.Content.ReadAsStringAsync();
            Assert.True(problem.Contains(GatewayProblems.ArgumentInvalid, StringComparison.Ordinal) || problem.Contains(GatewayProblems.UserIdInvalid, StringComparison.Ordinal), problem);
        }

        await gateway.StopAsync();
    }

    private static string Event(string user, string type, string? item, string? query = null, int secondsAgo = 60) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["eventId"] = TestEvents.NextId(),
        ["userId"] = user,
        ["type"] = type,
        ["occurredAt"] = DateTime.UtcNow.AddSeconds(-secondsAgo).ToString("O"),
        ["itemId"] = item,
        ["query"] = query,
        ["source"] = "erase-test",
    });

    /// <summary>Rows of group-committed state (users, registry entries, identifier indexes) whose key matches.</summary>
    private static async Task<long> CountAsync(string database, string keyPattern)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + database + ";Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM EsrsGrainState WHERE GrainKey LIKE $k";
        command.Parameters.AddWithValue("$k", keyPattern);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Which kinds of row (grain state type or table) of the SQLite database hold <paramref name="text"/>.</summary>
    private static async Task<string[]> TablesHoldingAsync(string database, string text)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + database + ";Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var found = new SortedSet<string>(StringComparer.Ordinal);
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var (table, label, payload) in new[] { ("OrleansStorage", "GrainTypeString", "PayloadBinary"), ("EsrsGrainState", "GrainType", "Payload"), ("EsrsQuarantineSpill", "'spill'", "Payload"), ("EsrsGrainStateRow", "'state row'", "Payload") })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {label}, {payload} FROM {table}";
            await using var rows = await command.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                if (!rows.IsDBNull(1) && ((byte[])rows.GetValue(1)).AsSpan().IndexOf(needle) >= 0)
                {
                    var kind = rows.GetString(0);
                    found.Add(kind.Contains("quality", StringComparison.OrdinalIgnoreCase) ? "quality" : kind);
                }
            }
        }

        return [.. found];
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "waited 30 s for " + what);
            await Task.Delay(200);
        }
    }
}
