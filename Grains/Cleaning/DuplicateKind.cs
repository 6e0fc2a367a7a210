namespace Esrs.Cleaning;

/// <summary>Result of a dedupe lookup.</summary>
public enum DuplicateKind
{
    None = 0,
    ById = 1,
    ByContent = 2,
}
