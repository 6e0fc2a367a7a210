using System.CommandLine;
using Esrs.Cli;
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
        LoadCommand.Create(),
        GenerateCommand.Create(),
    };

    public static Task<int> RunAsync(string[] args, TextWriter? error = null) =>
        CommandLineRunner.RunAsync(Create(), args, "esrs", error, ex => ex switch
        {
            ImportException => ExitCodes.Unreachable,
            Microsoft.Extensions.Options.OptionsValidationException => ExitCodes.Usage,
            _ => null,
        });
}
