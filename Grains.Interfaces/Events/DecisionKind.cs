namespace Esrs.Events;

/// <summary>The effect one validation rule had on one event.</summary>
public enum DecisionKind
{
    /// <summary>A value was changed to a valid form (the event is kept).</summary>
    Repaired = 0,

    /// <summary>An optional field was invalid and removed (the event is kept).</summary>
    FieldDropped = 1,

    /// <summary>Noted for data quality, nothing changed (the event is kept).</summary>
    Flagged = 2,

    /// <summary>The event cannot be used; it goes to quarantine.</summary>
    Rejected = 3,

    /// <summary>A missing value was filled from another source (the catalogue); the event is kept and counts as accepted.</summary>
    Imputed = 4,
}
