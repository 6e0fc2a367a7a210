using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>Word + position + token-type embeddings, LayerNorm (parameter names as in HuggingFace <c>BertEmbeddings</c>).</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding _words;
    private readonly Embedding _positions;
    private readonly Embedding _types;
    private readonly LayerNorm _norm;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        ArgumentNullException.ThrowIfNull(config);
        _words = nn.Embedding(config.VocabSize, config.HiddenSize);
        _positions = nn.Embedding(config.MaxPositions, config.HiddenSize);
        _types = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        _norm = nn.LayerNorm([config.HiddenSize], config.LayerNormEps);
        register_module("word_embeddings", _words);
        register_module("position_embeddings", _positions);
        register_module("token_type_embeddings", _types);
        register_module("LayerNorm", _norm);
    }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var sum = _words.forward(inputIds) + _positions.forward(positions) + _types.forward(tokenTypeIds);
        return _norm.forward(sum).MoveToOuterDisposeScope();
    }
}
