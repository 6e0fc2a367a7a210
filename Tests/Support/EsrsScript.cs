using System.Diagnostics;

namespace Esrs.Tests.Support;

/// <summary>Runs the checkout's <c>./esrs</c> script as a user would, in a clean environment (no keys or gateway settings of the test host's).</summary>
internal static class EsrsScript
{
    public static Process Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(UciExpectations.RepositoryRoot, "esrs"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = UciExpectations.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A clean shell: the test host's own keys and settings must not leak into the commands (a test's own do go in).
        foreach (var name in new[] { "ESRS_API_KEY", "ESRS_READ_KEY", "ESRS_OPERATOR_KEY", "ESRS_GATEWAY_URL", "ESRS_GATEWAY", "ESRS_PROGRAM", "ESRS_TAGGER_MODEL" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>
    /// Starts a long-running command (<c>./esrs run</c>) with its stdout and stderr gathered in <paramref name="output"/>;
    /// <paramref name="ready"/> completes at the first line that contains <paramref name="readyLine"/>.
    /// </summary>
    public static Process StartWatched(IEnumerable<string> arguments, string readyLine, IReadOnlyDictionary<string, string> environment, out Task ready, out System.Text.StringBuilder output)
    {
        var process = Start(arguments, environment);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var text = new System.Text.StringBuilder();
        void Watch(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (text)
            {
                text.AppendLine(line);
            }

            if (line.Contains(readyLine, StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => Watch(e.Data);
        process.ErrorDataReceived += (_, e) => Watch(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        (ready, output) = (started.Task, text);
        return process;
    }

    /// <summary>Runs to the end (at most <paramref name="patience"/>) and returns the exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments, TimeSpan patience, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(arguments, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(patience);
        return (process.ExitCode, await stdout, await stderr);
    }
}
