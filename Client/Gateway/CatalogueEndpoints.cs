using Esrs.Catalogue;
using Esrs.Client.Gateway.Auth;
using Esrs.Events;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway;

/// <summary>One catalogue record as a source sends it (camelCase JSON; all but <c>itemId</c> optional; prices as numbers).</summary>
public sealed record CatalogueRecordJson(
    string? ItemId, string? Title, string? CategoryPath, string? Brand, decimal? ListPrice, decimal? SalePrice, string? Currency, string? Description);

/// <summary>What became of one record, in request order.</summary>
public sealed record CatalogueAnswer(int Index, string? ItemId, OutcomeKind Outcome, string? CanonicalId, IReadOnlyList<RuleDecision> Decisions);

/// <summary>The answer to <c>POST /v1/catalogue/{source}/items</c>: counts by outcome and one answer per record.</summary>
public sealed record CatalogueResponse(string Source, int Stored, int Duplicates, int Unchanged, int Quarantined, IReadOnlyList<CatalogueAnswer> Items);

/// <summary>The catalogue as a source: producers send listings, readers look items and sources up.</summary>
public static class CatalogueEndpoints
{
    public const int MaxRecords = 2_000;
    public const string SourceInvalid = "catalogue.source.invalid";
    public const string ItemUnknown = "catalogue.item.unknown";

    public static IEndpointRouteBuilder MapEsrsCatalogue(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup("/v1/catalogue");
        v1.MapPost("/{source}/items", PostAsync)
            .DocumentsOneOrMany<CatalogueRecordJson>("application/json")
            .RequireAuthorization(EsrsPolicies.Write)
            .Produces<CatalogueResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Catalogue records of one source (one or an array): cleaned with rule ids, stored beside their raw values, duplicates linked, the unusable quarantined.")
            .DisableAntiforgery();

        v1.MapGet("/items/{id}", (HttpContext http, string id, IClusterClient grains) => GatewayEndpoints.CallAsync(async () =>
                await grains.Reference<ICatalogueGrain>(0).GetItemAsync(id = GatewayEndpoints.RouteSegment(http, "id", id) ?? id) is { } item
                    ? Results.Json(item, GatewayJson.Options)
                    : GatewayProblems.Problem(StatusCodes.Status404NotFound, ItemUnknown, "Unknown item", $"The catalogue holds no item '{Cut(id)}'.")))
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<CatalogueItem>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A catalogue item: cleaned values, the rules that made them, the raw record, the item it duplicates.");

        v1.MapGet("/{source}", (string source, IClusterClient grains, string? offset, string? limit) =>
            {
                if (!CatalogueSources.IsValid(source))
                {
                    return Task.FromResult(InvalidSource(source));
                }

                if (!GatewayEndpoints.TryCount(offset, 0, 0, int.MaxValue, out var from) || !GatewayEndpoints.TryCount(limit, 50, 1, 500, out var size))
                {
                    return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid paging",
                        $"offset must be a whole number >= 0 and limit one in 1..500 (got offset '{offset}', limit '{limit}')."));
                }

                return GatewayEndpoints.CallAsync(async () => Results.Json(await grains.Reference<ICatalogueSourceGrain>(source).GetSummaryAsync(from, size), GatewayJson.Options));
            })
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<CatalogueSummary>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("A catalogue source: records received, by outcome, rules that fired, and a page of its quarantine.");
        return app;
    }

    private static async Task<IResult> PostAsync(string source, HttpContext http, IClusterClient grains, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        if (!CatalogueSources.IsValid(source))
        {
            return InvalidSource(source);
        }

        var (sent, problem) = await JsonArrayBody.ReadAsync<CatalogueRecordJson>(http.Request, options.Value.MaxBodyBytes, MaxRecords, "catalogue record", cancellationToken);
        if (problem is not null || sent is null)
        {
            return problem!;
        }

        // A missing item id is the cleaner's to quarantine (the record is kept); only null entries have nothing to keep.
        var records = sent.Select(r => new CatalogueRecord
        {
            ItemId = r?.ItemId ?? "",
            Title = r?.Title,
            CategoryPath = r?.CategoryPath,
            Brand = r?.Brand,
            ListPrice = r?.ListPrice,
            SalePrice = r?.SalePrice,
            Currency = r?.Currency,
            Description = r?.Description,
        }).ToList();
        return await GatewayEndpoints.CallAsync(async () =>
        {
            var outcomes = await grains.Reference<ICatalogueSourceGrain>(source).PutAsync(records);
            var answers = outcomes.Select((o, i) => new CatalogueAnswer(i, o.ItemId.Length == 0 ? null : o.ItemId, o.Kind, o.CanonicalId, o.Decisions)).ToList();
            return Results.Json(new CatalogueResponse(
                source,
                answers.Count(a => a.Outcome is OutcomeKind.Accepted or OutcomeKind.Repaired),
                answers.Count(a => a.Outcome == OutcomeKind.DuplicateByContent),
                answers.Count(a => a.Outcome == OutcomeKind.DuplicateById),
                answers.Count(a => a.Outcome == OutcomeKind.Quarantined),
                answers), GatewayJson.Options);
        });
    }

    private static IResult InvalidSource(string source) =>
        GatewayProblems.Problem(StatusCodes.Status400BadRequest, SourceInvalid, "Invalid catalogue source", $"'{Cut(source)}' is not a source name: 1..64 of a-z, 0-9, '-', '_', '.'.");

    private static string Cut(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
