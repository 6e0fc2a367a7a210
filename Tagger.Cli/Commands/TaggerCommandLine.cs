using System.CommandLine;

namespace Esrs.Tagging.Commands;

/// <summary>The tagger's commands under one parser; exit codes as <see cref="ExitCodes"/>.</summary>
public static class TaggerCommandLine
{
    public static RootCommand Create() => new("The Esrs attribute tagger: fine-tune, evaluate, tag, benchmark")
    {
        TrainCommand.Create(),
        EvalCommand.Create(),
        TagCommand.Create(),
        BenchCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"esrs: {error.Message}");
            }

            await Console.Error.WriteLineAsync($"esrs: see --help{(parse.CommandResult.Command is RootCommand ? "" : $" of '{parse.CommandResult.Command.Name}'")}");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"esrs: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            await Console.Error.WriteLineAsync($"esrs: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await Console.Error.WriteLineAsync($"esrs: {ex.GetType().Name}: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}
