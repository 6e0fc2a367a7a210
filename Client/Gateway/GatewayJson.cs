using System.Text.Json;

namespace Esrs.Client.Gateway;

/// <summary>The gateway's JSON contract, <see cref="WireJson"/>: the grains render with the same options.</summary>
public static class GatewayJson
{
    public static JsonSerializerOptions Options => WireJson.Options;

    public static JsonSerializerOptions Apply(JsonSerializerOptions options) => WireJson.Apply(options);
}
