namespace Esrs.Client.Gateway;

/// <summary>
/// Compressed request bodies: gzip, br and deflate are inflated by ASP.NET Core's request decompression; any other coding
/// is refused with 415 and the rule <see cref="GatewayProblems.ContentType"/> (its bytes would otherwise reach the JSON
/// reader and fail as malformed JSON).
/// </summary>
internal static class ContentEncodings
{
    private static readonly string[] Inflated = ["gzip", "br", "deflate", "identity"];

    /// <summary>Key of <see cref="HttpContext.Items"/> holding the body's content coding, for readers' messages.</summary>
    public const string ItemKey = "esrs.content-encoding";

    public static async Task Check(HttpContext context, RequestDelegate next)
    {
        var encodings = context.Request.Headers.ContentEncoding;
        if (encodings.Count == 0)
        {
            await next(context);
            return;
        }

        var coding = encodings.ToString().Trim();
        if (!Inflated.Contains(coding, StringComparer.OrdinalIgnoreCase))
        {
            await GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content encoding",
                $"Bodies may be sent as they are or with Content-Encoding gzip, br or deflate, not '{coding}'.").ExecuteAsync(context);
            return;
        }

        // The declared length is of the bytes on the wire; the inflated body is longer, so the reader must not stop there.
        context.Request.ContentLength = null;
        context.Items[ItemKey] = coding;
        try
        {
            await next(context);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException && IsInflating(ex) && !context.Response.HasStarted)
        {
            // Bytes that are not what Content-Encoding says: the sender's fault, not a 500.
            await GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyMalformed, "Malformed request body",
                $"The body is not valid {coding} data (Content-Encoding: {coding}).").ExecuteAsync(context);
        }
    }

    /// <summary>Whether <paramref name="ex"/> came from a decompression stream (Brotli's decoder throws InvalidOperationException).</summary>
    private static bool IsInflating(Exception ex) =>
        ex is InvalidDataException || (ex.TargetSite?.DeclaringType?.Namespace?.StartsWith("System.IO.Compression", StringComparison.Ordinal) ?? false);
}
