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

/// <summary><c>GET /v1/quality/export</c> through real Kestrel on a real silo: ε required, operators only, the budget spent and refused.</summary>
public sealed class PrivateExportTests
{
    private const string OperatorKey = "test-operator-key-0123456789abcdef";

    [Fact]
    public async Task AnExportNeedsEpsilonSpendsTheBudgetAndIsRefusedPastIt()
    {
        using var directory = new TempDirectory();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-dp-" + Guid.NewGuid().ToString("N"),
            ("Esrs:Quality:FlushInterval", "00:00:00.2"), ("Esrs:Quality:PushInterval", "00:00:00.5"), ("Esrs:Quality:TickInterval", "00:00:01"),
            ("Esrs:Quality:PrivacyBudget", "100.5"));
        await using var gateway = await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        using var writer = GatewayFixture.ClientOf(gateway, GatewayFixture.WriteKey);
        using var reader = GatewayFixture.ClientOf(gateway, GatewayFixture.ReadKey);
        using var operatorClient = GatewayFixture.ClientOf(gateway, OperatorKey);

        // By hand: 5 views accepted (3 under Home/..., 2 under garden), the first re-sent under its id (a duplicate, still
        // counted under home), 2 events of an unknown type quarantined, without a category (~none).
        var user = "dp-" + Guid.NewGuid().ToString("N");
        var events = new List<Dictionary<string, object?>>();
        for (var i = 0; i < 5; i++)
        {
            events.Add(Event(user, "view", i < 3 ? "Home/Kitchen" : "garden", i));
        }

        events.Add(events[0]);
        events.Add(Event(user, "teleport", null, 10));
        events.Add(Event(user, "teleport", null, 11));
        using (var posted = await writer.PostAsync("v1/events", new StringContent(JsonSerializer.Serialize(events), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await operatorClient.GetStringAsync("v1/quality")).Contains("\"events\":8", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the quality totals never reached 8 events");
            await Task.Delay(200);
        }

        await ProblemAsync(await operatorClient.GetAsync("v1/quality/export"), HttpStatusCode.BadRequest, GatewayProblems.EpsilonRequired);
        foreach (var bad in new[] { "0", "-1", "abc", "NaN", "1000" })
        {
            await ProblemAsync(await operatorClient.GetAsync("v1/quality/export?epsilon=" + bad), HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid);
        }

        await ProblemAsync(await operatorClient.GetAsync("v1/quality/export?epsilon=1&delta=0.5"), HttpStatusCode.BadRequest, GatewayProblems.QueryInvalid);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync("v1/quality/export?epsilon=1")).StatusCode);

        // epsilon 100: noise of scale 0.02 and a threshold of 1 + 0.02 ln(500,000) = 1.262 (by hand), so every cell of
        // 2 or more shows with its true count (|noise| >= 0.5 has probability e^-25); the repaired cell (0) stays hidden.
        var export = await operatorClient.GetFromJsonAsync<JsonElement>("v1/quality/export?epsilon=100");
        Assert.Equal(1.262, export.GetProperty("categoryThreshold").GetDouble(), 3);
        var source = export.GetProperty("sources").EnumerateArray().Single();
        Assert.Equal(("test-writer", 5, 2), (source.GetProperty("source").GetString(), source.GetProperty("accepted").GetInt64(), source.GetProperty("quarantined").GetInt64()));
        Assert.False(source.TryGetProperty("repaired", out _));
        // The one duplicate is a cell one event makes: below the threshold, left out.
        Assert.False(source.TryGetProperty("duplicates", out _));
        var categories = export.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("category").GetString()!, c => c.GetProperty("events").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["~none"] = 2, ["~other"] = 0, ["garden"] = 2, ["home"] = 4 }, categories);
        Assert.Equal((100.0, 0.02), (export.GetProperty("spent").GetDouble(), export.GetProperty("noiseScale").GetDouble()));

        // 100 of 100.5 spent, for good: one more of epsilon 1 is refused; 0.5 still fits.
        await ProblemAsync(await operatorClient.GetAsync("v1/quality/export?epsilon=1"), HttpStatusCode.Forbidden, GatewayProblems.PrivacyBudgetExhausted);
        var small = await operatorClient.GetFromJsonAsync<JsonElement>("v1/quality/export?epsilon=0.5");
        Assert.Equal(100.5, small.GetProperty("spent").GetDouble());
        Assert.Equal(2e-6, small.GetProperty("deltaSpent").GetDouble(), 12);
        await gateway.StopAsync();
    }

    [Fact]
    public async Task AFirstExportAboveTheWholeBudgetIsRefusedNotAnError()
    {
        using var directory = new TempDirectory();
        await using var silo = await RealSilo.StartAsync(directory.Path, "esrs-dp-" + Guid.NewGuid().ToString("N"));
        await using var gateway = await GatewayFixture.StartGatewayAsync(silo, ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        using var operatorClient = GatewayFixture.ClientOf(gateway, OperatorKey);
        // The default budget is 10: a first release of 20 is refused with the rule (it used to fail with a 500).
        await ProblemAsync(await operatorClient.GetAsync("v1/quality/export?epsilon=20"), HttpStatusCode.Forbidden, GatewayProblems.PrivacyBudgetExhausted);
        await gateway.StopAsync();
    }

    private static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string rule)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal(rule, JsonDocument.Parse(body).RootElement.GetProperty("rule").GetString());
        response.Dispose();
    }

    private static Dictionary<string, object?> Event(string user, string type, string? category, int second) => new()
    {
        ["eventId"] = TestEvents.NextId(),
        ["userId"] = user,
        ["type"] = type,
        ["occurredAt"] = DateTime.UtcNow.AddMinutes(-5).AddSeconds(second).ToString("O"),
        ["itemId"] = "sku-" + second,
        ["categoryPath"] = category,
    };
}
