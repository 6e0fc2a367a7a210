using System.Text.Json;
using System.Text.Json.Serialization;

namespace Esrs;

/// <summary>
/// The JSON contract of the gateway's answers, kept beside the contracts so the grains can render an answer the gateway
/// relays as it is (<see cref="Recommending.Utf8Json"/>): camelCase, kebab-case enum names (<c>add-to-cart</c>,
/// <c>duplicate-by-id</c>), nulls left out, unknown input fields refused. A rating of NaN or an infinity (read from
/// <c>"NaN"</c>, or sent as MessagePack) is quarantined as it arrived, so it is written as the strings <c>"NaN"</c>,
/// <c>"Infinity"</c>, <c>"-Infinity"</c> too: plain JSON has no such number, and a page holding one must still be written.
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
        options.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        return options;
    }
}
