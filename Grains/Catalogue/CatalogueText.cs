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

    /// <summary>Whether two texts are the same once folded.</summary>
    public static bool SameFolded(string? a, string? b) => string.Equals(Fold(a), Fold(b), StringComparison.Ordinal);

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
