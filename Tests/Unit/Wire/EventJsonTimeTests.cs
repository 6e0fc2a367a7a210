using System.Text.Json;
using Esrs.Client.Gateway;

namespace Esrs.Tests.Unit.Wire;

/// <summary>Runs alone: it moves the process's local time zone, which every other test leaves as the machine has it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalTimeZoneCollection
{
    public const string Name = "local time zone";
}

/// <summary>
/// <c>occurredAt</c> as producers write it: a time without an offset is UTC (as the contract documents), whatever time
/// zone the gateway's machine is in; an offset is honoured. The gateway runs here under New York time.
/// </summary>
[Collection(LocalTimeZoneCollection.Name)]
public sealed class EventJsonTimeTests
{
    [Theory]
    [InlineData("2026-07-08T10:00:00", "2026-07-08T10:00:00Z")]
    [InlineData("2026-07-08T10:00:00.25", "2026-07-08T10:00:00.25Z")]
    [InlineData("2026-07-08", "2026-07-08T00:00:00Z")]
    [InlineData("2026-07-08T10:00:00Z", "2026-07-08T10:00:00Z")]
    [InlineData("2026-07-08T10:00:00+02:00", "2026-07-08T08:00:00Z")]
    [InlineData("2026-07-08T10:00:00-05:30", "2026-07-08T15:30:00Z")]
    [InlineData("2026-01-08T10:00:00", "2026-01-08T10:00:00Z")]
    public void ATimeWithoutAnOffsetIsUtcWhereverTheGatewayRuns(string written, string utc)
    {
        var expected = DateTime.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        using var zone = LocalZone.Set("America/New_York");

        var read = JsonSerializer.Deserialize<EventJson>($$"""{"occurredAt":"{{written}}"}""", GatewayJson.Options)!;

        Assert.NotEqual(TimeSpan.Zero, TimeZoneInfo.Local.GetUtcOffset(expected));
        Assert.Equal(expected, read.ToEvent("test").OccurredAt);
        Assert.Equal(DateTimeKind.Utc, read.ToEvent("test").OccurredAt.Kind);
    }

    [Fact]
    public void AnEventWrittenBackReadsTheSameInstant()
    {
        using var zone = LocalZone.Set("Asia/Kolkata");
        var at = new DateTime(2026, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc);

        var json = JsonSerializer.Serialize(EventJson.From(Support.TestEvents.View("u", at: at)), GatewayJson.Options);

        Assert.Equal(at, JsonSerializer.Deserialize<EventJson>(json, GatewayJson.Options)!.ToEvent("test").OccurredAt);
    }

    private sealed class LocalZone : IDisposable
    {
        private readonly string? _previous = Environment.GetEnvironmentVariable("TZ");

        public static LocalZone Set(string zone)
        {
            var set = new LocalZone();
            Environment.SetEnvironmentVariable("TZ", zone);
            TimeZoneInfo.ClearCachedData();
            return set;
        }

        public void Dispose()
        {
            Environment.SetEnvironmentVariable("TZ", _previous);
            TimeZoneInfo.ClearCachedData();
        }
    }
}
