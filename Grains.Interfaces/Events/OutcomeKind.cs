namespace Esrs.Events;

/// <summary>What the user grain did with one event.</summary>
public enum OutcomeKind
{
    /// <summary>Applied to the profile as sent.</summary>
    Accepted = 0,

    /// <summary>Applied to the profile after one or more repairs, named in the decisions.</summary>
    Repaired = 1,

    /// <summary>An event with the same id was seen before; ignored.</summary>
    DuplicateById = 2,

    /// <summary>An event with the same content fingerprint was seen before under another id; ignored.</summary>
    DuplicateByContent = 3,

    /// <summary>Kept in quarantine with the rules that rejected it; replayable.</summary>
    Quarantined = 4,
}
