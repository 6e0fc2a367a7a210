using Esrs.Tagging.Data;
using static TorchSharp.torch;

namespace Esrs.Tagging.Training;

/// <summary>Pads tokenized texts into id, mask and label tensors.</summary>
public static class Batches
{
    public static (Tensor Ids, Tensor Mask, Tensor Labels) Pad(IReadOnlyList<TokenizedText> texts, Device device)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var seq = texts.Max(t => t.Ids.Length);
        var ids = new long[texts.Count * seq];
        var mask = new long[texts.Count * seq];
        var labels = new long[texts.Count * seq];
        Array.Fill(labels, LabelMap.Ignore);
        for (var b = 0; b < texts.Count; b++)
        {
            for (var t = 0; t < texts[b].Ids.Length; t++)
            {
                ids[(b * seq) + t] = texts[b].Ids[t];
                mask[(b * seq) + t] = 1;
                labels[(b * seq) + t] = texts[b].Labels[t];
            }
        }

        return (tensor(ids, [texts.Count, seq], device: device), tensor(mask, [texts.Count, seq], device: device), tensor(labels, [texts.Count, seq], device: device));
    }
}
