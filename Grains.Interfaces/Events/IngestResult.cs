namespace Esrs.Events;

/// <summary>Per-event outcomes of one ingest call, in the order the events were sent.</summary>
[GenerateSerializer, Immutable, Alias("esrs.ingest-result")]
public sealed record IngestResult([property: Id(0)] IReadOnlyList<EventOutcome> Outcomes)
{
    /// <summary>How many outcomes are of the given kind.</summary>
    public int Count(OutcomeKind kind)
    {
        var n = 0;
        foreach (var outcome in Outcomes)
        {
            if (outcome.Kind == kind)
            {
                n++;
            }
        }

        return n;
    }
}
