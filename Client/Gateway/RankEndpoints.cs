using Esrs.Client.Gateway.Auth;
using Esrs.Recommending;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway;

/// <summary>
/// What a search/recommendation frontend calls per request: <c>POST /v1/users/{id}/rank</c> re-ranks the engine's
/// candidates by the user's live profile (one grain call with the body's bytes; the ranking runs where the profile is, and its answer comes back as the response's bytes), and
/// <c>GET /v1/users/{id}/recommendations</c> asks the user grain, which reads the item graph shards.
/// </summary>
public static class RankEndpoints
{
    public const string CandidatesMissing = RankJson.CandidatesMissing;
    public const string CandidatesTooMany = RankJson.CandidatesTooMany;
    public const string CandidateInvalid = RankJson.CandidateInvalid;
    public const string ItemIdDuplicate = RankJson.ItemIdDuplicate;
    public const string BlendInvalid = RankJson.BlendInvalid;

    /// <summary>Most recommendations one request may ask for.</summary>
    public const int MaxRecommendations = 100;

    /// <summary>Most candidates one request may hold.</summary>
    public const int MaxCandidates = RankJson.MaxCandidates;

    public static IEndpointRouteBuilder MapEsrsRanking(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/users/{id}/rank", RankAsync)
            .DocumentsBody<RankBody>("application/json")
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<RankResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Re-rank up to 500 candidates by the user's live profile, blended with the engine's score; each item says which signals moved it.")
            .DisableAntiforgery();
        app.MapGet("/v1/users/{id}/recommendations", (HttpContext http, string id, string? k, IClusterClient grains) =>
            {
                if (!int.TryParse(k ?? "20", System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxRecommendations)
                {
                    return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid k",
                        $"k is a whole number from 1 to {MaxRecommendations} (got '{k}')."));
                }

                return GatewayEndpoints.UserCallAsync(http, id, async key => new RenderedJson((await grains.Reference<IUserGrain>(key).RecommendJsonAsync(count)).Bytes));
            })
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<RankResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Up to k (default 20, at most 100) items for the user from the item graph, their repeat items and their categories' popular items, each with its reasons.");
        return app;
    }

    private static async Task<IResult> RankAsync(string id, HttpContext http, IClusterClient grains, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not "application/json" && !(mediaType?.EndsWith("+json", StringComparison.Ordinal) ?? false))
        {
            return GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content type",
                $"Send application/json, not '{http.Request.ContentType}'.");
        }

        var (body, tooLarge) = await EventBodyReader.ReadLimitedAsync(http.Request, options.Value, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        // Checked here (no candidate built), read into candidates once, in the grain, which answers with the response's bytes.
        RankJson.Read(body.Span, materialize: false, out var refusal);
        if (refusal is not null)
        {
            return Problem(refusal.Rule, refusal.Title, refusal.Detail);
        }

        return await GatewayEndpoints.UserCallAsync(http, id, async key => new RenderedJson((await grains.Reference<IUserGrain>(key).RankJsonAsync(new Utf8Json(body))).Bytes));
    }

    /// <summary>The body <see cref="RankJson"/> reads, named for the OpenAPI document (the endpoint reads the bytes itself).</summary>
    /// <param name="Candidates">Up to 500 items to re-rank.</param>
    /// <param name="Blend">How much the profile counts against the engine's own score (default 0.5).</param>
    internal sealed record RankBody(IReadOnlyList<RankCandidate> Candidates, double? Blend);

    private static IResult Problem(string rule, string title, string detail) => GatewayProblems.Problem(StatusCodes.Status400BadRequest, rule, title, detail);
}
