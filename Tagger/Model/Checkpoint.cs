using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Model;

/// <summary>
/// What a checkpoint holds: the model, its labels and tokenizer, its version, how its scores are decoded, and the values
/// its training titles label, by label, for the boundary check (<see cref="KnownValueBoundaries"/>; null: no check).
/// <see cref="Others"/>: more models of the same shape and labels (other seeds) whose label probabilities are averaged with
/// <see cref="Model"/>'s, an ensemble; decoding uses <see cref="Model"/>'s CRF transitions. Null or empty: one model.
/// <see cref="ProductTypes"/>: the attributes each product type of the training titles carries, or null.
/// </summary>
public sealed record Checkpoint(
    BertTokenClassifier Model, LabelMap Labels, TitleTokenizer Tokenizer, string Version, DecodingMode Decoding,
    IReadOnlyDictionary<string, IReadOnlyCollection<string>>? KnownValues = null, IReadOnlyList<BertTokenClassifier>? Others = null,
    ProductTypes? ProductTypes = null)
{
    /// <summary>Every model of the checkpoint, <see cref="Model"/> first.</summary>
    public IReadOnlyList<BertTokenClassifier> Members => Others is { Count: > 0 } more ? [Model, .. more] : [Model];
}
