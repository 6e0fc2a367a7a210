namespace Esrs.Client.Gateway;

/// <summary>
/// Compressed request bodies: gzip, br and deflate are inflated by ASP.NET Core's request decompression; any other coding
/// is refused with 415 and the rule <see cref="GatewayProblems.ContentType"/> (its bytes would otherwise reach the JSON
/// reader and fail as malformed JSON). Bytes that are not what their coding says are the readers' to refuse
/// (<see cref="InflationFailed"/>).
/// </summary>
internal static class ContentEncodings
{
    /// <summary>Key of <see cref="HttpContext.Items"/> holding the body's content coding, for readers' messages.</summary>
    public const string ItemKey = "esrs.content-encoding";

    private static readonly string[] Inflated = ["gzip", "br", "deflate"];

    public static Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var coding = context.Request.Headers.ContentEncoding.ToString().Trim();
        if (coding.Length == 0 || coding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        if (!Inflated.Contains(coding, StringComparer.OrdinalIgnoreCase))
        {
            return GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content encoding",
                $"Bodies may be sent as they are or with Content-Encoding gzip, br or deflate, not '{coding}'.").ExecuteAsync(context);
        }

        // The declared length is of the bytes on the wire; the inflated body is longer, so the reader must not stop there.
        context.Request.ContentLength = null;
        context.Items[ItemKey] = coding;
        return next(context);
    }

    /// <summary>
    /// The refusal of a body whose bytes are not what its Content-Encoding says, when <paramref name="ex"/>, thrown while
    /// reading <paramref name="request"/>'s body, is the decompressor's (gzip and deflate throw InvalidDataException, Brotli
    /// InvalidOperationException); else null.
    /// </summary>
    public static IResult? InflationFailed(HttpRequest request, Exception ex) =>
        request.HttpContext.Items[ItemKey] is string coding && ex is InvalidDataException or InvalidOperationException
            ? GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyMalformed, "Malformed request body",
                $"The body is not valid {coding} data (Content-Encoding: {coding}).")
            : null;
}
