using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Model;

/// <summary>
/// What a checkpoint holds: the model, its labels and tokenizer, its version, how its scores are decoded, and the values
/// its training titles label, by label, for the boundary check (<see cref="KnownValueBoundaries"/>; null: no check).
/// </summary>
public sealed record Checkpoint(
    BertTokenClassifier Model, LabelMap Labels, TitleTokenizer Tokenizer, string Version, DecodingMode Decoding,
    IReadOnlyDictionary<string, IReadOnlyCollection<string>>? KnownValues = null);
