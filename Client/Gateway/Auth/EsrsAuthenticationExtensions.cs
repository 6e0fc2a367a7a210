using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace Esrs.Client.Gateway.Auth;

/// <summary>Wiring of the gateway's authentication (API key header, operator session cookie) and its three policies.</summary>
public static class EsrsAuthenticationExtensions
{
    /// <summary>
    /// Adds the <c>X-Api-Key</c> scheme, the operator session cookie (HTTP-only, same-site strict, signed with keys that live
    /// as long as the process), a policy scheme that picks the header when one is sent, and the Read/Write/Operator policies.
    /// </summary>
    public static IServiceCollection AddEsrsAuthentication(this IServiceCollection services, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(new ApiKeyAuthorizer(options));
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(EsrsPolicies.Scheme)
            .AddPolicyScheme(EsrsPolicies.Scheme, "API key or operator session", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.ContainsKey(ApiKeyAuthorizer.Header) ? EsrsPolicies.ApiKeyScheme : EsrsPolicies.SessionScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(EsrsPolicies.ApiKeyScheme, null)
            .AddCookie(EsrsPolicies.SessionScheme, o =>
            {
                o.Cookie.Name = EsrsPolicies.SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = options.SessionLifetime;
                o.SlidingExpiration = true;
                // An API, not a site with a login page: no redirects, the challenge is a 401 with the rule.
                o.ForwardChallenge = EsrsPolicies.ApiKeyScheme;
                o.ForwardForbid = EsrsPolicies.ApiKeyScheme;
            });
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(EsrsPolicies.Read, p => p.AddRequirements(new ScopeRequirement(KeyScope.Read, KeyScope.Write)))
            .AddPolicy(EsrsPolicies.Write, p => p.AddRequirements(new ScopeRequirement(KeyScope.Write)))
            .AddPolicy(EsrsPolicies.Operator, p => p.AddRequirements(new ScopeRequirement(KeyScope.Operator)));
        return services;
    }
}
