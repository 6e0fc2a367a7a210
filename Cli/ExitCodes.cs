namespace Esrs.Cli;

/// <summary>Exit codes of every Esrs command line (the client, the tagger, the benchmarks).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed.</summary>
    public const int Failure = 1;

    /// <summary>A bad command line, a bad setting, or a missing input or data file.</summary>
    public const int Usage = 2;

    /// <summary>A service it needs (gateway, silo, Redis) cannot be reached.</summary>
    public const int Unreachable = 3;
}
