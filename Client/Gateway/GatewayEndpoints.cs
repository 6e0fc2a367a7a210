using System.Globalization;
using Esrs.Client.Gateway.Auth;
using Esrs.Events;
using Esrs.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;
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
            .DocumentsOneOrMany<EventJson>("application/json", EventBodyReader.MessagePackMediaType)
            .RequireAuthorization(EsrsPolicies.Write)
            .RequireRateLimiting(IngestLimiter)
            .Produces<IngestResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Ingest one event or a batch; 202 once every event's effect is durable, with per-event outcomes.")
            .DisableAntiforgery();

        v1.MapGet("/users/{id}/profile", (HttpContext http, string id, IClusterClient grains, string? explain) =>
                !bool.TryParse(explain ?? "false", out var explained)
                    ? Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid query", $"explain must be true or false, not '{explain}'."))
                    : UserCallAsync(http, id, async key => new RenderedJson((await grains.Reference<IUserGrain>(key).GetProfileJsonAsync(explained)).Bytes)))
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<Profiles.UserProfile>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The live profile of a user, weights decayed to now, with provenance and conflicting claims; explain=true adds how each field was derived.");

        v1.MapGet("/users/{id}/quarantine", (HttpContext http, string id, IClusterClient grains, string? offset, string? limit) =>
            {
                if (!TryCount(offset, 0, 0, int.MaxValue, out var from) || !TryCount(limit, 50, 1, 500, out var size))
                {
                    return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.QueryInvalid, "Invalid paging",
                        $"offset must be a whole number >= 0 and limit one in 1..500 (got offset '{offset}', limit '{limit}')."));
                }

                return UserCallAsync(http, id, async key => Results.Ok(await grains.Reference<IUserGrain>(key).GetQuarantineAsync(from, size)));
            })
            .RequireAuthorization(EsrsPolicies.Read)
            .Produces<QuarantinePage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("A page of the user's quarantined events, oldest first (spilled entries included), with the rules that rejected them.");

        v1.MapPost("/users/{id}/quarantine/replay", (HttpContext http, string id, IClusterClient grains) => UserCallAsync(http, id, async key => Results.Ok(await grains.Reference<IUserGrain>(key).ReplayQuarantineAsync())))
            .RequireAuthorization(EsrsPolicies.Write)
            .Produces<ReplayResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Re-validate the user's quarantine under the current rules; events that now pass are applied exactly once.")
            .DisableAntiforgery();

        v1.MapDelete("/users/{id}", (HttpContext http, string id, IClusterClient grains) => UserCallAsync(http, id, async key => Results.Ok(await grains.Reference<IUserGrain>(key).EraseAsync())))
            .RequireAuthorization(EsrsPolicies.Operator)
            .Produces<EraseResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Operators: erase a user (an erasure request): profile, dedupe memory, quarantine, spilled rows, quality examples and Redis dead letters; counts of what went.")
            .DisableAntiforgery();

        v1.MapPost("/session", async (HttpContext http) =>
            {
                await http.SignInAsync(EsrsPolicies.SessionScheme, http.User);
                return Results.NoContent();
            })
            .RequireAuthorization(EsrsPolicies.Operator)
            .WithSummary("Operators: trade the X-Api-Key header for an HTTP-only session cookie that the quality page and the dashboard use.")
            .DisableAntiforgery();

        v1.MapDelete("/session", async (HttpContext http) =>
            {
                await http.SignOutAsync(EsrsPolicies.SessionScheme);
                return Results.NoContent();
            })
            .WithSummary("Ends the operator session.");

        return app;
    }

    private static async Task<IResult> IngestAsync(HttpContext http, UserIngestCoalescer users, IOptions<GatewayOptions> options, IngestGauge gauge, CancellationToken cancellationToken)
    {
        using var inFlight = gauge.Enter();
        var caller = http.User.Identity?.Name ?? "unknown";
        var (events, problem) = await EventBodyReader.ReadAsync(http.Request, options.Value, caller, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await CallAsync(async () =>
        {
            // One grain call per user per request (joined with other requests' events for that user while one is in flight);
            // outcomes go back in request order.
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

                var result = await users.IngestAsync(group.Key, batch);
                for (var j = 0; j < batch.Length; j++)
                {
                    outcomes[group.Value[j]] = result[j];
                }
            }));

            return Results.Json(IngestResponse.From(outcomes), GatewayJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
    }

    /// <summary>
    /// A call to the grain of the route's user (<paramref name="id"/>, read as sent by <see cref="RouteSegment"/>): refused
    /// with <see cref="GatewayProblems.UserIdInvalid"/> when no user can have it.
    /// </summary>
    internal static Task<IResult> UserCallAsync(HttpContext http, string id, Func<string, Task<IResult>> call)
    {
        if (RouteSegment(http, "id", id) is not { } key)
        {
            return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.UserIdInvalid, "Invalid user id",
                "The user id holds a percent sign and the request target cannot be read to tell how it was escaped; send it from the root path, escaped once."));
        }

        if (UserIds.KeyProblem(key) is { } problem)
        {
            return Task.FromResult(GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.UserIdInvalid, "Invalid user id", problem + "."));
        }

        return CallAsync(() => call(key));
    }

    /// <summary>Maps what a grain call can throw: overload and unavailable storage become 503 with Retry-After (retrying is safe: events are deduplicated), bad arguments 400.</summary>
    internal static async Task<IResult> CallAsync(Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (TransientFailures.IsTransient(ex))
        {
            // Every 503 says when to come back, reads and rankings as much as writes.
            return new RetryAfterResult(
                GatewayProblems.Problem(StatusCodes.Status503ServiceUnavailable, GatewayProblems.Overloaded, "Try again shortly",
                    $"The grid could not answer now ({ex.GetType().Name}); nothing is lost by retrying: duplicates are dropped."));
        }
        catch (ArgumentException ex)
        {
            // Without .NET's " (Parameter 'other')" (the name is in the message only, once the exception has crossed from a
            // grain): the caller knows the field by its route or JSON name.
            return GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.ArgumentInvalid, "Invalid argument", ParameterNote().Replace(ex.Message, ""));
        }
    }

    /// <summary>
    /// Route value <paramref name="name"/> as the client meant it: its segment of the request target as sent, percent-decoded
    /// once; null when that cannot be told. The value routing gives (<paramref name="routed"/>) has every escape decoded but
    /// <c>%2F</c>, so it cannot tell a user <c>a/b</c> (sent <c>a%2Fb</c>) from a user <c>a%2Fb</c> (sent <c>a%252Fb</c>);
    /// keys such as <c>~unattributed/3</c> need the slash. A target in absolute form (<c>http://host/v1/...</c>), a path
    /// base and a trailing slash are allowed for.
    /// </summary>
    internal static string? RouteSegment(HttpContext http, string name, string routed)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(routed);
        if (http.GetEndpoint() is RouteEndpoint { RoutePattern: var pattern } && http.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } target)
        {
            var path = target.AsSpan();
            if (path[0] != '/' && path.IndexOf("://", StringComparison.Ordinal) is >= 0 and var scheme)
            {
                // Absolute form: the path starts after the authority.
                var authorityEnd = path[(scheme + 3)..].IndexOf('/');
                path = authorityEnd < 0 ? "/" : path[(scheme + 3 + authorityEnd)..];
            }

            var end = path.IndexOfAny('?', '#');
            path = end < 0 ? path : path[..end];
            if (path is ['/', ..])
            {
                path = path[1..];
                var skip = http.Request.PathBase.HasValue ? http.Request.PathBase.Value!.Count('/') : 0;
                var segments = pattern.PathSegments;
                var count = path.Count('/') + 1;
                if (count == skip + segments.Count + 1 && path is [.., '/'])
                {
                    path = path[..^1]; // a trailing slash, which routing also accepts
                    count--;
                }

                if (count == skip + segments.Count)
                {
                    var index = -skip;
                    foreach (var range in path.Split('/'))
                    {
                        if (index >= 0 && segments[index].Parts is [RoutePatternParameterPart { Name: var parameter }] && parameter == name)
                        {
                            return Uri.UnescapeDataString(path[range]);
                        }

                        index++;
                    }
                }
            }
        }

        // Without a target to line up with the route, routing's value is exact only when it holds no escape.
        return routed.Contains('%', StringComparison.Ordinal) ? null : routed;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@" \(Parameter '[^']*'\)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ParameterNote();

    /// <summary>Reads an optional whole-number query parameter within bounds.</summary>
    internal static bool TryCount(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }
}

/// <summary>A result with the gateway's <c>Retry-After</c> (<see cref="GatewayOptions.RetryAfterSeconds"/>) in front of it.</summary>
internal sealed class RetryAfterResult(IResult inner) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var seconds = httpContext.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.RetryAfterSeconds;
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return inner.ExecuteAsync(httpContext);
    }
}
