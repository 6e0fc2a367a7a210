using Esrs.Client.Load;

namespace Esrs.Tests.Load;

/// <summary>The recovery time of a fault run, on hand-made per-second timelines.</summary>
public sealed class RecoveryTests
{
    [Fact]
    public void RecoveryIsTheFirstSecondBackAtHalfTheSteadyRate()
    {
        // Fault at 5.0 s; the median second (of those with any acknowledgement) is 100, half 50; seconds 6 and 7 below, second 8 back: 8 - 5 = 3.
        long[] timeline = [100, 100, 100, 100, 100, 90, 10, 20, 80, 100, 100];
        Assert.Equal(3.0, LoadReport.Recovery(timeline, timeline.Length, 5.0));
    }

    [Fact]
    public void ARunThatNeverDippedRecoveredAtOnceAndItsLastPartialSecondDoesNotCount()
    {
        // The run lasted 10.3 s: the eleventh bucket holds 0.3 s of acknowledgements (found by a clean-clone CI run,
        // where a consumer-kill run with no dip at all was reported as never recovered).
        long[] timeline = [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 21];
        Assert.Equal(0.0, LoadReport.Recovery(timeline, wholeSeconds: 10, faultAt: 5.0));
        // Even counted as whole, a low last second is the run winding down, not a dip.
        Assert.Equal(0.0, LoadReport.Recovery(timeline, wholeSeconds: 11, faultAt: 5.0));
    }

    [Fact]
    public void ABurstInTheMiddleOfAnOutageIsNotARecovery()
    {
        // A clean-clone CI run's silo kill (fault at 10.5 s, shortened): retries got through for one second (112) in the
        // middle of 23 seconds at zero; it was reported as recovered after 7.5 s. Back for good at second 16: 16 - 10.5.
        long[] timeline = [139, 155, 140, 120, 145, 140, 155, 140, 145, 103, 188, 5, 7, 112, 0, 0, 239, 830, 1049, 469];
        Assert.Equal(5.5, LoadReport.Recovery(timeline, timeline.Length, 10.5));
    }

    [Fact]
    public void AOneSecondDipLongAfterTheRecoveryDoesNotUndoIt()
    {
        // A clean-clone CI run's Redis restart: back at second 18 and steady, then one slow second (62) near the end; the
        // first version of the "for good" rule read that as never recovered and failed the fault test.
        long[] timeline = [144, 150, 140, 125, 140, 140, 155, 140, 150, 145, 0, 0, 0, 0, 0, 0, 0, 0, 802, 606, 151, 130, 150, 134, 135, 140, 140, 62, 213];
        Assert.Equal(8.0, LoadReport.Recovery(timeline, timeline.Length, 10.0));
    }

    [Fact]
    public void ADipInTheFaultsOwnSecondCountsAndTheLastWholeSecondsWindDownDoesNot()
    {
        // A clean-clone CI run's consumer kill (fault at 10.2 s, shortened): the acknowledgements dipped in the fault's own
        // second (31) and were back the next (249); the run's last whole second (5) is the load winding down. It was
        // reported as never recovered: the dip search began a second after the fault and took the wind-down for the dip.
        long[] timeline = [144, 150, 145, 120, 140, 140, 155, 140, 145, 150, 31, 249, 149, 120, 145, 155, 125, 150, 140, 145, 145, 90, 183, 145, 5, 1];
        Assert.Equal(0.8, LoadReport.Recovery(timeline, wholeSeconds: 25, faultAt: 10.2)!.Value, 6);

        // Without the dip in the fault's second, the wind-down alone is no dip at all.
        long[] steady = [144, 150, 145, 120, 140, 140, 155, 140, 145, 150, 140, 249, 149, 120, 145, 155, 125, 150, 140, 145, 145, 90, 183, 145, 5, 1];
        Assert.Equal(0.0, LoadReport.Recovery(steady, wholeSeconds: 25, faultAt: 10.2));
    }

    [Fact]
    public void AStartUpBurstBeforeTheFaultIsNotTheRateToComeBackTo()
    {
        // A SIGKILL run (fault at 10 s): the grid caught up after its start in seconds 7-9 (333, 595, 409), then ran at
        // ~140 events/s. Against the five seconds before the fault (half of 282 = 141) the steady 130-150 after the kill
        // read as not yet back until second 38; against the run's median non-empty second (140, half 70) it is back at 21.
        long[] timeline = [0, 0, 0, 0, 0, 3, 72, 333, 595, 409, 129, 58, 35, 4, 2, 0, 0, 0, 0, 0, 0, 395, 1225, 134, 135, 130, 150, 130, 155, 140, 145, 110, 99, 169, 36, 219, 102, 67, 155, 242, 151, 145, 145, 135, 145];
        Assert.Equal(11.0, LoadReport.Recovery(timeline, timeline.Length, 10.0));
    }

    [Fact]
    public void AnOutageLongerThanTheRestOfTheRunStillCountsFromTheSteadyRate()
    {
        // A silo paused at 10 s for 30 s of a 45 s run: more empty seconds than steady ones. Their median is 0, so a plain
        // median read it as never having dipped ("recovered in 0 s"); among the seconds that acknowledged anything the
        // median is 145: back at second 40, 30 s after the fault.
        long[] timeline = [144, 150, 140, 125, 47, 229, 155, 140, 150, 145, 13, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0, 0, 321, 1837, 1480, 1044, 145];
        Assert.Equal(30.0, LoadReport.Recovery(timeline, timeline.Length, 10.0));
    }

    [Fact]
    public void ADipThatLastsToTheEndNeverRecovered()
    {
        long[] timeline = [100, 100, 100, 100, 100, 100, 0, 0, 0, 0];
        Assert.Null(LoadReport.Recovery(timeline, timeline.Length, 5.0));
    }
}
