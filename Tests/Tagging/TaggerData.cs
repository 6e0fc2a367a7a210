using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using Esrs.Tests.Support;

namespace Esrs.Tests.Tagging;

/// <summary>The OA-Mine titles, the MiniLM tokenizer and the label map, loaded once for the tagger tests.</summary>
internal static class TaggerData
{
    private static readonly Lazy<List<OaMineTitle>> LazyTitles = new(() =>
        [.. OaMine.Read(Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, "..", "oamine-product-title-attributes", OaMine.FileName))]);

    private static readonly Lazy<TitleTokenizer> LazyTokenizer = new(() => TitleTokenizer.Create(MiniLmWeights.OpenVocabulary()));

    private static readonly Lazy<Dictionary<string, Esrs.Tagging.Onnx.OnnxTensor>> LazyMiniLm = new(MiniLmWeights.Load);

    public static List<OaMineTitle> Titles => LazyTitles.Value;

    /// <summary>The pretrained MiniLM weights, read from the ONNX file once for all tests (read-only).</summary>
    public static IReadOnlyDictionary<string, Esrs.Tagging.Onnx.OnnxTensor> MiniLm => LazyMiniLm.Value;

    public static LabelMap Labels => new(Titles.SelectMany(t => t.Spans).Select(s => s.Label));

    public static TitleTokenizer Tokenizer => LazyTokenizer.Value;

    public static SpanAligner Aligner() => new(LazyTokenizer.Value, Labels);
}
