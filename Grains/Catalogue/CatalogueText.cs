using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Esrs.Catalogue;

/// <summary>Text helpers of catalogue cleaning and enrichment: folding for comparison, markup removal.</summary>
public static partial class CatalogueText
{
    /// <summary>Lower case letters and digits, every other run of characters one space, trimmed: <c>"Q&amp;Q  Watch-"</c> folds to <c>"q q watch"</c>.</summary>
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                if (space && builder.Length > 0)
                {
                    builder.Append(' ');
                }

                builder.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else
            {
                space = true;
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether two texts are the same once folded (<see cref="Fold"/>), compared in place: nothing is allocated.</summary>
    public static bool SameFolded(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && !char.IsLetterOrDigit(a[i]))
            {
                i++;
            }

            while (j < b.Length && !char.IsLetterOrDigit(b[j]))
            {
                j++;
            }

            if (i == a.Length || j == b.Length)
            {
                return i == a.Length && j == b.Length;
            }

            // One word of each: equal letters, and both end here.
            while (i < a.Length && j < b.Length && char.IsLetterOrDigit(a[i]) && char.IsLetterOrDigit(b[j]))
            {
                if (char.ToLowerInvariant(a[i]) != char.ToLowerInvariant(b[j]))
                {
                    return false;
                }

                i++;
                j++;
            }

            if ((i < a.Length && char.IsLetterOrDigit(a[i])) || (j < b.Length && char.IsLetterOrDigit(b[j])))
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Whether the levels of the shorter category path (split at <c>&gt;</c>, <c>/</c> or <c>|</c>; levels without a letter or
    /// digit ignored) are the first levels of the longer one, each compared folded. Allocates nothing.
    /// </summary>
    public static bool OnePathStartsTheOther(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int i = 0, j = 0;
        while (true)
        {
            var x = NextLevel(a, ref i);
            var y = NextLevel(b, ref j);
            if (x.IsEmpty || y.IsEmpty)
            {
                return true;
            }

            if (!SameFolded(x, y))
            {
                return false;
            }
        }
    }

    private static ReadOnlySpan<char> NextLevel(ReadOnlySpan<char> path, ref int position)
    {
        while (position < path.Length)
        {
            var rest = path[position..];
            var end = rest.IndexOfAny('>', '/', '|');
            var level = end < 0 ? rest : rest[..end];
            position += end < 0 ? rest.Length : end + 1;
            foreach (var c in level)
            {
                if (char.IsLetterOrDigit(c))
                {
                    return level;
                }
            }
        }

        return [];
    }

    /// <summary>HTML tags removed and entities decoded; the same instance when there is neither.</summary>
    public static string StripMarkup(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Tag().IsMatch(text) && !Entity().IsMatch(text))
        {
            return text;
        }

        return WebUtility.HtmlDecode(Tag().Replace(text, " "));
    }

    /// <summary>Whether a category level was cut off by the source (ends in <c>...</c> or <c>…</c>).</summary>
    public static bool IsCutOff(string level) => level.EndsWith("...", StringComparison.Ordinal) || level.EndsWith('…');

    /// <summary>The level without its cut-off mark.</summary>
    public static string WithoutCutOff(string level) => level.TrimEnd('.', '…').TrimEnd();

    [GeneratedRegex(@"<\s*/?\s*[a-zA-Z][^<>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"&(#\d{1,6}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")]
    private static partial Regex Entity();
}
