namespace Esrs.Tagging.Model;

/// <summary>
/// Shape of a BERT encoder (HuggingFace <c>BertConfig</c> names). <see cref="MiniLmL6"/> is all-MiniLM-L6-v2.
/// <see cref="Dropout"/> is HuggingFace's <c>hidden_dropout_prob</c> and <c>attention_probs_dropout_prob</c> in one, inside
/// the encoder layers (not after the embeddings), active only while training (no parameters: checkpoints do not depend on it).
/// </summary>
public sealed record BertConfig(
    int VocabSize,
    int HiddenSize,
    int Layers,
    int Heads,
    int IntermediateSize,
    int MaxPositions = 512,
    int TypeVocabSize = 2,
    double LayerNormEps = 1e-12,
    double Dropout = 0)
{
    public static BertConfig MiniLmL6 { get; } = new(VocabSize: 30_522, HiddenSize: 384, Layers: 6, Heads: 12, IntermediateSize: 1_536);

    public int HeadSize => HiddenSize / Heads;
}
