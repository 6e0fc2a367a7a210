using System.Collections.Frozen;
using System.Text;

namespace Esrs.Cleaning;

/// <summary>
/// Maps the many spellings of gender that sources use to <c>female</c>, <c>male</c> or <c>other</c>: events' gender field
/// (the demographics rule) and the user registry's records (the gateway) read the same table.
/// </summary>
public static class GenderNormalizer
{
    public const string Female = "female";
    public const string Male = "male";
    public const string Other = "other";

    private static readonly FrozenDictionary<string, string> Spellings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["f"] = Female, ["female"] = Female, ["fem"] = Female, ["woman"] = Female, ["women"] = Female, ["w"] = Female,
        ["girl"] = Female, ["lady"] = Female, ["frau"] = Female, ["weiblich"] = Female, ["femme"] = Female,
        ["féminin"] = Female, ["feminin"] = Female, ["mujer"] = Female, ["femenino"] = Female, ["donna"] = Female,
        ["女"] = Female, ["女性"] = Female, ["女士"] = Female,
        ["m"] = Male, ["male"] = Male, ["man"] = Male, ["men"] = Male, ["boy"] = Male, ["gentleman"] = Male,
        ["herr"] = Male, ["mann"] = Male, ["männlich"] = Male, ["homme"] = Male, ["masculin"] = Male,
        ["hombre"] = Male, ["masculino"] = Male, ["uomo"] = Male,
        ["男"] = Male, ["男性"] = Male, ["先生"] = Male,
        ["other"] = Other, ["x"] = Other, ["nonbinary"] = Other, ["non-binary"] = Other, ["non binary"] = Other,
        ["nb"] = Other, ["enby"] = Other, ["diverse"] = Other, ["divers"] = Other, ["d"] = Other, ["其他"] = Other,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The normalised gender, or null when the spelling is not recognised.</summary>
    public static string? Normalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var key = raw.Trim().Normalize(NormalizationForm.FormKC);
        return Spellings.TryGetValue(key, out var value) ? value : null;
    }
}
