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
            operation.RequestBody = Body(await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken), mediaTypes));

    /// <summary>Documents a body that is one <typeparamref name="T"/> or an array of them (events, catalogue and registry records).</summary>
    public static RouteHandlerBuilder DocumentsOneOrMany<T>(this RouteHandlerBuilder builder, params string[] mediaTypes) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            operation.RequestBody = Body(new OpenApiSchema
            {
                OneOf = [await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken), await context.GetOrCreateSchemaAsync(typeof(T[]), null, cancellationToken)],
            }, mediaTypes));

    /// <summary>
    /// The types of the event fields read by a converter of ours (<c>occurredAt</c>, <c>quantity</c>, <c>age</c>), which
    /// the schema exporter leaves as an empty schema.
    /// </summary>
    public static Task ConvertedFieldTypes(OpenApiSchema schema, Microsoft.AspNetCore.OpenApi.OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        (schema.Type, schema.Format) = context.JsonPropertyInfo?.CustomConverter switch
        {
            UtcUnlessZonedConverter => (JsonSchemaType.String | JsonSchemaType.Null, "date-time"),
            WholeNumberConverter => (JsonSchemaType.Integer | JsonSchemaType.Null, "int32"),
            _ => (schema.Type, schema.Format),
        };
        return Task.CompletedTask;
    }

    private static OpenApiRequestBody Body(IOpenApiSchema schema, string[] mediaTypes) => new()
    {
        Required = true,
        Content = mediaTypes.ToDictionary(m => m, _ => new OpenApiMediaType { Schema = schema }),
    };
}
