using System.Text.Json;
using Esrs.Client.Gateway;

namespace Esrs.Tests.Unit.Wire;

/// <summary><c>quantity</c> and <c>age</c> as producers write whole numbers: read exactly, never rounded to one.</summary>
public sealed class WholeNumberTests
{
    [Theory]
    [InlineData("2", 2)]
    [InlineData("2.0", 2)]
    [InlineData("\"2\"", 2)]
    [InlineData("\" 3.00 \"", 3)]
    [InlineData("2e0", 2)]
    [InlineData("20e-1", 2)]
    [InlineData("1.5e1", 15)]
    [InlineData("1E9", 1_000_000_000)]
    [InlineData("-0", 0)]
    [InlineData("0.000", 0)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("-2147483648", int.MinValue)]
    [InlineData("2147483647.0", int.MaxValue)]
    public void AWholeNumberIsReadHoweverItIsWritten(string json, int expected) =>
        Assert.Equal(expected, JsonSerializer.Deserialize<EventJson>($$"""{"quantity":{{json}}}""", GatewayJson.Options)!.Quantity);

    [Theory]
    [InlineData("2.5")]
    [InlineData("2.000000000000000000000000000001")]
    [InlineData("1e-40")]
    [InlineData("2147483648")]
    [InlineData("-2147483649")]
    [InlineData("1e10")]
    [InlineData("\"two\"")]
    [InlineData("\"1,000\"")]
    [InlineData("true")]
    public void AnythingElseIsRefusedAsNotAWholeNumber(string json)
    {
        var refused = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<EventJson>($$"""{"age":{{json}}}""", GatewayJson.Options));

        Assert.Contains("whole number", refused.Message, StringComparison.Ordinal);
    }
}
