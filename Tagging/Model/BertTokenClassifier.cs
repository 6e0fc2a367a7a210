using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>BERT with a token-classification head, named as HuggingFace's <c>BertForTokenClassification</c> (<c>bert.*</c>, <c>classifier.*</c>).</summary>
public sealed class BertTokenClassifier : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEncoder _bert;
    private readonly Dropout _dropout;
    private readonly Linear _classifier;

    public BertTokenClassifier(BertConfig config, int labels, double dropout = 0.1) : base(nameof(BertTokenClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        _bert = new BertEncoder(config);
        _dropout = nn.Dropout(dropout);
        _classifier = nn.Linear(config.HiddenSize, labels);
        register_module("bert", _bert);
        register_module("dropout", _dropout);
        register_module("classifier", _classifier);
    }

    public BertEncoder Bert => _bert;

    /// <summary>Label logits [batch, seq, labels].</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = _bert.forward(inputIds, tokenTypeIds, attentionMask);
        return _classifier.forward(_dropout.forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>Mean cross-entropy over labelled pieces (label <see cref="Data.LabelMap.Ignore"/> is skipped).</summary>
    public static Tensor Loss(Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index: Data.LabelMap.Ignore);
}
