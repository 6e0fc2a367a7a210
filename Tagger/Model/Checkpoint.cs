using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Model;

/// <summary>What a checkpoint holds: the model, its labels and tokenizer, its version and how its scores are decoded.</summary>
public sealed record Checkpoint(BertTokenClassifier Model, LabelMap Labels, TitleTokenizer Tokenizer, string Version, DecodingMode Decoding);
