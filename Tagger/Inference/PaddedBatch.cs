using static TorchSharp.torch;

namespace Esrs.Tagging.Inference;

/// <summary>
/// A padded training batch: piece ids, attention mask and piece labels [texts, pieces]; the position of each word's first
/// piece, its label (-1 unknown) and which words exist [texts, words].
/// </summary>
public sealed record PaddedBatch(Tensor Ids, Tensor Mask, Tensor Labels, Tensor WordIndex, Tensor WordLabels, Tensor WordMask);
