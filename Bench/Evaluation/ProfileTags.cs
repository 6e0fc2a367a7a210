using Esrs.Tagging;

namespace Esrs.Bench.Evaluation;

/// <summary>
/// Tags what the user grains would have sent the tagger pool (item titles and queries of applied events) with the silo's
/// own model code (<see cref="ITagModel"/>: prepare, run in batches, decode) and applies the tags through each grain's
/// processor exactly as a user grain does when they come back (<see cref="Users.UserEventProcessor.ApplyTags"/>), tags
/// below the silo's minimum confidence left out.
/// </summary>
public static class ProfileTags
{
    /// <summary>Tags every distinct text the grains of <paramref name="cleaning"/> asked about and applies the tags to their profiles.</summary>
    /// <param name="cleaning">A cleaning run made with <c>keepGrains: true</c>.</param>
    /// <param name="model">The silo's model code over a checkpoint.</param>
    /// <param name="minScore">Tags below this confidence are left out (the silo's <c>Esrs:Tagger:MinScore</c>).</param>
    /// <param name="batchSize">Texts per model call.</param>
    public static TagSummary Apply(CleaningResult cleaning, ITagModel model, double minScore, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(cleaning);
        ArgumentNullException.ThrowIfNull(model);
        var grains = cleaning.Grains ?? throw new ArgumentException("Clean the stream with keepGrains: true first.", nameof(cleaning));
        var texts = grains.Values.SelectMany(g => g.TagRequests).Select(r => r.Text).Distinct(StringComparer.Ordinal).ToList();
        var tagsByText = new Dictionary<string, AttributeTag[]>(texts.Count, StringComparer.Ordinal);
        for (var offset = 0; offset < texts.Count; offset += batchSize)
        {
            var prepared = texts.Skip(offset).Take(batchSize).Select(model.Prepare).ToList();
            model.Run(prepared);
            foreach (var text in prepared)
            {
                tagsByText[text.Text] = model.Decode(text);
            }
        }

        var withAttributes = 0;
        foreach (var (processor, requests) in grains.Values)
        {
            if (requests.Count == 0)
            {
                continue;
            }

            var own = requests.Select(r => r.Text).Distinct(StringComparer.Ordinal).ToArray();
            processor.ApplyTags(requests, own, new TagBatchResult(model.Version, [.. own.Select(t => tagsByText[t])]), minScore);
            withAttributes += processor.State.Profile.Attributes.Count > 0 ? 1 : 0;
        }

        var all = tagsByText.Values.SelectMany(t => t).ToList();
        return new TagSummary(model.Version, texts.Count, tagsByText.Values.Count(t => t.Length > 0), all.Count, all.Count(t => t.Score >= minScore), grains.Count, withAttributes);
    }
}
