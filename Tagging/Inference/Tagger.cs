using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using static TorchSharp.torch;

namespace Esrs.Tagging.Inference;

/// <summary>Tags texts with a fine-tuned classifier: batched, under no-grad, spans mapped back to character offsets.</summary>
public sealed class Tagger(BertTokenClassifier model, SpanAligner aligner, string version, Device device) : IDisposable
{
    public string Version => version;

    public IReadOnlyList<IReadOnlyList<TaggedSpan>> Tag(IReadOnlyList<string> texts, int maxTokens = 64)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            return [];
        }

        var encoded = texts.Select(t => aligner.Encode(t, null, maxTokens)).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask, _) = Training.Batches.Pad(encoded, device);
        var probabilities = model.forward(ids, zeros_like(ids), mask).softmax(-1).cpu();
        var (best, labels) = probabilities.max(-1);
        var bestValues = best.data<float>().ToArray();
        var labelValues = labels.data<long>().ToArray();
        var seq = (int)ids.shape[1];
        var results = new List<IReadOnlyList<TaggedSpan>>(texts.Count);
        for (var b = 0; b < encoded.Count; b++)
        {
            var tokens = encoded[b];
            var predicted = Enumerable.Range(0, tokens.Ids.Length).Select(t => (int)labelValues[(b * seq) + t]).ToArray();
            var spans = aligner.Decode(tokens, predicted);
            results.Add([.. spans.Select(s => new TaggedSpan(s.Start, s.End, s.Label, texts[b][s.Start..s.End], Score(tokens, s, bestValues, b * seq)))]);
        }

        return results;
    }

    public void Dispose() => model.Dispose();

    private static double Score(TokenizedText tokens, LabeledSpan span, float[] best, int rowOffset)
    {
        double sum = 0;
        var n = 0;
        for (var t = 0; t < tokens.Ids.Length; t++)
        {
            var start = tokens.Offsets[t].Start.Value;
            if (tokens.StartsWord[t] && start >= span.Start && start < span.End)
            {
                sum += best[rowOffset + t];
                n++;
            }
        }

        return n == 0 ? 0 : Math.Round(sum / n, 4);
    }
}
