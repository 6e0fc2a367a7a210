namespace Esrs.Client.Gateway;

/// <summary>
/// Compressed request bodies: gzip, br and deflate are inflated by ASP.NET Core's request decompression; any other coding
/// is refused with 415 and the rule <see cref="GatewayProblems.ContentType"/> (its bytes would otherwise reach the JSON
/// reader and fail as malformed JSON).
/// </summary>
internal static class ContentEncodings
{
    private static readonly string[] Inflated = ["gzip", "br", "deflate", "identity"];

    public static Task Check(HttpContext context, RequestDelegate next)
    {
        var encodings = context.Request.Headers.ContentEncoding;
        if (encodings.Count == 0)
        {
            return next(context);
        }

        var coding = encodings.ToString().Trim();
        if (!Inflated.Contains(coding, StringComparer.OrdinalIgnoreCase))
        {
            return GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content encoding",
                $"Bodies may be sent as they are or with Content-Encoding gzip, br or deflate, not '{coding}'.").ExecuteAsync(context);
        }

        // The declared length is of the bytes on the wire; the inflated body is longer, so the reader must not stop there.
        context.Request.ContentLength = null;
        return next(context);
    }
}
