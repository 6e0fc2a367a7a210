using System.Globalization;
using Esrs.Quality;

namespace Esrs.Client.Gateway;

/// <summary>The operator views: quality snapshot, alerts, metric history (JSON and server-rendered SVG), and the quality page.</summary>
public static class QualityEndpoints
{
    /// <summary>Default span of a history query: the last six hours.</summary>
    private static readonly TimeSpan DefaultSpan = TimeSpan.FromHours(6);

    public static IEndpointRouteBuilder MapEsrsQuality(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var quality = app.MapGroup("/v1/quality").RequireAuthorization(Auth.EsrsPolicies.Operator);

        quality.MapGet("", (IClusterClient grains) => GatewayEndpoints.CallAsync(async () =>
                Results.Json(QualityView.From(await grains.Reference<IQualityGrain>(0).GetSnapshotAsync()), GatewayJson.Options)))
            .Produces<QualityView>()
            .WithSummary("The current quality snapshot: per source (and * for all), totals since monitoring began, the last tick's metrics and drift, open alerts.");

        quality.MapGet("/alerts", (IClusterClient grains, string? all) => !bool.TryParse(all ?? "true", out var includeResolved)
                ? Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid query", $"all must be true or false, not '{all}'."))
                : GatewayEndpoints.CallAsync(async () =>
                    Results.Json((await grains.Reference<IQualityGrain>(0).GetAlertsAsync(includeResolved)).Select(AlertView.From), GatewayJson.Options)))
            .Produces<AlertView[]>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Alerts, newest first; all=false for the open ones only.");

        quality.MapGet("/history", (IClusterClient grains, string? metric, string? source, string? from, string? to, string? granularity) =>
            {
                var (query, problem) = HistoryQuery.Parse(metric, source, from, to, granularity);
                return problem is not null ? Task.FromResult(problem) : GatewayEndpoints.CallAsync(async () =>
                    Results.Json(new HistoryView(query!.Metric, query.Source, query.Granularity.ToString().ToLowerInvariant(), query.From, query.To,
                        [.. (await query.RunAsync(grains)).Select(p => new PointView(p.Start, Number(p.Value), p.Events, p.Open))]), GatewayJson.Options));
            })
            .Produces<HistoryView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The series of one metric: windows of minute|hour|day between from and to (ISO 8601, default the last 6 h), the open window last.");

        quality.MapGet("/chart.svg", (IClusterClient grains, string? metric, string? source, string? from, string? to, string? granularity) =>
            {
                var (query, problem) = HistoryQuery.Parse(metric, source, from, to, granularity);
                return problem is not null ? Task.FromResult(problem) : GatewayEndpoints.CallAsync(async () =>
                    Results.Text(SvgChart.Render(query!.Metric, query.Source, await query.RunAsync(grains), query.From, query.To), "image/svg+xml"));
            })
            .Produces<string>(contentType: "image/svg+xml")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The same series drawn as an SVG line chart (server-rendered; the quality page embeds it).");

        quality.MapGet("/export", (IClusterClient grains, string? epsilon, string? delta) =>
            {
                if (string.IsNullOrEmpty(epsilon))
                {
                    return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.EpsilonRequired, "Privacy budget required",
                        "A private export needs epsilon, the privacy budget it may spend (for example ?epsilon=0.5); there is no default."));
                }

                if (!double.TryParse(epsilon, NumberStyles.Float, CultureInfo.InvariantCulture, out var e)
                    || !double.TryParse(delta ?? "1e-6", NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    || PrivateReleaseRules.Problem(e, d) is not null)
                {
                    return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid privacy parameters",
                        $"epsilon must be a number in [{PrivateReleaseRules.MinEpsilon.ToString(CultureInfo.InvariantCulture)}, {PrivateReleaseRules.MaxEpsilon.ToString(CultureInfo.InvariantCulture)}] and delta one in (0, {PrivateReleaseRules.MaxDelta.ToString(CultureInfo.InvariantCulture)}) (got epsilon '{epsilon}', delta '{delta}')."));
                }

