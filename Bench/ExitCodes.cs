namespace Esrs.Bench;

/// <summary>Exit codes of every Esrs command line: 0 success, 1 failure at run time, 2 bad command line or missing input/data file, 3 a service cannot be reached.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Unreachable = 3;
}
