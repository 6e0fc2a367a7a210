using Microsoft.OpenApi;

namespace Esrs.Client.Gateway;

/// <summary>Request bodies in the OpenAPI document for endpoints that read their body themselves.</summary>
internal static class OpenApiBodies
{
    /// <summary>
    /// Documents a body of <typeparamref name="T"/> in <paramref name="mediaTypes"/>. Not <c>Accepts&lt;T&gt;</c>: that
    /// also makes routing refuse other media types with a bare 415, before the endpoint's own refusal that names its rule;
    /// these endpoints read the bytes themselves, checking limits as they arrive.
    /// </summary>
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, params string[] mediaTypes) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = mediaTypes.ToDictionary(m => m, _ => new OpenApiMediaType { Schema = schema }),
            };
        });
}