                return GatewayEndpoints.CallAsync(async () =>
                {
                    var export = await grains.Reference<IQualityGrain>(0).ExportAsync(e, d);
                    if (export.Refusal is { } refusal)
                    {
                        // Not a matter of waiting: the budget of these totals never frees.
                        return GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.PrivacyBudgetExhausted, "Privacy budget spent", refusal);
                    }

                    return Results.Json(export, GatewayJson.Options);
                });
            })
            .Produces<QualityExport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Per-source outcome counts and per-category counts with Laplace noise (event-level differential privacy) for sharing outside the team; epsilon required, the budget spent is recorded.");

        // The page itself holds no data: it asks for the operator key and reads the endpoints above with it.
        app.MapGet("/quality", () => Results.Content(QualityPage.Html, "text/html; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    internal static double? Number(double value) => double.IsNaN(value) || double.IsInfinity(value) ? null : Math.Round(value, 6);

    /// <summary>A validated history query.</summary>
    internal sealed record HistoryQuery(string Metric, string Source, DateTime From, DateTime To, WindowGranularity Granularity)
    {
        public static (HistoryQuery? Query, IResult? Problem) Parse(string? metric, string? source, string? from, string? to, string? granularity)
        {
            if (string.IsNullOrEmpty(metric) || !QualityMetrics.Headline.Contains(metric, StringComparer.Ordinal))
            {
                return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QualityMetricUnknown, "Unknown metric",
                    $"metric must be one of: {string.Join(", ", QualityMetrics.Headline)}."));
            }

            var now = DateTime.UtcNow;
            if (!TryTime(to, now.AddMinutes(1), out var end) || !TryTime(from, end - DefaultSpan, out var start) || start > end)
            {
                return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QualityRangeInvalid, "Invalid time range",
                    "from and to must be ISO 8601 instants (2026-11-27T10:00:00Z) with from <= to."));
            }

            if (!Enum.TryParse<WindowGranularity>(granularity ?? "minute", ignoreCase: true, out var g) || !Enum.IsDefined(g) || int.TryParse(granularity, out _))
            {
                return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QualityRangeInvalid, "Invalid granularity",
                    "granularity must be minute, hour or day."));
            }

            return (new HistoryQuery(metric, string.IsNullOrEmpty(source) ? QualitySources.All : source, start, end, g), null);
        }

        public Task<IReadOnlyList<QualityPoint>> RunAsync(IClusterClient grains) =>
            grains.Reference<IQualityGrain>(0).GetHistoryAsync(Metric, Source, From, To, Granularity);

        private static bool TryTime(string? text, DateTime fallback, out DateTime value)
        {
            if (string.IsNullOrEmpty(text))
            {
                value = fallback;
                return true;
            }

            var ok = DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
            value = DateTime.SpecifyKind(value, DateTimeKind.Utc);
            return ok;
        }
    }
}

/// <summary>
/// The quality snapshot as JSON: numbers that do not exist yet (NaN) are null; <see cref="PersistProblem"/> is set while
/// the aggregator cannot write its state.
/// </summary>
public sealed record QualityView(DateTime AsOf, DateTime? LastTick, IReadOnlyList<SourceView> Sources, IReadOnlyList<AlertView> OpenAlerts, string? PersistProblem = null)
{
    public static QualityView From(QualitySnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new QualityView(snapshot.AsOf, snapshot.LastTick, [.. snapshot.Sources.Select(SourceView.From)], [.. snapshot.OpenAlerts.Select(AlertView.From)], snapshot.PersistProblem);
    }
}

