namespace Esrs.Cleaning;

/// <summary>What rules may look at besides the event: the grain's key, the current time and the limits.</summary>
public readonly record struct ValidationContext(string GrainKey, DateTime Now, ValidationOptions Options);
