namespace Esrs.Client.Gateway;

/// <summary>
/// A 200 with JSON the grid already rendered (<see cref="Recommending.Utf8Json"/>), written as it is. <c>Results.Bytes</c>
/// would do the same but creates a logger (under a lock) and evaluates HTTP preconditions on every request.
/// </summary>
internal sealed class RenderedJson(ReadOnlyMemory<byte> utf8) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string MediaType = "application/json; charset=utf-8";

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => MediaType;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = MediaType;
        response.ContentLength = utf8.Length;
        return response.Body.WriteAsync(utf8, httpContext.RequestAborted).AsTask();
    }
}
