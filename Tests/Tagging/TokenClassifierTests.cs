using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tests.Support;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>The token classifier on a 2-layer slice of MiniLM, to keep the suite fast.</summary>
public sealed class TokenClassifierTests : IDisposable
{
    private static readonly BertConfig Slice = BertConfig.MiniLmL6 with { Layers = 2 };
    private readonly TempDirectory _directory = new();

    [Fact]
    public void OneTrainingStepLowersTheLoss()
    {
        manual_seed(7);
        var aligner = TaggerData.Aligner();
        using var model = Pretrained(aligner.Labels);
        var batch = Batch(aligner, TaggerData.Titles.Where(t => t.Split == "train").Take(16));
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        model.train();

        var before = Loss(model, batch);
        optimizer.zero_grad();
        using (var loss = model.Loss(model.forward(batch.Ids, zeros_like(batch.Ids), batch.Mask), batch))
        {
            loss.backward();
        }

        optimizer.step();
        var after = Loss(model, batch);

        Assert.True(after < before, $"loss {before:F4} -> {after:F4}");
    }

    [Fact]
    public void SavedCheckpointLoadsToIdenticalOutputs()
    {
        manual_seed(11);
        var aligner = TaggerData.Aligner();
        using var model = Pretrained(aligner.Labels);
        model.eval();
        var (ids, mask) = (Batch(aligner, TaggerData.Titles.Take(4)).Ids, Batch(aligner, TaggerData.Titles.Take(4)).Mask);
        var path = Path.Combine(_directory.Path, "tagger.safetensors");

        SafeTensors.Save(path, model, new Dictionary<string, string> { ["version"] = "test-1" });
        var (tensors, metadata) = SafeTensors.Load(path);
        using var loaded = new BertTokenClassifier(Slice, aligner.Labels);
        BertWeights.LoadInto(loaded, tensors);
        loaded.eval();

        using var _ = no_grad();
        using var expected = model.forward(ids, zeros_like(ids), mask);
        using var actual = loaded.forward(ids, zeros_like(ids), mask);
        Assert.Equal("test-1", metadata["version"]);
        using var difference = (expected - actual).abs().max();
        Assert.Equal(0f, difference.item<float>());

        // Each weight once, counted from the architecture by hand: embeddings (30,522 words, 512 positions, 2 types,
        // LayerNorm), per layer Q/K/V/O 384x384 + bias, two LayerNorms, FFN 384x1536 + 1536 and 1536x384 + 384, then the
        // classifier over the BIO tags. TorchSharp's state_dict names these up to four times.
        const long H = 384, F = 1536;
        var tags = aligner.Labels.Count;
        var expectedValues = ((30_522 + 512 + 2) * H) + (2 * H)
            + (Slice.Layers * ((4 * ((H * H) + H)) + (2 * 2 * H) + ((H * F) + F) + ((F * H) + H)))
            + ((H * tags) + tags);
        Assert.Equal(expectedValues, tensors.Values.Sum(t => (long)t.Values.Length));
        Assert.Equal(8 + expectedValues * sizeof(float), new FileInfo(path).Length - JsonHeaderLength(path));
    }

    private static long JsonHeaderLength(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        file.ReadExactly(length);
        return (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(length);
    }

    [Fact]
    public void TaggedSpansAreValidOffsetsIntoTheInput()
    {
        manual_seed(3);
        var aligner = TaggerData.Aligner();
        using var tagger = new Esrs.Tagging.Inference.Tagger(new Checkpoint(Pretrained(aligner.Labels), aligner.Labels, TaggerData.Tokenizer, "test", DecodingMode.Viterbi), CPU);
        string[] texts =
        [
            "  Café  Crème naturel, 500 g — ＢＩＯ  ",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            "",
            "Nike Air Zoom Pegasus 39 Men's Running Shoes, Black, Size 10",
            string.Join(' ', Enumerable.Repeat("verylongwordpiecesequence", 80)),
        ];

        var tagged = tagger.Tag(texts);

        Assert.Equal(texts.Length, tagged.Count);
        Assert.NotEmpty(tagged.SelectMany(t => t));
        for (var i = 0; i < texts.Length; i++)
        {
            foreach (var span in tagged[i])
            {
                Assert.InRange(span.Start, 0, texts[i].Length - 1);
                Assert.InRange(span.End, span.Start + 1, texts[i].Length);
                Assert.Equal(texts[i][span.Start..span.End], span.Text);
                Assert.Contains(span.Label, aligner.Labels.Attributes);
                Assert.InRange(span.Score, 0, 1);
            }
        }
    }

    public void Dispose() => _directory.Dispose();

    private static BertTokenClassifier Pretrained(LabelMap labels, bool crf = false)
    {
        var model = new BertTokenClassifier(Slice, labels, crf);
        using (no_grad())
        {
            BertWeights.LoadInto(model, TaggerData.MiniLm, prefix: "bert.");
        }

        return model;
    }

    private static double Loss(BertTokenClassifier model, PaddedBatch batch)
    {
        using var _ = no_grad();
        model.eval();
        using var logits = model.forward(batch.Ids, zeros_like(batch.Ids), batch.Mask);
        using var loss = model.Loss(logits, batch);
        model.train();
        return loss.item<float>();
    }

    private static PaddedBatch Batch(SpanAligner aligner, IEnumerable<OaMineTitle> titles) =>
        Batches.PadForTraining([.. titles.Select(t => aligner.Encode(t.Title, t.Spans))], CPU);
}
