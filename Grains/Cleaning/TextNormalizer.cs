using System.Text;

namespace Esrs.Cleaning;

/// <summary>Free-text clean-up: Unicode NFKC, control characters and runs of whitespace to one space, trimmed, capped.</summary>
public static class TextNormalizer
{
    /// <summary>
    /// Returns the normalised text (null when nothing is left) and whether it was changed and
    /// whether it was cut to <paramref name="maxLength"/>. Returns the same instance when the
    /// text is already clean, so clean input allocates nothing.
    /// </summary>
    public static string? Normalize(string? text, int maxLength, out bool changed, out bool truncated)
    {
        changed = false;
        truncated = false;
        if (text is null)
        {
            return null;
        }

        var value = text;
        if (!IsAscii(value) && !value.IsNormalized(NormalizationForm.FormKC))
        {
            value = value.Normalize(NormalizationForm.FormKC);
        }

        if (NeedsWhitespaceWork(value))
        {
            value = CollapseWhitespace(value);
        }

        if (value.Length > maxLength)
        {
            var cut = maxLength;
            if (char.IsHighSurrogate(value[cut - 1]))
            {
                cut--;
            }

            value = value[..cut].TrimEnd();
            truncated = true;
        }

        changed = !ReferenceEquals(value, text) && !string.Equals(value, text, StringComparison.Ordinal);
        return value.Length == 0 ? null : value;
    }

    private static bool IsAscii(string value) => Ascii.IsValid(value);

    private static bool NeedsWhitespaceWork(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        if (IsSpaceLike(value[0]) || IsSpaceLike(value[^1]))
        {
            return true;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c != ' ' && IsSpaceLike(c))
            {
                return true;
            }

            if (c == ' ' && i + 1 < value.Length && value[i + 1] == ' ')
            {
                return true;
            }
        }

        return false;
    }

    private static string CollapseWhitespace(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (IsSpaceLike(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static bool IsSpaceLike(char c) => char.IsWhiteSpace(c) || char.IsControl(c);
}
