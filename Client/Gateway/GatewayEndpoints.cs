using Esrs.Events;
using Esrs.Users;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway;

/// <summary>The HTTP API a shop frontend and producers call.</summary>
public static partial class GatewayEndpoints
{
    /// <summary>Name of the concurrency limiter that sheds ingest load with 503.</summary>
    public const string IngestLimiter = "ingest";

    public static IEndpointRouteBuilder MapEsrsGateway(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup("/v1");

        v1.MapPost("/events", IngestAsync)
            .AddEndpointFilter(RequireKey(KeyScope.Write))
            .RequireRateLimiting(IngestLimiter)
            .Produces<IngestResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Ingest one event or a batch; 202 once every event's effect is durable, with per-event outcomes.")
            .DisableAntiforgery();

        v1.MapGet("/users/{id}/profile", (string id, IClusterClient grains) => CallAsync(async () => Results.Ok(await grains.GetGrain<IUserGrain>(UserKey(id)).GetProfileAsync())))
            .AddEndpointFilter(RequireKey(KeyScope.Read))
            .Produces<Profiles.UserProfile>()
            .WithSummary("The live profile of a user, weights decayed to now, with provenance.");

        v1.MapGet("/users/{id}/quarantine", (string id, IClusterClient grains, int? offset, int? limit) =>
                CallAsync(async () => Results.Ok(await grains.GetGrain<IUserGrain>(UserKey(id)).GetQuarantineAsync(offset ?? 0, limit ?? 50))))
            .AddEndpointFilter(RequireKey(KeyScope.Read))
            .Produces<QuarantinePage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("A page of the user's quarantined events, oldest first, with the rules that rejected them.");

        v1.MapPost("/users/{id}/quarantine/replay", (string id, IClusterClient grains) => CallAsync(async () => Results.Ok(await grains.GetGrain<IUserGrain>(UserKey(id)).ReplayQuarantineAsync())))
            .AddEndpointFilter(RequireKey(KeyScope.Write))
            .Produces<ReplayResult>()
            .WithSummary("Re-validate the user's quarantine under the current rules; events that now pass are applied exactly once.")
            .DisableAntiforgery();

        return app;
    }

    private static async Task<IResult> IngestAsync(HttpContext http, IClusterClient grains, IOptions<GatewayOptions> options, IngestGauge gauge, CancellationToken cancellationToken)
    {
        using var inFlight = gauge.Enter();
        var caller = (string)http.Items[CallerKey]!;
        var (events, problem) = await EventBodyReader.ReadAsync(http.Request, options.Value, caller, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await CallAsync(async () =>
        {
            // One grain call per user per request; outcomes go back in request order.
            var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var i = 0; i < events!.Count; i++)
            {
                var key = UserGrainKeys.For(events[i]);
                if (!groups.TryGetValue(key, out var indexes))
                {
                    groups[key] = indexes = [];
                }

                indexes.Add(i);
            }

            var outcomes = new EventOutcome[events.Count];
            await Task.WhenAll(groups.Select(async group =>
            {
                var batch = new UserEvent[group.Value.Count];
                for (var j = 0; j < batch.Length; j++)
                {
                    batch[j] = events[group.Value[j]];
                }

                var result = await grains.GetGrain<IUserGrain>(group.Key).IngestAsync(batch);
                for (var j = 0; j < batch.Length; j++)
                {
                    outcomes[group.Value[j]] = result.Outcomes[j];
                }
            }));

            return Results.Json(IngestResponse.From(outcomes), GatewayJson.Options, statusCode: StatusCodes.Status202Accepted);
        }, options.Value.RetryAfterSeconds, http);
    }

    /// <summary>Maps what a grain call can throw: overload and unavailable storage become 503 with Retry-After (retrying is safe: events are deduplicated), bad arguments 400.</summary>
    internal static async Task<IResult> CallAsync(Func<Task<IResult>> call, int retryAfterSeconds = 1, HttpContext? http = null)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (IsTransient(ex))
        {
            http?.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return GatewayProblems.Problem(StatusCodes.Status503ServiceUnavailable, GatewayProblems.Overloaded, "Try again shortly",
                $"The grid could not make the request durable now ({ex.GetType().Name}); nothing is lost by retrying: duplicates are dropped.");
        }
        catch (ArgumentException ex)
        {
            return GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.ArgumentInvalid, "Invalid argument", ex.Message);
        }
    }

    private static bool IsTransient(Exception ex) => ex is StateUnavailableException or TimeoutException or SiloUnavailableException or GatewayTooBusyException
        or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException or OperationCanceledException
        || (ex is AggregateException aggregate && aggregate.InnerExceptions.All(IsTransient));

    private const string CallerKey = "esrs.caller";

    /// <summary>Routing keeps <c>%2F</c> encoded inside a segment; user keys such as <c>~unattributed/3</c> need it decoded.</summary>
    private static string UserKey(string id) => id.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(id) : id;

    /// <summary>An endpoint filter that lets through keys of <paramref name="scope"/> (a write key also reads; operator keys only reach operator endpoints).</summary>
    internal static Func<EndpointFilterInvocationContext, EndpointFilterDelegate, ValueTask<object?>> RequireKey(KeyScope scope) => async (context, next) =>
    {
        var http = context.HttpContext;
        var authorizer = http.RequestServices.GetRequiredService<ApiKeyAuthorizer>();
        if (!http.Request.Headers.TryGetValue(ApiKeyAuthorizer.Header, out var presented) || string.IsNullOrEmpty(presented))
        {
            return GatewayProblems.Problem(StatusCodes.Status401Unauthorized, GatewayProblems.KeyMissing, "API key required", $"Send a key in the {ApiKeyAuthorizer.Header} header.");
        }

        if (authorizer.Find(presented.ToString()) is not { } caller)
        {
            return GatewayProblems.Problem(StatusCodes.Status401Unauthorized, GatewayProblems.KeyInvalid, "Unknown API key", $"The {ApiKeyAuthorizer.Header} header holds no configured key.");
        }

        switch (scope, caller.Scope)
        {
            case (KeyScope.Write, KeyScope.Read):
                return GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.KeyReadOnly, "Read-only key", $"Key '{caller.Name}' may read, not write.");
            case (KeyScope.Operator, not KeyScope.Operator):
                return GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.KeyNotOperator, "Operator key required", $"Key '{caller.Name}' is not an operator key (Esrs:Gateway:OperatorKeys).");
            case (not KeyScope.Operator, KeyScope.Operator):
                return GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.KeyOperatorOnly, "Operator key", $"Key '{caller.Name}' may read the quality views only.");
        }

        http.Items[CallerKey] = caller.Name;
        return await next(context);
    };
}
