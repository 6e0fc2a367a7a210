using System.Text.Json;
using System.Text.Json.Serialization;

namespace Esrs;

/// <summary>
/// The JSON contract of the gateway's answers, kept beside the contracts so the grains can render an answer the gateway
/// relays as it is (<see cref="Recommending.Utf8Json"/>): camelCase, kebab-case enum names (<c>add-to-cart</c>,
/// <c>duplicate-by-id</c>), nulls left out, unknown input fields refused.
/// </summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = null;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        return options;
    }
}
