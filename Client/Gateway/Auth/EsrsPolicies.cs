namespace Esrs.Client.Gateway.Auth;

/// <summary>The gateway's authorization policies and the claim they read.</summary>
public static class EsrsPolicies
{
    /// <summary>Profiles and quarantines: read or write keys.</summary>
    public const string Read = "esrs.read";

    /// <summary>Events and replays: write keys.</summary>
    public const string Write = "esrs.write";

    /// <summary>Quality views, the quality page's data and the Orleans dashboard: operator keys (header or session cookie).</summary>
    public const string Operator = "esrs.operator";

    /// <summary>Claim holding the caller's <see cref="KeyScope"/> (<c>read</c>, <c>write</c>, <c>operator</c>).</summary>
    public const string ScopeClaim = "esrs:scope";

    /// <summary>The authentication scheme that picks the API key header or the operator session cookie.</summary>
    public const string Scheme = "esrs";

    /// <summary>The <c>X-Api-Key</c> header scheme.</summary>
    public const string ApiKeyScheme = "esrs.api-key";

    /// <summary>The operator session cookie scheme (browser pages).</summary>
    public const string SessionScheme = "esrs.session";

    /// <summary>Name of the session cookie.</summary>
    public const string SessionCookie = "esrs_session";
}
