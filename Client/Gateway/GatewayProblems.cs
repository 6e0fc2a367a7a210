namespace Esrs.Client.Gateway;

/// <summary>Problem-details answers that name the rule the request broke (<c>rule</c> extension).</summary>
public static class GatewayProblems
{
    public const string BodyMalformed = "http.body.malformed";
    public const string BodyTooLarge = "http.body.too-large";
    public const string BatchTooLarge = "http.batch.too-large";
    public const string BatchEmpty = "http.batch.empty";
    public const string ContentType = "http.content-type.unsupported";
    public const string KeyMissing = "http.auth.key-missing";
    public const string KeyInvalid = "http.auth.key-invalid";
    public const string KeyReadOnly = "http.auth.key-read-only";
    public const string KeyNotOperator = "http.auth.key-not-operator";
    public const string KeyOperatorOnly = "http.auth.key-operator-only";
    public const string QualityMetricUnknown = "quality.metric.unknown";
    public const string QualityRangeInvalid = "quality.range.invalid";
    public const string Overloaded = "http.overloaded";
    public const string ArgumentInvalid = "http.argument.invalid";

    public static IResult Problem(int status, string rule, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["rule"] = rule });
}
