using Esrs.Cli;
using System.CommandLine;
using Esrs.Client.Gateway;

namespace Esrs.Client.Commands;

/// <summary><c>gateway</c>: runs the HTTP gateway; every further argument is configuration (<c>--Esrs:Gateway:Url http://...</c>).</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var command = new Command("gateway", "Run the HTTP gateway (settings Esrs:Gateway:*, from appsettings, environment Esrs__Gateway__*, or --Esrs:Gateway:Name value)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await GatewayHost.Build([.. parse.UnmatchedTokens]).RunAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}
