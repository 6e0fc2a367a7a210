using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Esrs.Client.Commands;
using Esrs.Client.Gateway;
using Esrs.Client.Import;
using Esrs.Quality;
using Esrs.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tests.Gateway;

/// <summary>
/// The operator views over real HTTP: a real silo with quick monitor intervals, the real gateway on Kestrel, UCI and then
/// Taobao rows so there is dirt and a drift alert to show, and the quality page opened in headless Chromium.
/// </summary>
public sealed partial class QualityViewTests(QualityViewFixture fixture) : IClassFixture<QualityViewFixture>
{
    private const string OperatorKey = QualityViewFixture.OperatorKey;
    private readonly Uri _base = fixture.BaseAddress;

    [Fact]
    public async Task SnapshotAlertsAndHistoryAreServedToOperators()
    {
        using var http = Client(OperatorKey);

        var snapshot = await http.GetFromJsonAsync<JsonElement>("v1/quality");
        var sources = snapshot.GetProperty("sources").EnumerateArray().ToDictionary(s => s.GetProperty("source").GetString()!);
        Assert.Equal(7_000, sources["*"].GetProperty("events").GetInt64());
        var uci = sources[UciOnlineRetail.SourceName];
        Assert.Equal(4_000, uci.GetProperty("events").GetInt64());
        Assert.True(uci.GetProperty("quarantineRules").GetProperty("event.user.missing").GetInt64() > 0);
        Assert.True(uci.GetProperty("completeness").GetProperty("userId").GetDouble() is > 0.5 and < 1);
        Assert.Equal(0, uci.GetProperty("completeness").GetProperty("rating").GetDouble());

        var alerts = await http.GetFromJsonAsync<JsonElement>("v1/quality/alerts");
        Assert.Contains(alerts.EnumerateArray(), a => a.GetProperty("metric").GetString() == "drift_type_psi" && a.GetProperty("source").GetString() == "*");

        var history = await http.GetFromJsonAsync<JsonElement>("v1/quality/history?metric=quarantine_rate&source=" + UciOnlineRetail.SourceName);
        var points = history.GetProperty("points").EnumerateArray().ToList();
        Assert.NotEmpty(points);
        Assert.InRange(points[^1].GetProperty("value").GetDouble(), 0.01, 0.9);

        var svg = await http.GetStringAsync("v1/quality/chart.svg?metric=events_per_s");
        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Matches("data-points=\"[1-9]", svg);
    }

