using Esrs.Events;
using Esrs.Quality;
using Esrs.Tests.Support;

namespace Esrs.Tests.Quality;

public sealed class SketchTests
{
    [Fact]
    public void HistogramQuantilesStayWithinTheRelativeAccuracy()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 20_000).Select(_ => Math.Exp(random.NextDouble() * 12) - 1).ToArray(); // 0 .. 160k, heavy tail
        var sketch = new LogHistogram();
        foreach (var v in values)
        {
            sketch.Add(v);
        }

        var sorted = values.Order().ToArray();
        foreach (var q in new[] { 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999 })
        {
            var exact = sorted[(int)Math.Floor(q * (sorted.Length - 1))];
            Assert.InRange(sketch.Quantile(q), exact * (1 - LogHistogram.RelativeAccuracy) - 1e-9, exact * (1 + LogHistogram.RelativeAccuracy) + 1e-9);
        }

        Assert.Equal(sorted[0], sketch.Min);
        Assert.Equal(sorted[^1], sketch.Max);
    }

    [Fact]
    public void HistogramHandlesNegativesAndZeros()
    {
        var sketch = new LogHistogram();
        foreach (var v in new[] { -80.0, -5, -5, 0, 0, 0, 3, 12, 12, 12 })
        {
            sketch.Add(v);
        }

        Assert.Equal(10, sketch.Count);
        Assert.Equal(-80, sketch.Quantile(0));
        Assert.InRange(sketch.Quantile(0.2), -5.1, -4.9);
        Assert.Equal(0, sketch.Quantile(0.4));
        Assert.InRange(sketch.Quantile(0.99), 11.8, 12);
    }

    [Fact]
    public void HistogramMergeIsAssociativeAndEqualsOnePass()
    {
        var random = new Random(5);
        var parts = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 1_000).Select(_ => (random.NextDouble() - 0.2) * 1_000).ToArray()).ToArray();
        LogHistogram Of(IEnumerable<double> values)
        {
            var h = new LogHistogram();
            foreach (var v in values)
            {
                h.Add(v);
            }

            return h;
        }

        var (a, b, c) = (Of(parts[0]), Of(parts[1]), Of(parts[2]));
        var left = a.Clone();
        left.Merge(b);
        left.Merge(c);
        var bc = b.Clone();
        bc.Merge(c);
        var right = a.Clone();
        right.Merge(bc);
        var once = Of(parts.SelectMany(p => p));

        Assert.Equal(once.Buckets(), left.Buckets());
        Assert.Equal(once.Buckets(), right.Buckets());
        Assert.Equal((once.Count, once.Min, once.Max), (left.Count, left.Min, left.Max));
        Assert.Equal(once.Sum, left.Sum, 6);
    }

    [Fact]
    public void FrequentItemsNeverOverestimateAndStayWithinTheirErrorWhateverTheMergeOrder()
    {
        // Zipf-like stream over 2,000 items.
        var random = new Random(9);
        var stream = Enumerable.Range(0, 50_000).Select(_ => "item-" + (int)Math.Floor(Math.Pow(2_000, random.NextDouble()))).ToArray();
        var truth = stream.GroupBy(s => s).ToDictionary(g => g.Key, g => (long)g.Count());
        var parts = stream.Chunk(7_000).Select(chunk =>
        {
            var f = new FrequentItems(32);
            foreach (var item in chunk)
            {
                f.Add(item);
            }

            return f;
        }).ToList();

        var forward = new FrequentItems(32);
        parts.ForEach(forward.Merge);
        var backward = new FrequentItems(32);
        Enumerable.Reverse(parts).ToList().ForEach(backward.Merge);

        foreach (var sketch in new[] { forward, backward })
        {
            Assert.Equal(50_000, sketch.Total);
            Assert.InRange(sketch.MaxError, 0, 50_000 / 33);
            Assert.InRange(sketch.Counters.Count, 1, 32);
            foreach (var (item, count) in truth)
            {
                Assert.InRange(sketch.Estimate(item), Math.Max(0, count - sketch.MaxError), count);
            }

            // The heaviest items are found, in order.
            Assert.Equal(truth.OrderByDescending(p => p.Value).Take(3).Select(p => p.Key), sketch.Top(3).Select(p => p.Key));
        }
    }

    [Fact]
    public void ShardSketchesMergedEqualOnePassOverAllEvents()
    {
        var random = new Random(2);
        var now = new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);
        var events = Enumerable.Range(0, 3_000).Select(i =>
        {
            var user = "u" + random.Next(200);
            var e = TestEvents.Purchase(user, "sku-" + random.Next(150), quantity: random.Next(-3, 20), price: random.Next(0, 5_000) / 100m, at: now.AddSeconds(-random.Next(1, 100_000)))
                with { Brand = random.Next(4) == 0 ? null : "brand-" + random.Next(10), CategoryPath = "cat-" + random.Next(20), Source = i % 3 == 0 ? "shop-a" : "shop-b" };
            var kind = (OutcomeKind)random.Next(5);
            IReadOnlyList<RuleDecision> decisions = kind switch
            {
                OutcomeKind.Quarantined => [new RuleDecision(RuleIds.PriceNegative, DecisionKind.Rejected, "unitPrice")],
                OutcomeKind.Repaired => [new RuleDecision(RuleIds.QuantitySign, DecisionKind.Repaired, "quantity")],
                _ => EventOutcome.NoDecisions,
            };
            return (Event: e, Outcome: new EventOutcome(e.EventId, kind, decisions));
        }).ToList();

        var single = new Dictionary<string, QualitySketch>();
        var shards = Enumerable.Range(0, 8).Select(_ => new Dictionary<string, QualitySketch>()).ToArray();
        foreach (var (e, outcome) in events)
        {
            Sketch(single, e.Source).Add(e, outcome, now);
            Sketch(shards[QualityCollector.ShardOf(e.UserId, 8)], e.Source).Add(e, outcome, now);
        }

        var merged = new Dictionary<string, QualitySketch>();
        foreach (var shard in shards)
        {
            QualityCollector.MergeInto(merged, shard.ToDictionary(p => p.Key, p => p.Value.Clone()));
        }

        Assert.Equal(single.Keys.Order(), merged.Keys.Order());
        foreach (var source in single.Keys)
        {
            var (a, b) = (single[source], merged[source]);
            Assert.Equal((a.Events, a.Accepted, a.Repaired, a.DuplicatesById, a.DuplicatesByContent, a.Quarantined), (b.Events, b.Accepted, b.Repaired, b.DuplicatesById, b.DuplicatesByContent, b.Quarantined));
            Assert.Equal(a.Types, b.Types);
            Assert.Equal(a.QuarantineRules, b.QuarantineRules);
            Assert.Equal(a.RepairRules, b.RepairRules);
            Assert.Equal(a.FieldsPresent, b.FieldsPresent);
            Assert.Equal(a.Price.Buckets(), b.Price.Buckets());
            Assert.Equal(a.Quantity.Buckets(), b.Quantity.Buckets());
            Assert.Equal(a.Freshness.Buckets(), b.Freshness.Buckets());
            // 20 categories, 10 brands: under the sketch capacity, so exact.
            Assert.Equal(a.Categories.Counters, b.Categories.Counters);
            Assert.Equal(a.Brands.Counters, b.Brands.Counters);
            Assert.Equal(QualityMeasures.From(a, 60), QualityMeasures.From(b, 60));
        }
    }

    [Fact]
    public void HeadlineCompletenessCountsTheFieldsEachTypeCarriesAndMergedSourcesLieBetweenTheirOwn()
    {
        var now = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
        var accepted = (UserEvent e) => new EventOutcome(e.EventId, OutcomeKind.Accepted, EventOutcome.NoDecisions);
        // Shop A: 10 purchases, 2 of them without a price (carried: userId, itemId, quantity, currency 10 each, price 8),
        // and 10 views with a category (userId, itemId, categoryPath 10 each).
        var a = new QualitySketch();
        for (var i = 0; i < 10; i++)
        {
            var purchase = TestEvents.Purchase("a" + i, at: now.AddMinutes(-1)) with { UnitPrice = i < 2 ? null : 5m };
            var view = TestEvents.View("a" + i, at: now.AddMinutes(-1)) with { CategoryPath = "home" };
            a.Add(purchase, accepted(purchase), now);
            a.Add(view, accepted(view), now);
        }

        // Shop B: 20 views without a category (userId and itemId each) and 10 searches (userId and query each).
        var b = new QualitySketch();
        for (var i = 0; i < 20; i++)
        {
            var e = TestEvents.View("b" + i, at: now.AddMinutes(-1));
            b.Add(e, accepted(e), now);
        }

        for (var i = 0; i < 10; i++)
        {
            var e = TestEvents.Search("b" + i, "lamp", now.AddMinutes(-1));
            b.Add(e, accepted(e), now);
        }

        var all = new QualitySketch();
        all.MergeSource("a", a);
        all.MergeSource("b", b);

        // By hand: A (10 + 10 + 10 + 8 + 10 + 10 + 10 + 10) / (5 x 10 + 3 x 10); B (20 + 20 + 10 + 10) / (2 x 20 + 2 x 10).
        Assert.Equal(78 / 80.0, QualityMeasures.From(a, 0)["completeness"], 12);
        Assert.Equal(60 / 60.0, QualityMeasures.From(b, 0)["completeness"], 12);
        // Together 138 / 140, between the two; by type alone B's views would count A's categories as their gap: 138 / 160.
        Assert.Equal(138 / 140.0, QualityMeasures.From(all, 0)["completeness"], 12);
        // A copy keeps the sources apart; a field's own completeness still counts every event: 8 prices in 50 events.
        Assert.Equal(138 / 140.0, QualityMeasures.From(all.Clone(), 0)["completeness"], 12);
        Assert.Equal(8 / 50.0, all.Completeness("unitPrice"), 12);

        // And so does the cluster's aggregator, which builds "*" from the sources it is sent.
        var aggregator = new QualityAggregator(new QualityState(), new QualityOptions());
        aggregator.Merge("shard/0", 1, new Dictionary<string, QualitySketch> { ["a"] = a, ["b"] = b }, now);
        aggregator.Tick(now);
        var snapshot = aggregator.Snapshot(now);
        Assert.Equal(138 / 140.0, snapshot.Sources.Single(x => x.Source == QualitySources.All).Metrics["completeness"], 12);
    }

    private static QualitySketch Sketch(Dictionary<string, QualitySketch> bySource, string source)
    {
        if (!bySource.TryGetValue(source, out var sketch))
        {
            bySource[source] = sketch = new QualitySketch();
        }

        return sketch;
    }
}
