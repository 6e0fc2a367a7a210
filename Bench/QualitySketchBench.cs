using Esrs.Events;
using Esrs.Quality;

namespace Esrs.Bench;

/// <summary>What monitoring adds per event on the ingest path: <see cref="QualitySketchUpdates.Add"/> of each event into its source's sketch, one thread.</summary>
internal static class QualitySketchBench
{
    public static (double EventsPerSecond, double AllocatedBytesPerEvent) Run(IReadOnlyList<UserEvent> events, int rounds)
    {
        var outcomes = events.Select(e => new EventOutcome(e.EventId, OutcomeKind.Accepted, EventOutcome.NoDecisions)).ToArray();
        var now = DateTime.UtcNow;
        return Rounds.Measure(events.Count, rounds, RunOnce);

        void RunOnce()
        {
            // A fresh sketch per 1,000 events: what a collector gathers between flushes on a busy silo.
            var sketch = new QualitySketch();
            for (var i = 0; i < events.Count; i++)
            {
                if (i % 1_000 == 0)
                {
                    sketch = new QualitySketch();
                }

                sketch.Add(events[i], outcomes[i], now);
            }
        }
    }
}
