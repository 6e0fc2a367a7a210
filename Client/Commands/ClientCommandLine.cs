using System.CommandLine;
using Esrs.Client.Import;

namespace Esrs.Client.Commands;

/// <summary>The client's commands under one parser (System.CommandLine); <c>--help</c> on each; exit codes as <see cref="ExitCodes"/>.</summary>
public static class ClientCommandLine
{
    public static RootCommand Create() => new("Esrs client side: the HTTP gateway, importers, grain views, the quality snapshot, dead-letter redrive")
    {
        GatewayCommand.Create(),
        ImportCommand.Create(),
        GrainCommands.Create("profile", "The live profile of a user, straight from a running silo"),
        GrainCommands.Create("quarantine", "A page of a user's quarantine, straight from a running silo"),
        GrainCommands.Create("replay", "Replay a user's quarantine under the current rules"),
        QualityCommand.Create(),
        RedriveCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter? error = null)
    {
        error ??= Console.Error;
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"esrs: {problem.Message}");
            }

            await error.WriteLineAsync($"esrs: see --help{(parse.CommandResult.Command is RootCommand ? "" : $" of '{parse.CommandResult.Command.Name}'")}");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync($"esrs: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (ImportException ex)
        {
            await error.WriteLineAsync($"esrs: {ex.Message}");
            return ExitCodes.Unreachable;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await error.WriteLineAsync($"esrs: invalid configuration: {string.Join(" ", ex.Failures)}");
            return ExitCodes.Usage;
        }
    }
}
