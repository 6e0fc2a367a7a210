using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>
/// A BERT encoder whose parameter names are HuggingFace's (<c>embeddings.*</c>, <c>encoder.layer.N.*</c>), so real
/// checkpoints load by name. Returns the last hidden state [batch, seq, hidden].
/// </summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings _embeddings;
    private readonly ModuleList<BertLayer> _layers;

    public BertEncoder(BertConfig config) : base(nameof(BertEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _embeddings = new BertEmbeddings(config);
        _layers = nn.ModuleList([.. Enumerable.Range(0, config.Layers).Select(_ => new BertLayer(config))]);
        register_module("embeddings", _embeddings);
        register_module("encoder", new Layers(_layers));
    }

    public BertConfig Config { get; }

    /// <summary>Encodes token ids [batch, seq] (int64) with token types and a 0/1 attention mask of the same shape.</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = _embeddings.forward(inputIds, tokenTypeIds);
        // In the weights' own type (float32, or bfloat16 for a model converted to it).
        var maskBias = (1.0f - attentionMask.to_type(hidden.dtype)).mul(-1e4f).unsqueeze(1).unsqueeze(2);
        foreach (var layer in _layers)
        {
            hidden = layer.forward(hidden, maskBias);
        }

        return hidden.MoveToOuterDisposeScope();
    }

    private sealed class Layers : nn.Module
    {
        public Layers(ModuleList<BertLayer> layers) : base("encoder") => register_module("layer", layers);
    }
}
