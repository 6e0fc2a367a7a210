using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Evaluation;

/// <summary>One tagger, or several trained alike (other seeds) whose label probabilities are averaged before decoding with the first one's decoder.</summary>
public sealed class TaggerEnsemble(IReadOnlyList<Tagger> taggers)
{
    public List<IReadOnlyList<LabeledSpan>> Tag(IReadOnlyList<OaMineTitle> titles, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(titles);
        var result = new List<IReadOnlyList<LabeledSpan>>(titles.Count);
        for (var offset = 0; offset < titles.Count; offset += batchSize)
        {
            var texts = titles.Skip(offset).Take(batchSize).Select(t => t.Title).ToList();
            var prepared = texts.Select(taggers[0].Prepare).ToList();
            var scores = taggers[0].Run(prepared);
            if (taggers.Count > 1)
            {
                // Mean probability, back to log space for the decoder.
                var sums = scores.Select(s => s.Select(MathF.Exp).ToArray()).ToArray();
                foreach (var other in taggers.Skip(1))
                {
                    var more = other.Run(prepared);
                    for (var i = 0; i < sums.Length; i++)
                    {
                        for (var j = 0; j < sums[i].Length; j++)
                        {
                            sums[i][j] += MathF.Exp(more[i][j]);
                        }
                    }
                }

                scores = [.. sums.Select(s => s.Select(v => MathF.Log(v / taggers.Count)).ToArray())];
            }

            for (var i = 0; i < prepared.Count; i++)
            {
                result.Add([.. taggers[0].Decode(prepared[i], scores[i]).Select(s => new LabeledSpan(s.Start, s.End, s.Label))]);
            }
        }

        return result;
    }
}
