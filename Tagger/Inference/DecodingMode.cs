namespace Esrs.Tagging.Inference;

/// <summary>How label scores become labels: each word's best label, or the best valid BIO sequence.</summary>
public enum DecodingMode
{
    /// <summary>Each word's best label; an <c>I-</c> label that continues nothing is then read as outside.</summary>
    Argmax,

    /// <summary>The best label sequence in which every <c>I-X</c> follows <c>B-X</c> or <c>I-X</c>.</summary>
    Viterbi,
}
