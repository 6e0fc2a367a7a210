using System.Diagnostics;

namespace Esrs.Bench;

/// <summary>Times a one-thread workload: one warm-up round, then <c>rounds</c> timed rounds; rate and bytes allocated per item.</summary>
internal static class Rounds
{
    public static (double ItemsPerSecond, double AllocatedBytesPerItem) Measure(int itemsPerRound, int rounds, Action runOnce)
    {
        ArgumentNullException.ThrowIfNull(runOnce);
        runOnce();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            runOnce();
        }

        stopwatch.Stop();
        var processed = (double)itemsPerRound * rounds;
        return (processed / stopwatch.Elapsed.TotalSeconds, (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / processed);
    }
}
