using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Esrs.Identity;

/// <summary>
/// Keyed pseudonyms of personal identifiers: HMAC-SHA256 under a secret key (from configuration, never stored with the
/// data) of the field's kind and its normalised value, cut to 128 bits, base64url. Without the key a pseudonym cannot be
/// recomputed from a guessed email or phone (a plain hash could be, by trying them all); under the same key the same
/// person's values meet. Normalisation: email trimmed and lower case; phone digits only (a leading 00 read as +);
/// name without accents, case and punctuation (ø, ł, ß, æ spelt o, l, ss, ae), its words sorted; device ids trimmed and
/// lower case.
/// </summary>
public sealed class Pseudonymiser
{
    private readonly byte[] _key;

    public Pseudonymiser(string keyId, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (Encoding.UTF8.GetByteCount(key) < 32)
        {
            throw new ArgumentException("A pseudonym key needs at least 32 bytes (for example 64 hex digits).", nameof(key));
        }

        KeyId = keyId;
        _key = Encoding.UTF8.GetBytes(key);
    }

    public string KeyId { get; }

    /// <summary>The pseudonym of a normalised value of <paramref name="kind"/>.</summary>
    public string Of(string kind, string normalised)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(normalised);
        var input = Encoding.UTF8.GetBytes(kind + "\0" + normalised);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, input, mac);
        return Convert.ToBase64String(mac[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>A lower-case email with one @ and a dot after it, or null.</summary>
    public static string? NormaliseEmail(string? email)
    {
        var value = email?.Trim().ToLowerInvariant();
        var at = value?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        return value is { Length: <= 254 } && at > 0 && at == value.LastIndexOf('@') && value.IndexOf('.', at) > at + 1 && !value.EndsWith('.') && !value.Any(char.IsWhiteSpace)
            ? value
            : null;
    }

    /// <summary>The digits of a phone number (7 to 15 of them; a leading 00 is the international prefix), or null.</summary>
    public static string? NormalisePhone(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone) || phone.Any(c => char.IsLetter(c)))
        {
            return null;
        }

        var digits = new string([.. phone.Where(char.IsAsciiDigit)]);
        if (digits.StartsWith("00", StringComparison.Ordinal))
        {
            digits = digits[2..];
        }

        return digits.Length is >= 7 and <= 15 ? digits : null;
    }

    /// <summary>A name's letters without accents or case, words sorted ("Müller, Anna" and "anna muller" meet), or null.</summary>
    public static string? NormaliseName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var text = new StringBuilder(name.Length);
        // Letters that carry no combining mark to drop: spelt as an ASCII keyboard spells them.
        var folded = name.Replace("ß", "ss", StringComparison.Ordinal).Replace("æ", "ae", StringComparison.Ordinal).Replace("Æ", "Ae", StringComparison.Ordinal)
            .Replace('ø', 'o').Replace('Ø', 'O').Replace('ł', 'l').Replace('Ł', 'L').Replace('đ', 'd').Replace('Đ', 'D');
        foreach (var c in folded.Normalize(NormalizationForm.FormKD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            text.Append(char.IsLetter(c) ? char.ToLowerInvariant(c) : ' ');
        }

        var words = text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        return words.Length == 0 ? null : string.Join(' ', words);
    }

    /// <summary>A device id trimmed and lower case (1 to 128 characters, no control characters), or null.</summary>
    public static string? NormaliseDevice(string? device)
    {
        var value = device?.Trim().ToLowerInvariant();
        return value is { Length: >= 1 and <= 128 } && !value.Any(char.IsControl) ? value : null;
    }
}
