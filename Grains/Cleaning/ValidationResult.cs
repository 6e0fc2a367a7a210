using Esrs.Events;

namespace Esrs.Cleaning;

/// <summary>The event after repairs and every decision taken on it.</summary>
public readonly record struct ValidationResult(UserEvent Event, DecisionList Decisions)
{
    public bool IsRejected => Decisions.IsRejected;

    /// <summary>The outcome kind for an event that was not a duplicate.</summary>
    public OutcomeKind Kind => IsRejected ? OutcomeKind.Quarantined : Decisions.HasRepairs ? OutcomeKind.Repaired : OutcomeKind.Accepted;

    /// <summary>Whether a rule with this id decided anything on the event.</summary>
    public bool Has(string ruleId) => Decisions.Contains(ruleId);
}
