using System.Security.Cryptography;
using System.Text;

namespace Esrs.Client.Gateway;

/// <summary>
/// Checks the <c>X-Api-Key</c> header against the configured keys in constant time: both sides
/// are hashed to 32 bytes first, so neither content nor length leaks through timing, and every
/// key is compared every time.
/// </summary>
public sealed class ApiKeyAuthorizer
{
    public const string Header = "X-Api-Key";

    private readonly (string Name, byte[] Hash, KeyScope Scope)[] _keys;

    public ApiKeyAuthorizer(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys =
        [
            .. options.WriteKeys.Select(k => (k.Name, Hash(k.Key), KeyScope.Write)),
            .. options.ReadKeys.Select(k => (k.Name, Hash(k.Key), KeyScope.Read)),
            .. options.OperatorKeys.Select(k => (k.Name, Hash(k.Key), KeyScope.Operator)),
        ];
    }

    /// <summary>The caller's key name and scope; null when the key is unknown.</summary>
    public (string Name, KeyScope Scope)? Find(string presented)
    {
        var hash = Hash(presented);
        (string, KeyScope)? found = null;
        foreach (var (name, keyHash, scope) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash) && found is null)
            {
                found = (name, scope);
            }
        }

        return found;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}

/// <summary>What a key may do: read profiles, also write events, or (operators) read the quality views.</summary>
public enum KeyScope
{
    Read = 0,
    Write = 1,
    Operator = 2,
}
