using System.Text.Json;

namespace Esrs.Client.Gateway;

/// <summary>
/// Reads a JSON body (<c>application/json</c>, else 415) that is one object or an array of them, never more than the gateway's byte limit (a chunked body has
/// no length to check first), answering what was wrong as problem details with a rule. Errors name the JSON path, never
/// a value (a value may be personal data).
/// </summary>
internal static class JsonArrayBody
{
    public static async Task<(List<T?>? Items, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, int maxItems, string what, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not "application/json" && !(mediaType?.EndsWith("+json", StringComparison.Ordinal) ?? false))
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status415UnsupportedMediaType, GatewayProblems.ContentType, "Unsupported content type",
                $"Send application/json, not '{request.ContentType}'."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        await using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return (null, TooLarge(maxBytes));
                }

                body.Write(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ContentEncodings.InflationFailed(request, ex) is { } refusal)
        {
            return (null, refusal);
        }

        if (body.Length == 0)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyEmpty, "Empty body", $"Send a {what} object or an array of them."));
        }

        body.Position = 0;
        List<T?> items;
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            items = document.RootElement.ValueKind switch
            {
                JsonValueKind.Array => document.RootElement.Deserialize<List<T?>>(GatewayJson.Options) ?? [],
                JsonValueKind.Object => [document.RootElement.Deserialize<T>(GatewayJson.Options)],
                _ => throw new JsonException($"The body must be a {what} object or an array of them."),
            };
        }
        catch (JsonException ex)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BodyMalformed, "Malformed body",
                ex.Path is { } path ? $"Not a {what} at {path} (a value of the wrong type, or a field a {what} does not have)." : $"Not JSON {what}s."));
        }

        if (items.Count == 0)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status400BadRequest, GatewayProblems.BatchEmpty, $"No {what}s", $"The array holds no {what}."));
        }

        if (items.Count > maxItems)
        {
            return (null, GatewayProblems.Problem(StatusCodes.Status413PayloadTooLarge, GatewayProblems.BatchTooLarge, $"Too many {what}s", $"At most {maxItems} {what}s per request."));
        }

        return (items, null);
    }

    private static IResult TooLarge(int maxBytes) =>
        GatewayProblems.Problem(StatusCodes.Status413PayloadTooLarge, GatewayProblems.BodyTooLarge, "Body too large", $"At most {maxBytes} bytes.");
}
