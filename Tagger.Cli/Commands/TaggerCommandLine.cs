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

    /// <summary>Runs the command line; <c>ESRS_INVOKED_AS</c> (set by <c>./esrs</c>, e.g. <c>./esrs train-tagger</c>) names the command in usage errors.</summary>
    public static Task<int> RunAsync(string[] args) =>
        CommandLineRunner.RunAsync(Create(), args, invokedAs: Environment.GetEnvironmentVariable("ESRS_INVOKED_AS"));
}
