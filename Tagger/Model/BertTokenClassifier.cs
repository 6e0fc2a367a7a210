using Esrs.Tagging.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>
/// BERT with a token-classification head, named as HuggingFace's <c>BertForTokenClassification</c> (<c>bert.*</c>, <c>classifier.*</c>),
/// and optionally a CRF over the words (<c>crf.*</c>).
/// </summary>
public sealed class BertTokenClassifier : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEncoder _bert;
    private readonly Dropout _dropout;
    private readonly Linear _classifier;
    private readonly CrfHead? _crf;

    /// <param name="config">Encoder shape.</param>
    /// <param name="labels">The BIO labels.</param>
    /// <param name="crf">Whether a CRF scores label sequences (else each word's label is trained alone).</param>
    /// <param name="dropout">Dropout before the classifier.</param>
    public BertTokenClassifier(BertConfig config, LabelMap labels, bool crf = false, double dropout = 0.1) : base(nameof(BertTokenClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(labels);
        _bert = new BertEncoder(config);
        _dropout = nn.Dropout(dropout);
        _classifier = nn.Linear(config.HiddenSize, labels.Count);
        register_module("bert", _bert);
        register_module("dropout", _dropout);
        register_module("classifier", _classifier);
        if (crf)
        {
            var decoder = new Inference.BioDecoder(labels);
            _crf = new CrfHead(labels.Count, decoder.Allowed, decoder.AllowedFirst);
            register_module("crf", _crf);
        }
    }

    public BertEncoder Bert => _bert;

    /// <summary>The CRF head, or null.</summary>
    public CrfHead? Crf => _crf;

    /// <summary>Label logits [batch, seq, labels].</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = _bert.forward(inputIds, tokenTypeIds, attentionMask);
        return _classifier.forward(_dropout.forward(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary>The training loss of a padded batch: the CRF's negative log-likelihood, or cross-entropy over labelled word pieces.</summary>
    public Tensor Loss(Tensor logits, Inference.PaddedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(batch);
        if (_crf is null)
        {
            return nn.functional.cross_entropy(logits.flatten(0, 1), batch.Labels.flatten(), ignore_index: LabelMap.Ignore);
        }

        using var scope = NewDisposeScope();
        var index = batch.WordIndex.unsqueeze(-1).expand(-1, -1, logits.shape[2]);
        var emissions = logits.gather(1, index);
        return _crf.Loss(emissions, batch.WordLabels, batch.WordMask, batch.WordRuledOut).MoveToOuterDisposeScope();
    }
}
