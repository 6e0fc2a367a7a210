using Esrs.Bench.Evaluation;
using Esrs.Client.Import;
using Esrs.Tagging;

namespace Esrs.Tests.Recommending;

/// <summary>
/// The evaluation's "cleaned plus tags": the titles the user grains would send the tagger are tagged once each and the
/// tags land in each profile as a user grain applies them (weighted like their events, below the minimum confidence
/// left out). The model here is a word list with fixed confidences, so every expected weight is worked out by hand.
/// </summary>
public sealed class ProfileTagsTests
{
    [Fact]
    public void EachTitleIsTaggedOnceAndItsTagsAreWeightedLikeTheEventsThatNamedIt()
    {
        UciRow[] rows =
        [
            Row(1, "536365", "10001", "RED MUG", 2, "17850"),
            Row(2, "536366", "10002", "RED LAMP", 1, "17850"),
            Row(3, "536367", "10003", "BLUE MUG", 1, "17850"),
            Row(4, "536368", "10001", "RED MUG", 1, "13047"),
        ];
        var stream = rows.Select(UciOnlineRetail.ToEvent).ToList();
        var cleaning = Learners.Clean(stream, new DateTime(2011, 4, 1, 0, 0, 0, DateTimeKind.Utc), keepGrains: true);
        var model = new WordModel();

        var summary = ProfileTags.Apply(cleaning, model, minScore: 0.5);

        // Three distinct titles, each run through the model once; "blue" (0.3) is below the minimum and left out.
        Assert.Equal(new[] { "BLUE MUG", "RED LAMP", "RED MUG" }, model.Seen.Order(StringComparer.Ordinal));
        Assert.Equal(new TagSummary("words-1", 3, 3, 3, 2, 2, 2), summary);
        var first = cleaning.Grains!["17850"].Processor.State.Profile.Attributes;
        var second = cleaning.Grains["13047"].Processor.State.Profile.Attributes;
        Assert.Equal(["COLOR=red"], first.Keys);
        Assert.Equal(["COLOR=red"], second.Keys);
        // Two purchases (weight 5 each) at the same minute named red for 17850, one for 13047: twice the weight.
        Assert.Equal(2.0, first["COLOR=red"] / second["COLOR=red"], 9);
        Assert.Equal(3, cleaning.Grains["17850"].Processor.State.TaggedEvents);
    }

    private static UciRow Row(int number, string invoice, string stockCode, string description, int quantity, string customer) =>
        new(number, invoice, stockCode, description, quantity, new DateTime(2011, 3, 1, 10, 0, 0), 2.55m, customer, "United Kingdom");

    /// <summary>Tags "red" (confidence 0.9) and "blue" (0.3) as COLOR wherever they occur, case-insensitively.</summary>
    private sealed class WordModel : ITagModel
    {
        public List<string> Seen { get; } = [];

        public string Version => "words-1";

        public bool IsAvailable => true;

        public PreparedText Prepare(string text) => new Prepared(text);

        public void Run(IReadOnlyList<PreparedText> batch) => Seen.AddRange(batch.Select(t => t.Text));

        public AttributeTag[] Decode(PreparedText text) =>
        [
            .. new[] { ("red", 0.9), ("blue", 0.3) }
                .Select(w => (w.Item1, w.Item2, At: text.Text.IndexOf(w.Item1, StringComparison.OrdinalIgnoreCase)))
                .Where(w => w.At >= 0)
                .Select(w => new AttributeTag(w.At, w.At + w.Item1.Length, "COLOR", text.Text.Substring(w.At, w.Item1.Length), w.Item2)),
        ];

        private sealed class Prepared(string text) : PreparedText(text);
    }
}