    [Fact]
    public async Task QualityCommandPrintsTheSnapshotAsTables()
    {
        using var http = Client(OperatorKey);
        var view = await http.GetFromJsonAsync<QualityView>("v1/quality", GatewayJson.Options);

        var text = QualityCommand.Render(view!);

        Assert.Contains("uci-online-retail", text, StringComparison.Ordinal);
        Assert.Matches(@"event\.user\.missing\s+quarantine\s+[\d,]+", text);
        // Lines that arrived without a customer, duplicates included, counted from the raw rows.
        var withoutCustomer = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 4_000).Count(r => r.CustomerId.Length == 0);
        Assert.Matches($@"userId\s+[\d.]+ %\s+{withoutCustomer:N0}", text);
        Assert.Contains("drift_type_psi", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, GatewayProblems.KeyMissing)]
    [InlineData(GatewayFixture.ReadKey, HttpStatusCode.Forbidden, GatewayProblems.KeyNotOperator)]
    [InlineData(GatewayFixture.WriteKey, HttpStatusCode.Forbidden, GatewayProblems.KeyNotOperator)]
    public async Task QualityViewsNeedAnOperatorKey(string? key, HttpStatusCode status, string rule)
    {
        using var http = Client(key);

        var response = await http.GetAsync("v1/quality");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(rule, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task AnOperatorKeyReadsNoProfiles()
    {
        using var http = Client(OperatorKey);

        var response = await http.GetAsync("v1/users/17850/profile");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(GatewayProblems.KeyOperatorOnly, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Theory]
    [InlineData("v1/quality/history?metric=nope", GatewayProblems.QualityMetricUnknown)]
    [InlineData("v1/quality/history", GatewayProblems.QualityMetricUnknown)]
    [InlineData("v1/quality/history?metric=acceptance&from=yesterday", GatewayProblems.QualityRangeInvalid)]
    [InlineData("v1/quality/history?metric=acceptance&from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z", GatewayProblems.QualityRangeInvalid)]
    [InlineData("v1/quality/chart.svg?metric=acceptance&granularity=week", GatewayProblems.QualityRangeInvalid)]
    public async Task BadHistoryQueriesSayWhichRuleFailed(string path, string rule)
    {
        using var http = Client(OperatorKey);

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(rule, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task TheOrleansDashboardIsServedToOperatorSessionsOnlyAndNeverTakesAKeyFromTheUrl()
    {
        using var anonymous = Client(null);
        var refused = await anonymous.GetAsync("dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(GatewayProblems.KeyMissing, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("dashboard/?key=" + OperatorKey)).StatusCode);

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _base };
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "v1/session") { Headers = { { ApiKeyAuthorizer.Header, OperatorKey } } };
        var session = await browser.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        var cookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(OperatorKey, cookie, StringComparison.Ordinal);

        var page = await browser.GetAsync("dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("html", page.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("v1/quality")).StatusCode);
        // The operator session reaches operator views only.
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("v1/users/17850/profile")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.DeleteAsync("v1/session")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("dashboard/")).StatusCode);

        using var reader = Client(GatewayFixture.ReadKey);
        var readerSession = await reader.PostAsync("v1/session", null);
        Assert.Equal(HttpStatusCode.Forbidden, readerSession.StatusCode);
        Assert.Equal(GatewayProblems.KeyNotOperator, (await readerSession.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rule").GetString());
    }

    [Fact]
    public async Task TheSiloExportsEsrsMetricsForPrometheus()
    {
        using var http = new HttpClient();

        var text = await http.GetStringAsync($"http://127.0.0.1:{fixture.MetricsPort}/metrics");

        Assert.Matches("esrs_events_total\\{[^}]*outcome=\"Quarantined\"[^}]*source=\"uci-online-retail\"[^}]*\\} [1-9]", text);
        Assert.Contains("esrs_events_freshness_seconds_bucket", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheGatewayExportsItsOwnMetricsForPrometheus()
    {
        using var http = Client(null);
        await http.GetAsync("healthz");

        var text = await http.GetStringAsync("metrics");

        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheQualityPageSignsInWithAKeyFormAndShowsChartsAlertsAndCompletenessInChromium()
    {
        var screenshot = Path.Combine(TestServices.Artifacts, "quality-page.png");
        Directory.CreateDirectory(TestServices.Artifacts);
        await using var chromium = await HeadlessChromium.StartAsync();

        await chromium.NavigateAsync(new Uri(_base, "quality"));
        // The page shows the form when its first call comes back 401, after the load event: wait for it, bounded.
        var display = "";
        for (var tries = 0; tries < 100 && display != "flex"; tries++)
        {
            display = (await chromium.EvaluateAsync("new Promise(r => setTimeout(() => r(getComputedStyle(document.getElementById('keyform')).display), 100))"))!.GetValue<string>();
        }

        Assert.Equal("flex", display);
        // Type the key and submit, as an operator would; then wait for the page to say it has drawn everything.
        await chromium.EvaluateAsync($$"""
            new Promise((resolve, reject) => {
              new MutationObserver(() => { if (document.body.dataset.loaded === "true") resolve(true); })
                .observe(document.body, { attributes: true, attributeFilter: ["data-loaded"] });
              document.getElementById("key").value = "{{OperatorKey}}";
              document.getElementById("keyform").requestSubmit();
            })
            """);
        var dom = (await chromium.EvaluateAsync("document.documentElement.outerHTML"))!.GetValue<string>();
        await File.WriteAllBytesAsync(screenshot, await chromium.ScreenshotAsync());

        Assert.DoesNotContain(OperatorKey, dom, StringComparison.Ordinal);
        Assert.Equal("", (await chromium.EvaluateAsync("document.cookie"))!.GetValue<string>());
        Assert.Equal(7, ChartSvg().Matches(dom).Count);
        Assert.Matches("data-points=\"[1-9]", dom);
        var alerts = Section(dom, "<table id=\"alerts\">");
        Assert.Contains("drift_type_psi", alerts, StringComparison.Ordinal);
        Assert.Contains("class=\"bad\">open<", alerts, StringComparison.Ordinal);
        var completeness = Section(dom, "<table id=\"completeness\">");
        Assert.Contains("uci-online-retail", completeness, StringComparison.Ordinal);
        Assert.Contains("taobao-user-behavior", completeness, StringComparison.Ordinal);
        Assert.Contains("event.user.missing", Section(dom, "<table id=\"rules\">"), StringComparison.Ordinal);
        // Distributions are drawn as bars: the type mix of both sources and UCI's top items.
        Assert.True(Regex.Matches(dom, "class=\"bar\" style=\"width: [1-9]").Count >= 10, "distribution bars");
        Assert.Contains("taobao-user-behavior: event types", dom, StringComparison.Ordinal);
        Assert.Contains("uci-online-retail: top items", dom, StringComparison.Ordinal);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot should hold the rendered page");

        // The same browser session opens the dashboard.
        Assert.Equal(200, (await chromium.EvaluateAsync("fetch('/dashboard/').then(r => r.status)"))!.GetValue<int>());
    }

    private HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = _base };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, key);
        }

        return client;
    }

    private static string Section(string dom, string start)
    {
        var at = dom.IndexOf(start, StringComparison.Ordinal);
        Assert.True(at >= 0, $"{start} not in the page");
        return dom[at..dom.IndexOf("</table>", at, StringComparison.Ordinal)];
    }

    [GeneratedRegex("<svg[^>]*class=\"chart\"")]
    private static partial Regex ChartSvg();
}

/// <summary>A real silo with quick monitor intervals and the real gateway, fed UCI then Taobao rows (dirt and a drift alert to show).</summary>
public sealed class QualityViewFixture : IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef";
    private readonly TempDirectory _directory = new();
    private RealSilo _silo = null!;
    private WebApplication _gateway = null!;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The silo's Prometheus port.</summary>
    public int MetricsPort { get; } = RealSilo.FreePort();

    public async Task InitializeAsync()
    {
        _silo = await RealSilo.StartAsync(_directory.Path, "esrs-quality-" + Guid.NewGuid().ToString("N"),
            // Ticks only when the fixture says: each import is one tick, whatever the machine's speed.
            ("Esrs:Quality:FlushInterval", "01:00:00"), ("Esrs:Quality:PushInterval", "01:00:00"), ("Esrs:Quality:TickInterval", "01:00:00"),
            ("Esrs:Tagger:Enabled", "false"), ("Esrs:Silo:MetricsPort", MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _gateway = await GatewayFixture.StartGatewayAsync(_silo, ("Esrs:Gateway:OperatorKeys:0:Name", "test-operator"), ("Esrs:Gateway:OperatorKeys:0:Key", OperatorKey));
        BaseAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

        // Two ticks of UCI, then Taobao: its view-heavy type mix drifts from UCI's purchases.
        var uci = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 4_000).Select(UciOnlineRetail.ToEvent).ToList();
        await using var taobaoFile = File.OpenRead(Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, "..", "taobao-user-behavior-slice", TaobaoUserBehavior.FileName));
        var taobao = TaobaoUserBehavior.ReadEvents(taobaoFile, 3_000).ToList();
        await DirectIngest.RunAsync(_silo.Grains, uci.Take(2_000), TextWriter.Null);
        await TickAndCountAsync(2_000);
        await DirectIngest.RunAsync(_silo.Grains, uci.Skip(2_000), TextWriter.Null);
        await TickAndCountAsync(4_000);
        await DirectIngest.RunAsync(_silo.Grains, taobao, TextWriter.Null);
        await TickAndCountAsync(7_000);
    }

    public async Task DisposeAsync()
    {
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
        await _silo.DisposeAsync();
        _directory.Dispose();
    }

    private async Task TickAndCountAsync(long events)
    {
        await _silo.Host.Services.GetRequiredService<QualityCollector>().FlushAsync();
        for (var shard = 0; shard < new QualityOptions().Shards; shard++)
        {
            await _silo.Grains.GetGrain<IQualityShardGrain>(shard).FlushAsync();
        }

        var quality = _silo.Grains.GetGrain<IQualityGrain>(0);
        await quality.TickAsync();
        var snapshot = await quality.GetSnapshotAsync();
        Assert.Equal(events, snapshot.Sources.Single(s => s.Source == QualitySources.All).Total.Events);
    }
}
