using static TorchSharp.torch;

namespace Esrs.Tagging.Inference;

/// <summary>
/// A padded training batch: piece ids, attention mask and piece labels [texts, pieces]; the position of each word's first
/// piece, its label (-1 unknown), which words exist, and for unknown words a label they are known not to have (-1 none)
/// [texts, words].
/// </summary>
public sealed record PaddedBatch(Tensor Ids, Tensor Mask, Tensor Labels, Tensor WordIndex, Tensor WordLabels, Tensor WordMask, Tensor WordRuledOut);
