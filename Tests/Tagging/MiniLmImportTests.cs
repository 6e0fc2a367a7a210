using Esrs.Tagging.Model;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>The pretrained MiniLM weights, imported from the ONNX file into the TorchSharp encoder, give ONNX Runtime's outputs.</summary>
public sealed class MiniLmImportTests(ITestOutputHelper output)
{
    private static readonly string[] Sentences =
    [
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "red leather ankle boots women size 38",
        "Alisha Solid Women's Cycling Shorts",
        "samsung galaxy s21 ultra 5g 256gb phantom black",
        "organic green tea 100 bags",
        "Nike Air Zoom Pegasus 39 Men's Running Shoes",
        "stainless steel water bottle 750ml",
        "cheap wireless earbuds",
        "KNITTED UNION FLAG HOT WATER BOTTLE",
        "lavender scented soy candle, 8 oz",
        "kids cotton t-shirt age 6-7 blue",
        "Dell XPS 13 laptop 16GB RAM",
        "gift for dad",
        "vintage brass floor lamp",
        "Pampers Baby Dry diapers size 4, 174 count",
        "men's wool winter coat navy XL",
        "dog food grain free salmon 12kg",
        "iPhone 15 case clear MagSafe",
        "SET OF 3 CAKE TINS PANTRY DESIGN",
        "yoga mat non slip 6mm purple",
    ];

    [Fact]
    public void AllThirtySixMatMulWeightsAreNamedThroughTheirBiasAdds()
    {
        var weights = MiniLmWeights.Load();

        var linear = weights.Keys.Where(k => k.StartsWith("encoder.", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal) && !k.Contains("LayerNorm", StringComparison.Ordinal)).ToList();
        Assert.Equal(36, linear.Count);
        Assert.Equal([384, 384], weights["encoder.layer.0.attention.self.query.weight"].Shape);
        Assert.Equal([1536, 384], weights["encoder.layer.5.intermediate.dense.weight"].Shape);
        Assert.Equal([384, 1536], weights["encoder.layer.5.output.dense.weight"].Shape);
    }

    [Fact]
    public void EncoderMatchesOnnxRuntimeOnTwentySentences()
    {
        var tokenizer = BertTokenizer.Create(MiniLmWeights.OpenVocabulary(), new BertOptions { LowerCaseBeforeTokenization = true });
        var ids = Sentences.Select(s => tokenizer.EncodeToIds(s)).ToList();
        var (batch, seq) = (ids.Count, ids.Max(i => i.Count));
        var inputIds = new long[batch * seq];
        var mask = new long[batch * seq];
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < ids[b].Count; t++)
            {
                inputIds[(b * seq) + t] = ids[b][t];
                mask[(b * seq) + t] = 1;
            }
        }

        var expected = RunOnnxRuntime(inputIds, mask, batch, seq);

        using var encoder = new BertEncoder(BertConfig.MiniLmL6);
        BertWeights.LoadInto(encoder, MiniLmWeights.Load());
        encoder.eval();
        float[] actual;
        using (no_grad())
        using (var idTensor = tensor(inputIds, [batch, seq]))
        using (var maskTensor = tensor(mask, [batch, seq]))
        using (var types = zeros_like(idTensor))
        using (var hidden = encoder.forward(idTensor, types, maskTensor))
        {
            Assert.Equal([batch, seq, 384], hidden.shape);
            actual = hidden.data<float>().ToArray();
        }

        var worst = 0.0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0)
            {
                continue;
            }

            for (var h = 0; h < 384; h++)
            {
                worst = Math.Max(worst, Math.Abs(actual[(i * 384) + h] - expected[(i * 384) + h]));
            }
        }

        output.WriteLine($"largest difference from ONNX Runtime over {mask.Sum()} tokens x 384: {worst:E2}");
        Assert.True(worst < 1e-4, $"largest difference from ONNX Runtime: {worst:E2}");
    }

    private static float[] RunOnnxRuntime(long[] inputIds, long[] mask, int batch, int seq)
    {
        using var model = new MemoryStream();
        using (var onnx = MiniLmWeights.OpenOnnx())
        {
            onnx.CopyTo(model);
        }

        using var session = new InferenceSession(model.ToArray());
        var shape = new[] { batch, seq };
        var feeds = new List<NamedOnnxValue>();
        foreach (var name in session.InputMetadata.Keys)
        {
            var values = name switch
            {
                "input_ids" => inputIds,
                "attention_mask" => mask,
                "token_type_ids" => new long[inputIds.Length],
                _ => throw new InvalidOperationException($"Unexpected model input {name}."),
            };
            feeds.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values, shape)));
        }

        using var results = session.Run(feeds);
        var hidden = results.First(r => r.AsTensor<float>().Dimensions.Length == 3).AsTensor<float>();
        return hidden.ToArray();
    }
}
