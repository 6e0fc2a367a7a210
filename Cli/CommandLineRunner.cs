using System.CommandLine;

namespace Esrs.Cli;

/// <summary>
/// Parses, runs and reports the same way for every Esrs command line: parse errors and <c>--help</c> pointers on stderr
/// with exit code 2, <see cref="UsageException"/> and missing files 2, anything else 1 with its type and message (no stack
/// trace for an operator to read); <c>classify</c> gives a command line's own exceptions their codes (3: unreachable).
/// </summary>
public static partial class CommandLineRunner
{
    /// <summary>The parser's message without .NET type names: "Cannot parse argument 'abc' for option '--limit' as expected type 'System.Int32'."</summary>
    public static string Plain(string message)
    {
        var match = TypeMismatch().Match(message);
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value;
        var expected = type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "another value";
        return $"{match.Groups["option"].Value} needs {expected}, not '{match.Groups["value"].Value}'.";
    }

    [System.Text.RegularExpressions.GeneratedRegex("^Cannot parse argument '(?<value>.*)' for (?:option|command) '(?<option>[^']*)' as expected type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex TypeMismatch();

    /// <summary>Environment variable <c>./esrs</c> sets to the words a user types in place of the executable (<c>./esrs</c>,
    /// <c>./esrs client</c>, <c>./esrs bench</c>), so help's usage lines and usage errors name the command as typed.</summary>
    public const string ProgramVariable = "ESRS_PROGRAM";

    /// <summary>Runs <paramref name="root"/> on <paramref name="args"/>; <paramref name="classify"/> may give more exceptions an exit code.</summary>
    /// <remarks><paramref name="program"/>: what the user typed in place of the executable (default: <see cref="ProgramVariable"/>;
    /// unset, the executable's own name); help shows it in usage lines, and a usage error points at
    /// <c>{program} {command} --help</c>, e.g. <c>./esrs train-tagger --help</c>.</remarks>
    public static async Task<int> RunAsync(RootCommand root, string[] args, string prefix = "esrs", TextWriter? error = null, Func<Exception, int?>? classify = null, string? program = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        error ??= Console.Error;
        program ??= Environment.GetEnvironmentVariable(ProgramVariable);
        if (!string.IsNullOrWhiteSpace(program))
        {
            root.HelpName = program;
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"{prefix}: {Plain(problem.Message)}");
            }

            var path = CommandPath(parse.CommandResult);
            await error.WriteLineAsync(string.IsNullOrWhiteSpace(program)
                ? $"{prefix}: see --help{(path.Length == 0 ? "" : $" of '{path}'")}"
                : $"{prefix}: see {program}{(path.Length == 0 ? "" : " " + path)} --help");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var code = classify?.Invoke(ex) ?? ex switch
            {
                // A URL given on the command line or in ESRS_GATEWAY_URL / ESRS_HTTP_PORT that is none: the user's to fix.
                UsageException or FileNotFoundException or DirectoryNotFoundException or UriFormatException => ExitCodes.Usage,
                _ => ExitCodes.Failure,
            };
            await error.WriteLineAsync(code == ExitCodes.Failure ? $"{prefix}: {ex.GetType().Name}: {ex.Message}" : $"{prefix}: {ex.Message}");
            return code;
        }
    }

    /// <summary>The names from below the root to <paramref name="command"/>: "load check".</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (var c = command; c is not null && c.Command is not RootCommand; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(c.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
