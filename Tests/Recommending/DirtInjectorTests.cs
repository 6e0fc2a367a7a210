using Esrs.Bench.Evaluation;
using Esrs.Events;
using Esrs.Tests.Support;

namespace Esrs.Tests.Recommending;

/// <summary>The dirt injector's rates, kinds and placement, against the definitions in its documentation.</summary>
public sealed class DirtInjectorTests
{
    private static readonly string[] Products = ["p1", "p2", "p3", "p4"];

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.1, 1_000)]
    [InlineData(0.3, 3_000)]
    [InlineData(0.5, 5_000)]
    public void TheDirtIsTheRateTimesTheCleanEvents(double rate, int expected)
    {
        var clean = Clean(10_000);

        var dirt = new DirtInjector(seed: 3, Products).Inject(clean, rate, TestEvents.Now);

        Assert.Equal(expected, dirt.Count);
        Assert.Equal(dirt.Count, dirt.Select(d => d.Event.EventId).Distinct().Count());
        Assert.DoesNotContain(dirt, d => clean.Any(c => c.EventId == d.Event.EventId));
    }

    [Fact]
    public void EachKindIsDrawnAboutEquallyOftenAndABurstTakesFiveEvents()
    {
        var dirt = new DirtInjector(seed: 11, Products).Inject(Clean(20_000), 1.0, TestEvents.Now);

        // Draws per kind: one per event, except bursts which take five events a draw.
        var draws = dirt.GroupBy(d => d.Kind).ToDictionary(g => g.Key, g => g.Key == DirtKind.Burst ? g.Count() / 5.0 : g.Count());
        var total = draws.Values.Sum();
        var expected = total / 8;
        var sigma = Math.Sqrt(total * (1.0 / 8) * (7.0 / 8));
        Assert.Equal(8, draws.Count);
        Assert.All(draws, d => Assert.InRange(d.Value, expected - (4 * sigma), expected + (4 * sigma)));
    }

    [Fact]
    public void EveryKindIsTheDirtItsNameSays()
    {
        var now = TestEvents.Now;
        var clean = Clean(2_000);
        var dirt = new DirtInjector(seed: 5, Products).Inject(clean, 0.5, now);

        foreach (var (e, after, kind) in dirt)
        {
            var template = clean[after];
            Assert.NotEqual(template.EventId, e.EventId);
            switch (kind)
            {
                case DirtKind.Resend:
                    Assert.Equal(template with { EventId = e.EventId }, e);
                    break;
                case DirtKind.Burst:
                    Assert.Equal((template.UserId, EventType.Purchase, template.OccurredAt), (e.UserId, e.Type, e.OccurredAt));
                    Assert.Contains(e.ItemId, Products);
                    Assert.StartsWith("bot-", e.SourceRef, StringComparison.Ordinal);
                    break;
                case DirtKind.FutureTime:
                    Assert.True(e.OccurredAt > now.AddDays(300));
                    break;
                case DirtKind.StaleTime:
                    Assert.Equal(1995, e.OccurredAt.Year);
                    break;
                case DirtKind.WrongType:
                    Assert.Equal(EventType.Unknown, e.Type);
                    break;
                case DirtKind.MissingUser:
                    Assert.Equal(string.Empty, e.UserId);
                    break;
                case DirtKind.NegativeQuantity:
                    Assert.Equal(-template.Quantity, e.Quantity);
                    break;
                case DirtKind.NoisyTitle:
                    Assert.NotEqual(template.ItemTitle, e.ItemTitle);
                    Assert.Equal(template.ItemTitle!.ToUpperInvariant(), e.ItemTitle!.Trim(' ', '?').ToUpperInvariant());
                    break;
                default:
                    Assert.Fail($"unexpected kind {kind}");
                    break;
            }
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameDirtAndEachDirtyEventArrivesRightAfterItsTemplate()
    {
        var clean = Clean(1_000);
        var now = TestEvents.Now;
        var first = new DirtInjector(seed: 9, Products).Inject(clean, 0.3, now);
        var second = new DirtInjector(seed: 9, Products).Inject(clean, 0.3, now);
        Assert.Equal(first, second);

        var stream = DirtInjector.Interleave(clean, first);

        Assert.Equal(clean.Count + first.Count, stream.Count);
        Assert.Equal(clean.Select(e => e.EventId), stream.Where(e => e.EventId.StartsWith("clean-", StringComparison.Ordinal)).Select(e => e.EventId));
        foreach (var (e, after, _) in first)
        {
            var position = stream.IndexOf(e);
            var previousClean = stream.Take(position).Last(s => s.EventId.StartsWith("clean-", StringComparison.Ordinal));
            Assert.Equal(clean[after].EventId, previousClean.EventId);
        }
    }

    [Fact]
    public void OneKindOnlyWhenAsked()
    {
        var dirt = new DirtInjector(seed: 2, Products, [DirtKind.MissingUser]).Inject(Clean(500), 0.2, TestEvents.Now);

        Assert.Equal(100, dirt.Count);
        Assert.All(dirt, d => Assert.Equal(DirtKind.MissingUser, d.Kind));
    }

    private static List<UserEvent> Clean(int count) =>
        [.. Enumerable.Range(0, count).Select(i => TestEvents.Purchase("u" + (i % 50), "p" + ((i % 4) + 1), quantity: 1 + (i % 3), at: new DateTime(2011, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i)) with
        {
            EventId = "clean-" + i,
            ItemTitle = "WHITE HANGING HEART T-LIGHT HOLDER",
            SourceRef = "inv-" + i,
        })];
}
