namespace Esrs.Cleaning;

/// <summary>Limits the validation and repair rules apply (configuration section <c>Esrs:Validation</c>).</summary>
public sealed class ValidationOptions
{
    public const string SectionName = "Esrs:Validation";

    /// <summary>How far in the future an occurred-at may be (clock skew between producers and the grid).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far in the past an occurred-at may be. Twenty years by default so that historic data
    /// sets (UCI Online Retail is from 2010) import; a live shop sets days.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(20 * 365.25);

    /// <summary>Unit prices above this are treated as data errors.</summary>
    public decimal MaxUnitPrice { get; set; } = 100_000m;

    /// <summary>Quantities whose absolute value reaches this are treated as data errors.</summary>
    public int MaxQuantity { get; set; } = 10_000;

    /// <summary>Longest kept search query, in characters, after normalisation.</summary>
    public int MaxQueryLength { get; set; } = 256;

    /// <summary>Longest kept item title, category path or brand, in characters, after normalisation.</summary>
    public int MaxTextLength { get; set; } = 512;

    /// <summary>
    /// Item ids that are not products (postage, fees, manual adjustments, discounts). Such events
    /// count for spend but not for item or category interest. A trailing <c>*</c> matches a prefix.
    /// Compared case-insensitively.
    /// </summary>
    public IList<string> NonProductItems { get; set; } =
    [
        "POST", "DOT", "M", "D", "C2", "S", "B", "CRUK", "PADS", "BANK CHARGES", "AMAZONFEE",
        "gift_0001_*", "DCGSSBOY", "DCGSSGIRL", "DCGS*",
    ];
}
