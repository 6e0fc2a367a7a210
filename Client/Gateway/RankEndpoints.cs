using System.Text.Json;
using Esrs.Client.Gateway.Auth;
using Esrs.Recommending;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway;

/// <summary>
/// What a search/recommendation frontend calls per request: <c>POST /v1/users/{id}/rank</c> re-ranks the engine's
/// candidates by the user's live profile (one grain call; the ranking runs where the profile is), and
/// <c>GET /v1/users/{id}/recommendations</c> asks the user grain, which reads the item graph shards.
/// </summary>
public static class RankEndpoints
{
    public const string CandidatesMissing = "rank.candidates.missing";
    public const string CandidatesTooMany = "rank.candidates.too-many";
    public const string CandidateInvalid = "rank.candidate.invalid";
    public const string ItemIdDuplicate = "rank.item-id.duplicate";
    public const string BlendInvalid = "rank.blend.invalid";

    /// <summary>Most recommendations one request may ask for.</summary>
    public const int MaxRecommendations = 100;

    /// <summary>Most candidates one request may hold.</summary>
    public const int MaxCandidates = 500;

    /// <summary>Longest item id, title, category path, brand, attribute label or value.</summary>
    public const int MaxTextLength = 512;

    /// <summary>Most attributes per candidate.</summary>
    public const int MaxAttributes = 64;

    public static IEndpointRouteBuilder MapEsrsRanking(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/users/{id}/rank", RankAsync)
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<RankResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Re-rank up to 500 candidates by the user's live profile, blended with the engine's score; each item says which signals moved it.")
            .DisableAntiforgery();
        app.MapGet("/v1/users/{id}/recommendations", (string id, string? k, IClusterClient grains) =>
            {
                if (!int.TryParse(k ?? "20", System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxRecommendations)
                {
                    return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid k",
                        $"k is a whole number from 1 to {MaxRecommendations} (got '{k}')."));
                }

                return GatewayEndpoints.UserCallAsync(id, async key => Results.Json(await grains.GetGrain<IUserGrain>(key).RecommendAsync(count), GatewayJson.Options));
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

        var (candidates, blend, problem) = Read(body.Span);
        if (problem is not null)
        {
            return problem;
        }

        return await GatewayEndpoints.UserCallAsync(id, async key => Results.Json(await grains.GetGrain<IUserGrain>(key).RankAsync(candidates!, blend), GatewayJson.Options));
    }

    /// <summary>Parses and checks a rank request body; every refusal names its rule and, for a candidate, its index.</summary>
    internal static (IReadOnlyList<RankCandidate>? Candidates, double Blend, IResult? Problem) Read(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return (null, 0, Problem(GatewayProblems.BodyEmpty, "Empty body", "The request has no body; send {\"candidates\": [{\"itemId\": \"...\"}, ...], \"blend\": 0.5}."));
        }

        RankBody? request;
        try
        {
            request = JsonSerializer.Deserialize<RankBody>(body, GatewayJson.Options);
        }
        catch (JsonException ex)
        {
            // The serializer's message names .NET types; the path and the line are what a caller can act on.
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
            var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : "";
            return (null, 0, Problem(GatewayProblems.BodyMalformed, "Malformed request body",
                $"The body is not a rank request{where}{line}: send {{\"candidates\": [{{\"itemId\": \"...\", \"title\": \"...\", \"score\": 0.5}}], \"blend\": 0.5}} with strings, numbers and no other fields."));
        }

        if (request?.Candidates is not { Count: > 0 } items)
        {
            return (null, 0, Problem(CandidatesMissing, "No candidates", "Send {\"candidates\": [{\"itemId\": \"...\"}, ...], \"blend\": 0.5} with at least one candidate."));
        }

        if (items.Count > MaxCandidates)
        {
            return (null, 0, Problem(CandidatesTooMany, "Too many candidates", $"The request holds {items.Count} candidates; at most {MaxCandidates} are ranked per request."));
        }

        var blend = request.Blend ?? 0.5;
        if (!double.IsFinite(blend) || blend is < 0 or > 1)
        {
            return (null, 0, Problem(BlendInvalid, "Invalid blend", $"blend is the share of the engine's own score, a number from 0 to 1, not {blend}."));
        }

        var candidates = new RankCandidate[items.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (Check(items[i], i) is { } reason)
            {
                return (null, 0, Problem(CandidateInvalid, "Invalid candidate", reason));
            }

            var c = items[i]!;
            if (!seen.Add(c.ItemId!))
            {
                return (null, 0, Problem(ItemIdDuplicate, "Duplicate candidate", $"candidates[{i}]: item '{c.ItemId}' is listed twice; send each candidate once."));
            }

            candidates[i] = new RankCandidate
            {
                ItemId = c.ItemId!,
                Title = c.Title,
                CategoryPath = c.CategoryPath,
                Brand = c.Brand,
                Price = c.Price,
                Attributes = c.Attributes,
                Score = c.Score,
            };
        }

        return (candidates, blend, null);
    }

    private static string? Check(CandidateBody? c, int index)
    {
        if (c is null)
        {
            return $"candidates[{index}] is null; each candidate is an object with an itemId.";
        }

        if (string.IsNullOrWhiteSpace(c.ItemId))
        {
            return $"candidates[{index}] has no itemId.";
        }

        foreach (var (field, value) in new[] { ("itemId", c.ItemId), ("title", c.Title), ("categoryPath", c.CategoryPath), ("brand", c.Brand) })
        {
            if (value is { Length: > MaxTextLength })
            {
                return $"candidates[{index}].{field} has {value.Length} characters; at most {MaxTextLength}.";
            }
        }

        if (c.Score is { } score && !double.IsFinite(score))
        {
            return $"candidates[{index}].score must be a finite number.";
        }

        if (c.Price is < 0)
        {
            return $"candidates[{index}].price must not be negative.";
        }

        if (c.Attributes is { } attributes)
        {
            if (attributes.Count > MaxAttributes)
            {
                return $"candidates[{index}] has {attributes.Count} attributes; at most {MaxAttributes}.";
            }

            foreach (var (label, value) in attributes)
            {
                if (label.Length is 0 or > MaxTextLength || value is null || value.Length > MaxTextLength)
                {
                    return $"candidates[{index}].attributes['{(label.Length > 40 ? label[..40] + "…" : label)}']: labels and values are strings of 1 to {MaxTextLength} characters.";
                }
            }
        }

        return null;
    }

    private static IResult Problem(string rule, string title, string detail) => GatewayProblems.Problem(StatusCodes.Status400BadRequest, rule, title, detail);

    private sealed class RankBody
    {
        public List<CandidateBody?>? Candidates { get; set; }

        public double? Blend { get; set; }
    }

    private sealed class CandidateBody
    {
        public string? ItemId { get; set; }

        public string? Title { get; set; }

        public string? CategoryPath { get; set; }

        public string? Brand { get; set; }

        public decimal? Price { get; set; }

        public Dictionary<string, string>? Attributes { get; set; }

        public double? Score { get; set; }
    }
}