/// <summary>One source's figures.</summary>
public sealed record SourceView(
    string Source,
    long Events,
    long Accepted,
    long Repaired,
    long DuplicatesById,
    long DuplicatesByContent,
    long Quarantined,
    IReadOnlyDictionary<string, long> Types,
    IReadOnlyDictionary<string, long> QuarantineRules,
    IReadOnlyDictionary<string, long> RepairRules,
    IReadOnlyDictionary<string, double?> Completeness,
    IReadOnlyDictionary<string, double?> Metrics,
    IReadOnlyDictionary<string, double?> LastTick,
    IReadOnlyList<CountView> TopItems,
    IReadOnlyList<CountView> TopCategories,
    IReadOnlyList<CountView> TopBrands,
    long Tagged,
    long Untagged,
    IReadOnlyDictionary<string, long> TagLabels,
    IReadOnlyList<QuarantineExample> Examples,
    DateTime? FirstIngest,
    DateTime? LastIngest,
    IReadOnlyDictionary<string, double?> Price,
    IReadOnlyDictionary<string, double?> Quantity,
    IReadOnlyDictionary<string, double?> FreshnessSeconds,
    IReadOnlyDictionary<string, long> Missing)
{
    private static readonly (string Name, double Q)[] Quantiles = [("p1", 0.01), ("p10", 0.1), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p90", 0.9), ("p99", 0.99)];

    public static SourceView From(SourceQuality quality)
    {
        ArgumentNullException.ThrowIfNull(quality);
        var t = quality.Total;
        return new SourceView(
            quality.Source, t.Events, t.Accepted, t.Repaired, t.DuplicatesById, t.DuplicatesByContent, t.Quarantined,
            Sorted(t.Types), Sorted(t.QuarantineRules), Sorted(t.RepairRules),
            QualitySketch.Fields.ToDictionary(f => f, f => QualityEndpoints.Number(t.Completeness(f))),
            quality.Metrics.Where(p => !p.Key.StartsWith("completeness.", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => QualityEndpoints.Number(p.Value)),
            quality.LastTickMetrics.Where(p => !p.Key.Contains('.', StringComparison.Ordinal)).ToDictionary(p => p.Key, p => QualityEndpoints.Number(p.Value)),
            Top(t.Items), Top(t.Categories), Top(t.Brands),
            t.Tagged, t.Untagged, Sorted(t.TagLabels),
            [.. t.Examples.Values.OrderBy(e => e.RuleId, StringComparer.Ordinal)],
            t.FirstIngest, t.LastIngest,
            QuantilesOf(t.Price), QuantilesOf(t.Quantity), QuantilesOf(t.Freshness),
            QualitySketch.Fields.ToDictionary(f => f, f => t.Events - t.Types.Keys.Sum(type => t.FieldsPresent.GetValueOrDefault(type + "/" + f))));
    }

    private static Dictionary<string, double?> QuantilesOf(LogHistogram histogram) =>
        Quantiles.ToDictionary(q => q.Name, q => QualityEndpoints.Number(histogram.Quantile(q.Q)));

    private static Dictionary<string, long> Sorted(Dictionary<string, long> counts) =>
        counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value);

    private static List<CountView> Top(FrequentItems items) => [.. items.Top(10).Select(p => new CountView(p.Key, p.Value))];
}

/// <summary>A value and its (lower-bound) count.</summary>
public sealed record CountView(string Value, long Count);

/// <summary>An alert as JSON.</summary>
public sealed record AlertView(long Id, string Metric, string Source, string? Field, string Detector, double? Observed, double? Expected, string Detail, DateTime OpenedAt, DateTime? ResolvedAt, bool Open)
{
    public static AlertView From(QualityAlert a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new AlertView(a.Id, a.Metric, a.Source, a.Field, a.Detector, QualityEndpoints.Number(a.Observed), QualityEndpoints.Number(a.Expected), a.Detail, a.OpenedAt, a.ResolvedAt, a.IsOpen);
    }
}

/// <summary>A metric's series.</summary>
public sealed record HistoryView(string Metric, string Source, string Granularity, DateTime From, DateTime To, IReadOnlyList<PointView> Points);

/// <summary>One window of a series.</summary>
public sealed record PointView(DateTime Start, double? Value, long Events, bool Open);
