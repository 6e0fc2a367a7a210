namespace Esrs.Client.Gateway;

/// <summary>Problem-details answers that name the rule the request broke (<c>rule</c> extension).</summary>
public static class GatewayProblems
{
    public const string BodyMalformed = "http.body.malformed";
    public const string BodyEmpty = "http.body.empty";
    public const string QueryInvalid = "http.query.invalid";
    public const string UserIdInvalid = "http.user-id.invalid";
    public const string RouteUnknown = "http.route.unknown";
    public const string MethodNotAllowed = "http.method.not-allowed";
    public const string RequestInvalid = "http.request.invalid";
    public const string Internal = "http.internal";
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
    public const string PseudonymKeyMissing = "privacy.pseudonym-key.missing";
    public const string EpsilonRequired = "quality.export.epsilon-required";
    public const string PrivacyBudgetExhausted = "quality.export.budget-spent";

    /// <summary>The rule of a refusal that no endpoint named (routing, Kestrel, the framework), by status code.</summary>
    public static string RuleFor(int status) => status switch
    {
        StatusCodes.Status404NotFound => RouteUnknown,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ContentType,
        StatusCodes.Status401Unauthorized => KeyMissing,
        StatusCodes.Status503ServiceUnavailable => Overloaded,
        >= 500 => Internal,
        _ => RequestInvalid,
    };

    public static IResult Problem(int status, string rule, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["rule"] = rule });
}
