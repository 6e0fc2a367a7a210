using Esrs.Tagging.Data;
using static TorchSharp.torch;

namespace Esrs.Tagging.Inference;

/// <summary>Pads tokenized texts into the tensors the model and its losses take.</summary>
public static class Batches
{
    /// <summary>Ids and attention mask [texts, longest]: what inference needs.</summary>
    public static (Tensor Ids, Tensor Mask) Pad(IReadOnlyList<TokenizedText> texts, Device device)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var seq = texts.Max(t => t.Ids.Length);
        var ids = new long[texts.Count * seq];
        var mask = new long[texts.Count * seq];
        for (var b = 0; b < texts.Count; b++)
        {
            for (var t = 0; t < texts[b].Ids.Length; t++)
            {
                ids[(b * seq) + t] = texts[b].Ids[t];
                mask[(b * seq) + t] = 1;
            }
        }

        return (tensor(ids, [texts.Count, seq], device: device), tensor(mask, [texts.Count, seq], device: device));
    }

    /// <summary>Everything training needs: ids, mask, piece labels, and the word-level view a CRF takes.</summary>
    public static PaddedBatch PadForTraining(IReadOnlyList<TokenizedText> texts, Device device)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var (ids, mask) = Pad(texts, device);
        var seq = (int)ids.shape[1];
        var labels = new long[texts.Count * seq];
        Array.Fill(labels, LabelMap.Ignore);
        var words = Math.Max(1, texts.Max(t => t.StartsWord.Count(s => s)));
        var wordIndex = new long[texts.Count * words];
        var wordLabels = new long[texts.Count * words];
        var wordMask = new bool[texts.Count * words];
        var wordRuledOut = new long[texts.Count * words];
        Array.Fill(wordLabels, -1);
        Array.Fill(wordRuledOut, -1);
        for (var b = 0; b < texts.Count; b++)
        {
            var w = 0;
            for (var t = 0; t < texts[b].Ids.Length; t++)
            {
                var label = texts[b].Labels[t];
                var ruledOut = LabelMap.RuledOut(label);
                labels[(b * seq) + t] = ruledOut is null ? label : LabelMap.Ignore;
                if (texts[b].StartsWord[t])
                {
                    wordIndex[(b * words) + w] = t;
                    wordLabels[(b * words) + w] = label == LabelMap.Ignore || ruledOut is not null ? -1 : label;
                    wordRuledOut[(b * words) + w] = ruledOut ?? -1;
                    wordMask[(b * words) + w] = true;
                    w++;
                }
            }
        }

        return new PaddedBatch(ids, mask, tensor(labels, [texts.Count, seq], device: device),
            tensor(wordIndex, [texts.Count, words], device: device), tensor(wordLabels, [texts.Count, words], device: device),
            tensor(wordMask, [texts.Count, words], device: device), tensor(wordRuledOut, [texts.Count, words], device: device));
    }
}
