using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Esrs.Client.Gateway.Auth;

/// <summary>Answers a refused authorization with problem details whose <c>rule</c> says what the key lacked.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!authorizeResult.Forbidden)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var allowed = policy.Requirements.OfType<ScopeRequirement>().SelectMany(r => r.Allowed).ToHashSet();
        var scope = ScopeRequirement.ScopeOf(context.User);
        var name = context.User.Identity?.Name ?? "?";
        var problem = (allowed.Contains(KeyScope.Operator), scope) switch
        {
            (true, _) => GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.KeyNotOperator, "Operator key required",
                $"Key '{name}' is not an operator key (Esrs:Gateway:OperatorKeys)."),
            (false, KeyScope.Operator) => GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.KeyOperatorOnly, "Operator key",
                $"Key '{name}' is an operator key: it opens the quality views, the dashboard, erasure and unlinking, not this."),
            _ => GatewayProblems.Problem(StatusCodes.Status403Forbidden, GatewayProblems.KeyReadOnly, "Read-only key", $"Key '{name}' may read, not write."),
        };
        await problem.ExecuteAsync(context);
    }
}
