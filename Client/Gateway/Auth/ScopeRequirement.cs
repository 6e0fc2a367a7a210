using Microsoft.AspNetCore.Authorization;

namespace Esrs.Client.Gateway.Auth;

/// <summary>The caller's key scope must be one of <see cref="Allowed"/>; the refusal rule depends on which it was.</summary>
public sealed class ScopeRequirement(params KeyScope[] allowed) : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public IReadOnlyList<KeyScope> Allowed { get; } = allowed;

    /// <summary>The scope a principal was authenticated with; null when it carries none.</summary>
    public static KeyScope? ScopeOf(System.Security.Claims.ClaimsPrincipal user) =>
        user?.FindFirst(EsrsPolicies.ScopeClaim)?.Value is { } value && Enum.TryParse<KeyScope>(value, ignoreCase: true, out var scope) ? scope : null;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        if (ScopeOf(context.User) is { } scope && requirement.Allowed.Contains(scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
