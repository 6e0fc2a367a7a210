namespace Esrs.Profiles;

/// <summary>Names of profile fields, as used in <see cref="UserProfile.Provenance"/>.</summary>
public static class ProfileFields
{
    public const string Counts = "counts";
    public const string Categories = "categories";
    public const string Brands = "brands";
    public const string Items = "items";
    public const string SearchTerms = "searchTerms";
    public const string RecentItems = "recentItems";
    public const string Spend = "spend";
    public const string Age = "age";
    public const string Gender = "gender";
    public const string Attributes = "attributes";
}
