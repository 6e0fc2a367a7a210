using Esrs.Events;

namespace Esrs.Cleaning;

/// <summary>The decisions taken on one event; allocates only when the first decision is added.</summary>
public struct DecisionList
{
    private List<RuleDecision>? _items;

    public readonly int Count => _items?.Count ?? 0;

    public readonly bool IsRejected
    {
        get
        {
            if (_items is null)
            {
                return false;
            }

            foreach (var d in _items)
            {
                if (d.Kind == DecisionKind.Rejected)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>True when something was repaired or dropped (flags alone do not make an event "repaired").</summary>
    public readonly bool HasRepairs
    {
        get
        {
            if (_items is null)
            {
                return false;
            }

            foreach (var d in _items)
            {
                if (d.Kind is DecisionKind.Repaired or DecisionKind.FieldDropped)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public void Add(RuleDecision decision) => (_items ??= new List<RuleDecision>(2)).Add(decision);

    public void Reject(string ruleId, string? field, string detail) => Add(new RuleDecision(ruleId, DecisionKind.Rejected, field, detail));

    public void Repair(string ruleId, string? field, string detail) => Add(new RuleDecision(ruleId, DecisionKind.Repaired, field, detail));

    public void Drop(string ruleId, string field, string detail) => Add(new RuleDecision(ruleId, DecisionKind.FieldDropped, field, detail));

    public void Flag(string ruleId, string? field, string detail) => Add(new RuleDecision(ruleId, DecisionKind.Flagged, field, detail));

    /// <summary>Whether a rule with this id decided anything.</summary>
    public readonly bool Contains(string ruleId)
    {
        if (_items is null)
        {
            return false;
        }

        foreach (var d in _items)
        {
            if (string.Equals(d.RuleId, ruleId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The decisions; the list is handed over, not copied, so stop adding once it is read.</summary>
    public readonly IReadOnlyList<RuleDecision> ToList() => _items is null ? EventOutcome.NoDecisions : _items;
}
