using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Esrs.Client.Gateway;

/// <summary>
/// <c>occurredAt</c>: ISO 8601, an offset honoured and none meaning UTC. System.Text.Json's own reading takes a time
/// without an offset in the gateway machine's zone, so one body meant different instants on different gateways.
/// </summary>
internal sealed class UtcUnlessZonedConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (HasOffset(ref reader))
            {
                if (reader.TryGetDateTimeOffset(out var zoned))
                {
                    return zoned;
                }
            }
            else if (reader.TryGetDateTime(out var unzoned))
            {
                return new DateTimeOffset(DateTime.SpecifyKind(unzoned, DateTimeKind.Utc));
            }
        }

        throw new JsonException("expected an ISO 8601 time such as 2026-12-08T10:15:00Z (no offset means UTC)");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } time)
        {
            writer.WriteStringValue(time);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <summary>Whether the time part (after <c>T</c>) ends in <c>Z</c> or holds a <c>+hh:mm</c>/<c>-hh:mm</c> offset.</summary>
    private static bool HasOffset(ref Utf8JsonReader reader) =>
        !reader.HasValueSequence && !reader.ValueIsEscaped ? HasOffset(reader.ValueSpan) : HasOffset(System.Text.Encoding.UTF8.GetBytes(reader.GetString()!));

    private static bool HasOffset(ReadOnlySpan<byte> text)
    {
        var t = text.IndexOfAny((byte)'T', (byte)'t');
        return t >= 0 && (text[^1] is (byte)'Z' or (byte)'z' || text[t..].IndexOfAny((byte)'+', (byte)'-') >= 0);
    }
}

/// <summary>
/// <c>quantity</c> and <c>age</c>: whole numbers, however written: <c>2</c>, <c>2.0</c>, <c>2e0</c> or <c>"2"</c>
/// (spreadsheets and JavaScript write them so); <c>2.5</c> is refused.
/// </summary>
internal sealed class WholeNumberConverter : JsonConverter<int?>
{
    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt32(out var exact))
            {
                return exact;
            }

            if (reader.TryGetDecimal(out var number) && Whole(number) is { } whole)
            {
                return whole;
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString()!.Trim();
            if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number)
                && Whole(number) is { } whole)
            {
                return whole;
            }
        }

        throw new JsonException($"expected a whole number from {int.MinValue} to {int.MaxValue}");
    }

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static int? Whole(decimal number) =>
        number == decimal.Truncate(number) && number is >= int.MinValue and <= int.MaxValue ? (int)number : null;
}
