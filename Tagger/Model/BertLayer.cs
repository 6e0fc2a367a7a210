using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>
/// One transformer layer with HuggingFace parameter names: <c>attention.self.{query,key,value}</c>,
/// <c>attention.output.{dense,LayerNorm}</c>, <c>intermediate.dense</c>, <c>output.{dense,LayerNorm}</c>.
/// </summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly BertConfig _config;
    private readonly Linear _query;
    private readonly Linear _key;
    private readonly Linear _value;
    private readonly Linear _attentionOut;
    private readonly LayerNorm _attentionNorm;
    private readonly Linear _intermediate;
    private readonly Linear _output;
    private readonly LayerNorm _outputNorm;
    private readonly Dropout _dropout;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        var h = config.HiddenSize;
        _query = nn.Linear(h, h);
        _key = nn.Linear(h, h);
        _value = nn.Linear(h, h);
        _attentionOut = nn.Linear(h, h);
        _attentionNorm = nn.LayerNorm([h], config.LayerNormEps);
        _intermediate = nn.Linear(h, config.IntermediateSize);
        _output = nn.Linear(config.IntermediateSize, h);
        _outputNorm = nn.LayerNorm([h], config.LayerNormEps);
        _dropout = nn.Dropout(config.Dropout);

        var self = new Named("self", ("query", _query), ("key", _key), ("value", _value));
        var attentionOutput = new Named("output", ("dense", _attentionOut), ("LayerNorm", _attentionNorm));
        register_module("attention", new Named("attention", ("self", self), ("output", attentionOutput)));
        register_module("intermediate", new Named("intermediate", ("dense", _intermediate)));
        register_module("output", new Named("output", ("dense", _output), ("LayerNorm", _outputNorm)));
        register_module("dropout", _dropout);
    }

    /// <summary>Runs the layer; <paramref name="maskBias"/> is [batch, 1, 1, seq] with 0 for tokens and a large negative for padding.</summary>
    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var (batch, seq) = (hidden.shape[0], hidden.shape[1]);
        Tensor Heads(Tensor x) => x.view(batch, seq, _config.Heads, _config.HeadSize).transpose(1, 2);
        var q = Heads(_query.forward(hidden));
        var k = Heads(_key.forward(hidden));
        var v = Heads(_value.forward(hidden));
        // libtorch's fused attention: softmax(q·kᵀ/√d + mask)·v in one call, fewer kernels and temporaries than spelled out.
        var attentionDropout = training ? _config.Dropout : 0;
        var context = nn.functional.scaled_dot_product_attention(q, k, v, maskBias, attentionDropout).transpose(1, 2).reshape(batch, seq, _config.HiddenSize);
        var attended = _attentionNorm.forward(_dropout.forward(_attentionOut.forward(context)) + hidden);
        var expanded = nn.functional.gelu(_intermediate.forward(attended));
        return _outputNorm.forward(_dropout.forward(_output.forward(expanded)) + attended).MoveToOuterDisposeScope();
    }

    /// <summary>A container that only gives its children their HuggingFace names.</summary>
    private sealed class Named : nn.Module
    {
        public Named(string name, params (string Name, nn.Module Module)[] children) : base(name)
        {
            foreach (var (childName, module) in children)
            {
                register_module(childName, module);
            }
        }
    }
}
