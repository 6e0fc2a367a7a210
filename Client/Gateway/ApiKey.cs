using Esrs.Compliance;

namespace Esrs.Client.Gateway;

/// <summary>A named API key. The name identifies the caller in logs and is the default event source; the key is a secret.</summary>
public sealed class ApiKey
{
    public string Name { get; set; } = "";

    /// <summary>The secret: redacted from logs, compared only as a hash.</summary>
    [SecretData]
    public string Key { get; set; } = "";

    /// <summary>Never prints the key.</summary>
    public override string ToString() => $"{Name} (key hidden)";
}
