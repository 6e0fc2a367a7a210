namespace Esrs.Cli;

/// <summary>A command line that cannot be run; the message says why (exit code <see cref="ExitCodes.Usage"/>).</summary>
public sealed class UsageException(string message) : Exception(message);
