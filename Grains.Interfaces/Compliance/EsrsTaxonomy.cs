using Microsoft.Extensions.Compliance.Classification;

namespace Esrs.Compliance;

/// <summary>
/// Esrs's data classes. Hosts register a redactor that erases <see cref="Secret"/>, so a value marked with
/// <see cref="SecretDataAttribute"/> never reaches a log even when an options object is logged whole.
/// </summary>
public static class EsrsTaxonomy
{
    public const string Name = "Esrs";

    /// <summary>Keys, passwords, connection strings.</summary>
    public static DataClassification Secret { get; } = new(Name, nameof(Secret));
}
