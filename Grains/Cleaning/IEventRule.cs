using Esrs.Events;

namespace Esrs.Cleaning;

/// <summary>
/// One family of validation and repair rules. A rule returns the event unchanged, or a repaired
/// copy, and records each decision it made (with its rule id) in the decision list.
/// Rules never throw on bad data: bad data is what they are for.
/// </summary>
public interface IEventRule
{
    /// <summary>Checks and possibly repairs <paramref name="e"/>.</summary>
    UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions);
}
