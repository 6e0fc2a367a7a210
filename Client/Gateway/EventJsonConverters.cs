using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;

namespace Esrs.Client.Gateway;

/// <summary>A converter of a nullable value whose null is JSON null; what it writes for a value is the subclass's.</summary>
internal abstract class NullableValueConverter<T> : JsonConverter<T?>
    where T : struct
{
    public sealed override void Write(Utf8JsonWriter writer, T? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } present)
        {
            WriteValue(writer, present);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    protected abstract void WriteValue(Utf8JsonWriter writer, T value);
}

/// <summary>
/// <c>occurredAt</c>: ISO 8601, an offset honoured and none meaning UTC. System.Text.Json's own reading takes a time
/// without an offset in the gateway machine's zone, so one body meant different instants on different gateways.
/// </summary>
internal sealed class UtcUnlessZonedConverter : NullableValueConverter<DateTimeOffset>
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

    protected override void WriteValue(Utf8JsonWriter writer, DateTimeOffset value) => writer.WriteStringValue(value);

    /// <summary>Whether the time part (after <c>T</c>) ends in <c>Z</c> or holds a <c>+hh:mm</c>/<c>-hh:mm</c> offset.</summary>
    private static bool HasOffset(ref Utf8JsonReader reader) =>
        !reader.HasValueSequence && !reader.ValueIsEscaped ? HasOffset(reader.ValueSpan) : HasOffset(Encoding.UTF8.GetBytes(reader.GetString()!));

    private static bool HasOffset(ReadOnlySpan<byte> text)
    {
        var t = text.IndexOf((byte)'T');
        return t >= 0 && (text[^1] == (byte)'Z' || text[t..].IndexOfAny((byte)'+', (byte)'-') >= 0);
    }
}

/// <summary>
/// <c>quantity</c> and <c>age</c>: whole numbers, however written: <c>2</c>, <c>2.0</c>, <c>2e0</c> or <c>"2"</c>
/// (spreadsheets and JavaScript write them so); <c>2.5</c> is refused.
/// </summary>
internal sealed partial class WholeNumberConverter : NullableValueConverter<int>
{
    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var exact))
        {
            return exact;
        }

        if (reader.TokenType is JsonTokenType.Number or JsonTokenType.String
            && Whole(reader.TokenType == JsonTokenType.String || reader.HasValueSequence || reader.ValueIsEscaped ? reader.GetString()!.Trim() : Encoding.UTF8.GetString(reader.ValueSpan)) is { } whole)
        {
            return whole;
        }

        throw new JsonException($"expected a whole number from {int.MinValue} to {int.MaxValue}");
    }

    protected override void WriteValue(Utf8JsonWriter writer, int value) => writer.WriteNumberValue(value);

    /// <summary>
    /// The whole number <paramref name="text"/> (JSON number syntax: sign, digits, fraction, exponent) denotes exactly, or
    /// null: read digit by digit, so "2.000000000000000000000000000001" is not rounded to 2 nor "1e-40" to 0.
    /// </summary>
    internal static int? Whole(string text)
    {
        var match = NumberSyntax().Match(text);
        if (!match.Success || !int.TryParse(match.Groups["exp"].ValueSpan.IsEmpty ? "0" : match.Groups["exp"].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent))
        {
            return null;
        }

        var digits = match.Groups["int"].Value + match.Groups["frac"].Value;
        var point = match.Groups["int"].Length + exponent; // digits before the decimal point once the exponent is applied
        if (point < 0)
        {
            point = 0;
        }

        if (digits.AsSpan(Math.Min(point, digits.Length)).ContainsAnyExcept('0'))
        {
            return null; // a non-zero digit after the point
        }

        var integer = digits.AsSpan(0, Math.Min(point, digits.Length)).TrimStart('0');
        if (integer.Length + Math.Max(0, point - digits.Length) > 10)
        {
            return null;
        }

        var value = long.Parse(integer.IsEmpty ? "0" : integer, NumberStyles.None, CultureInfo.InvariantCulture);
        for (var i = digits.Length; i < point; i++)
        {
            value *= 10;
        }

        value = match.Groups["sign"].Value == "-" ? -value : value;
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : null;
    }

    [GeneratedRegex(@"^(?<sign>[-+]?)(?<int>\d+)(?:\.(?<frac>\d*))?(?:[eE](?<exp>[-+]?\d{1,9}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberSyntax();
}
