namespace Esrs.Tagging.Commands;

/// <summary>Exit codes of every Esrs command line (the same in the client, the tagger and the benchmarks).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command failed while running.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line, or an input or data file that is not there.</summary>
    public const int Usage = 2;

    /// <summary>A service (silo, gateway, Redis) could not be reached.</summary>
    public const int Unreachable = 3;
}
