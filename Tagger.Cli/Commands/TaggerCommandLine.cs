using Esrs.Cli;
using System.CommandLine;

namespace Esrs.Tagging.Commands;

/// <summary>The tagger's commands under one parser; exit codes as <see cref="ExitCodes"/>.</summary>
public static class TaggerCommandLine
{
    public static RootCommand Create() => new("The Esrs attribute tagger: fine-tune, evaluate, tag, benchmark")
    {
        TrainCommand.Create(),
        EvalCommand.Create(),
        CompareCommand.Create(),
        TagCommand.Create(),
        BenchCommand.Create(),
    };

    /// <summary>Runs the command line; its commands carry the names <c>./esrs</c> gives them (<c>train-tagger</c>, with the
    /// short <c>train</c> kept as an alias), and <c>./esrs</c> sets <see cref="CommandLineRunner.ProgramVariable"/>.</summary>
    public static Task<int> RunAsync(string[] args) => CommandLineRunner.RunAsync(Create(), args);
}
