using Esrs.Events;

namespace Esrs.Client.Gateway;

/// <summary>Answer to <c>POST /v1/events</c>: totals and one outcome per event, in request order.</summary>
public sealed record IngestResponse(int Accepted, int Repaired, int Duplicates, int Quarantined, IReadOnlyList<EventOutcome> Outcomes)
{
    public static IngestResponse From(IReadOnlyList<EventOutcome> outcomes)
    {
        int accepted = 0, repaired = 0, duplicates = 0, quarantined = 0;
        foreach (var o in outcomes)
        {
            switch (o.Kind)
            {
                case OutcomeKind.Accepted: accepted++; break;
                case OutcomeKind.Repaired: repaired++; break;
                case OutcomeKind.Quarantined: quarantined++; break;
                default: duplicates++; break;
            }
        }

        return new IngestResponse(accepted, repaired, duplicates, quarantined, outcomes);
    }
}
