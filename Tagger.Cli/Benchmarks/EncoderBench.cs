using System.Diagnostics;
using System.Globalization;
using Esrs.Tagging.Model;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Esrs.Tagging.Benchmarks;

/// <summary>
/// Encoder throughput, sequences/s, TorchSharp against ONNX Runtime running the same model.onnx in the same process,
/// same inputs, same thread count. Each measurement runs at least the given time (and 5 calls) after warm-up.
/// </summary>
public static class EncoderBench
{
    public static string Run(int threads, int sequenceLength, IReadOnlyList<int> batchSizes, TimeSpan measure, TextWriter progress)
    {
        set_num_threads(threads);
        var weights = MiniLmWeights.Load();
        using var encoder = new BertEncoder(BertConfig.MiniLmL6);
        BertWeights.LoadInto(encoder, weights);
        encoder.eval();
        // The same weights in bfloat16: on CPUs with AMX or AVX-512 BF16, libtorch's matrix products run in it natively.
        using var bf16 = new BertEncoder(BertConfig.MiniLmL6);
        BertWeights.LoadInto(bf16, weights);
        bf16.to(ScalarType.BFloat16);
        bf16.eval();
        using var model = new MemoryStream();
        using (var onnx = MiniLmWeights.OpenOnnx())
        {
            onnx.CopyTo(model);
        }

        using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model.ToArray(), sessionOptions);
        var random = new Random(1);
        var rows = new List<string>
        {
            "| batch | TorchSharp seq/s | TorchSharp bfloat16 seq/s | ONNX Runtime seq/s | TorchSharp / ORT | bfloat16 / float32 |",
            "| --- | --- | --- | --- | --- | --- |",
        };
        foreach (var batch in batchSizes)
        {
            var ids = new long[batch * sequenceLength];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = i % sequenceLength == 0 ? 101 : i % sequenceLength == sequenceLength - 1 ? 102 : random.Next(1_000, 30_000);
            }

            var mask = Enumerable.Repeat(1L, ids.Length).ToArray();
            var torchRate = Measure(batch, measure, () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var idTensor = tensor(ids, [batch, sequenceLength]);
                encoder.forward(idTensor, zeros_like(idTensor), tensor(mask, [batch, sequenceLength])).data<float>();
            });
            var bf16Rate = Measure(batch, measure, () =>
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var idTensor = tensor(ids, [batch, sequenceLength]);
                bf16.forward(idTensor, zeros_like(idTensor), tensor(mask, [batch, sequenceLength])).to_type(ScalarType.Float32).data<float>();
            });
            var shape = new[] { batch, sequenceLength };
            var feeds = session.InputMetadata.Keys.Select(name => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(name switch
            {
                "input_ids" => ids,
                "attention_mask" => mask,
                _ => new long[ids.Length],
            }, shape))).ToList();
            var ortRate = Measure(batch, measure, () =>
            {
                using var results = session.Run(feeds);
            });
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {batch} | {torchRate:N0} | {bf16Rate:N0} | {ortRate:N0} | {torchRate / ortRate:F2}x | {bf16Rate / torchRate:F2}x |"));
            progress.WriteLine(rows[^1]);
        }

        return string.Join(Environment.NewLine, rows);
    }

    private static double Measure(int batch, TimeSpan measure, Action run)
    {
        for (var i = 0; i < 3; i++)
        {
            run();
        }

        var stopwatch = Stopwatch.StartNew();
        var iterations = 0;
        while (stopwatch.Elapsed < measure || iterations < 5)
        {
            run();
            iterations++;
        }

        return iterations * batch / stopwatch.Elapsed.TotalSeconds;
    }
}
