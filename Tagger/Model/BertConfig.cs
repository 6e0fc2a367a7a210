namespace Esrs.Tagging.Model;

/// <summary>Shape of a BERT encoder (HuggingFace <c>BertConfig</c> names). <see cref="MiniLmL6"/> is all-MiniLM-L6-v2.</summary>
public sealed record BertConfig(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int IntermediateSize,
    int MaxPositions = 512,
    int TypeVocabSize = 2,
    double LayerNormEps = 1e-12)
{
    public static BertConfig MiniLmL6 { get; } = new(VocabSize: 30_522, HiddenSize: 384, Layers: 6, Heads: 12, IntermediateSize: 1_536);

    public int HeadSize => HiddenSize / Heads;
}
