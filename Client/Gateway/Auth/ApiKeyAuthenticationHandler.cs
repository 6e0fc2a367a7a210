using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Esrs.Client.Gateway.Auth;

/// <summary>
/// Authenticates the <c>X-Api-Key</c> header against the configured keys (constant time, both sides hashed: see
/// <see cref="ApiKeyAuthorizer"/>). The principal's name is the key's name, its <see cref="EsrsPolicies.ScopeClaim"/> the
/// key's scope. A challenge answers 401 with the rule (key missing or unknown) as problem details.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyAuthorizer keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string FailureKey = "esrs.auth.failure";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyAuthorizer.Header, out var presented) || string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(presented.ToString()) is not { } caller)
        {
            Context.Items[FailureKey] = GatewayProblems.KeyInvalid;
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(caller.Name, caller.Scope, Scheme.Name), Scheme.Name)));
    }

    /// <summary>A principal for a key of <paramref name="scope"/> named <paramref name="name"/>.</summary>
    public static ClaimsPrincipal Principal(string name, KeyScope scope, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(EsrsPolicies.ScopeClaim, scope.ToString().ToLowerInvariant())], scheme));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var invalid = Context.Items.TryGetValue(FailureKey, out var rule) && rule is string;
        var problem = invalid
            ? GatewayProblems.Problem(StatusCodes.Status401Unauthorized, GatewayProblems.KeyInvalid, "Unknown API key", $"The {ApiKeyAuthorizer.Header} header holds no configured key.")
            : GatewayProblems.Problem(StatusCodes.Status401Unauthorized, GatewayProblems.KeyMissing, "API key required",
                $"Send a key in the {ApiKeyAuthorizer.Header} header (operators' pages: sign in once on /quality, which sets a session cookie).");
        await problem.ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        // The authorization result handler writes the refusal with the rule of the policy that failed.
        Task.CompletedTask;
}
