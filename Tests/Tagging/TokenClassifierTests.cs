using Esrs.Tagging.Data;
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
        using var model = Pretrained(aligner.Labels.Count);
        var (ids, mask, labels) = Batch(aligner, TaggerData.Titles.Where(t => t.Split == "train").Take(16));
        using var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        model.train();

        var before = Loss(model, ids, mask, labels);
        optimizer.zero_grad();
        using (var loss = BertTokenClassifier.Loss(model.forward(ids, zeros_like(ids), mask), labels))
        {
            loss.backward();
        }

        optimizer.step();
        var after = Loss(model, ids, mask, labels);

        Assert.True(after < before, $"loss {before:F4} -> {after:F4}");
    }

    [Fact]
    public void SavedCheckpointLoadsToIdenticalOutputs()
    {
        manual_seed(11);
        var aligner = TaggerData.Aligner();
        using var model = Pretrained(aligner.Labels.Count);
        model.eval();
        var (ids, mask, _) = Batch(aligner, TaggerData.Titles.Take(4));
        var path = Path.Combine(_directory.Path, "tagger.safetensors");

        SafeTensors.Save(path, model, new Dictionary<string, string> { ["version"] = "test-1" });
        var (tensors, metadata) = SafeTensors.Load(path);
        using var loaded = new BertTokenClassifier(Slice, aligner.Labels.Count);
        BertWeights.LoadInto(loaded, tensors);
        loaded.eval();

        using var _ = no_grad();
        using var expected = model.forward(ids, zeros_like(ids), mask);
        using var actual = loaded.forward(ids, zeros_like(ids), mask);
        Assert.Equal("test-1", metadata["version"]);
        using var difference = (expected - actual).abs().max();
        Assert.Equal(0f, difference.item<float>());
    }

    [Fact]
    public void TaggedSpansAreValidOffsetsIntoTheInput()
    {
        manual_seed(3);
        var aligner = TaggerData.Aligner();
        using var tagger = new Esrs.Tagging.Inference.Tagger(Pretrained(aligner.Labels.Count), aligner, "test", CPU);
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

    private static BertTokenClassifier Pretrained(int labels)
    {
        var model = new BertTokenClassifier(Slice, labels);
        using (no_grad())
        {
            BertWeights.LoadInto(model, MiniLmWeights.Load(), prefix: "bert.");
        }

        return model;
    }

    private static double Loss(BertTokenClassifier model, Tensor ids, Tensor mask, Tensor labels)
    {
        using var _ = no_grad();
        model.eval();
        using var logits = model.forward(ids, zeros_like(ids), mask);
        using var loss = BertTokenClassifier.Loss(logits, labels);
        model.train();
        return loss.item<float>();
    }

    private static (Tensor Ids, Tensor Mask, Tensor Labels) Batch(SpanAligner aligner, IEnumerable<OaMineTitle> titles)
    {
        var encoded = titles.Select(t => aligner.Encode(t.Title, t.Spans)).ToList();
        var seq = encoded.Max(e => e.Ids.Length);
        var ids = new long[encoded.Count * seq];
        var mask = new long[encoded.Count * seq];
        var labels = Enumerable.Repeat((long)LabelMap.Ignore, encoded.Count * seq).ToArray();
        for (var b = 0; b < encoded.Count; b++)
        {
            for (var t = 0; t < encoded[b].Ids.Length; t++)
            {
                ids[(b * seq) + t] = encoded[b].Ids[t];
                mask[(b * seq) + t] = 1;
                labels[(b * seq) + t] = encoded[b].Labels[t];
            }
        }

        return (tensor(ids, [encoded.Count, seq]), tensor(mask, [encoded.Count, seq]), tensor(labels, [encoded.Count, seq]));
    }
}
