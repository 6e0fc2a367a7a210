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

    private readonly (string Name, byte[] Hash, bool CanWrite)[] _keys;

    public ApiKeyAuthorizer(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys =
        [
            .. options.WriteKeys.Select(k => (k.Name, Hash(k.Key), true)),
            .. options.ReadKeys.Select(k => (k.Name, Hash(k.Key), false)),
        ];
    }

    /// <summary>The caller's key name and whether it may write; null when the key is unknown.</summary>
    public (string Name, bool CanWrite)? Find(string presented)
    {
        var hash = Hash(presented);
        (string, bool)? found = null;
        foreach (var (name, keyHash, canWrite) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash) && found is null)
            {
                found = (name, canWrite);
            }
        }

        return found;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
