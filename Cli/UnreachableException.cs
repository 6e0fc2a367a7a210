namespace Esrs.Cli;

/// <summary>A service the command needs cannot be reached; the message says which and how to start it (exit code <see cref="ExitCodes.Unreachable"/>).</summary>
public class UnreachableException : Exception
{
    public UnreachableException()
    {
    }

    public UnreachableException(string message)
        : base(message)
    {
    }

    public UnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
