namespace Esrs.Client.Gateway;

/// <summary>
/// Keeps browser pages (the Orleans dashboard) for operators: a request passes with an operator key in <c>X-Api-Key</c>,
/// in the <c>key</c> query parameter once (which then sets an HTTP-only, same-site cookie for the page's own calls),
/// or in that cookie. Everyone else gets 401 with the rule.
/// </summary>
internal static class OperatorGate
{
    private const string Cookie = "esrs_operator";

    public static async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var authorizer = http.RequestServices.GetRequiredService<ApiKeyAuthorizer>();
        var fromQuery = http.Request.Query["key"].ToString();
        var presented = http.Request.Headers[ApiKeyAuthorizer.Header].ToString() is { Length: > 0 } header ? header
            : fromQuery.Length > 0 ? fromQuery
            : http.Request.Cookies[Cookie] ?? string.Empty;
        if (presented.Length == 0 || authorizer.Find(presented) is not { Scope: KeyScope.Operator })
        {
            await GatewayProblems.Problem(StatusCodes.Status401Unauthorized, GatewayProblems.KeyNotOperator, "Operator key required",
                "Open the dashboard with ?key=<operator key> (Esrs:Gateway:OperatorKeys) or send it in X-Api-Key.").ExecuteAsync(http);
            return;
        }

        if (fromQuery.Length > 0)
        {
            var secure = http.Request.IsHttps;
            http.Response.Cookies.Append(Cookie, presented, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = secure, Path = "/dashboard" });
        }

        await next(http);
    }
}
