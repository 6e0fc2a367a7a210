using Microsoft.Extensions.Compliance.Classification;

namespace Esrs.Compliance;

/// <summary>Marks a secret (an API key, a connection string with a password): redacted from logs.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class SecretDataAttribute() : DataClassificationAttribute(EsrsTaxonomy.Secret);
