namespace Esrs.Events;

/// <summary>
/// Stable ids of the validation, repair and dedupe rules. Outcomes, quarantine entries and
/// provenance carry them; operators filter and count by them, so an id never changes meaning.
/// </summary>
public static class RuleIds
{
    public const string EventIdMissing = "event.id.missing";
    public const string EventIdTooLong = "event.id.too-long";
    public const string EventUnreadable = "event.unreadable";
    public const string UserMissing = "event.user.missing";
    public const string UserMismatch = "event.user.mismatch";
    public const string UserInvalid = "event.user.invalid";
    public const string TypeUnknown = "event.type.unknown";
    public const string TimeMissing = "event.time.missing";
    public const string TimeToUtc = "event.time.utc";
    public const string TimeInFuture = "event.time.future";
    public const string TimeTooOld = "event.time.too-old";
    public const string RequiredField = "event.field.required";
    public const string LateForDedupe = "dedupe.late";

    public const string PriceNegative = "price.negative";
    public const string PriceAbsurd = "price.absurd";
    public const string PriceZero = "price.zero";
    public const string QuantityZero = "quantity.zero";
    public const string QuantityAbsurd = "quantity.absurd";
    public const string QuantitySign = "quantity.sign";
    public const string QuantityDefault = "quantity.default";
    public const string CurrencyNormalised = "currency.normalise";
    public const string CurrencyInvalid = "currency.invalid";

    public const string RatingRange = "rating.range";
    public const string AgeRange = "age.range";
    public const string GenderNormalised = "gender.normalise";
    public const string GenderUnknown = "gender.unknown";

    public const string TextNormalised = "text.normalise";
    public const string TextTruncated = "text.truncate";
    public const string NonProductItem = "item.non-product";

    /// <summary>An event's missing title, category path, brand or price filled from the catalogue item of its item id.</summary>
    public const string CatalogueTitle = "catalogue.enrich.title";
    public const string CatalogueCategory = "catalogue.enrich.category";
    public const string CatalogueBrand = "catalogue.enrich.brand";
    public const string CataloguePrice = "catalogue.enrich.price";

    /// <summary>An event's own value disagrees with its catalogue item's (the event keeps its own).</summary>
    public const string CatalogueDisagrees = "catalogue.disagree";

    /// <summary>The event's item id is a duplicate listing of another catalogue item; it is counted under that one.</summary>
    public const string CatalogueAlias = "catalogue.item.alias";

    /// <summary>Rule id of profile fields derived directly from accepted events.</summary>
    public const string ProfileFromEvent = "profile.event";

    /// <summary>A profile value derived by the attribute tagger from an event's query or title.</summary>
    public const string ProfileFromTagger = "profile.tagger";

    /// <summary>A profile value the user declared in the user registry (an account record).</summary>
    public const string ProfileFromRegistry = "profile.registry";

    /// <summary>A profile field several sources state: the value shown won by source trust, then recency.</summary>
    public const string ProfilePrecedence = "profile.precedence";
}
