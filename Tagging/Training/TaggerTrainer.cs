using System.Diagnostics;
using System.Globalization;
using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Esrs.Tagging.Training;

/// <summary>Fine-tunes the MiniLM token classifier on labelled titles: AdamW, linear warm-up and decay, gradient clipping, a progress line with loss and examples/s.</summary>
public static class TaggerTrainer
{
    public static BertTokenClassifier Train(Augmenter examples, SpanAligner aligner, TrainerOptions options, TextWriter progress, Device device)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(aligner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        manual_seed(options.Seed);
        var random = new Random(options.Seed);
        var model = new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = options.Layers }, aligner.Labels.Count);
        using (no_grad())
        {
            BertWeights.LoadInto(model, MiniLmWeights.Load(), prefix: "bert.");
        }

        model.to(device);
        var steps = 0;
        var skipped = 0;
        var epochs = new List<List<TokenizedText>>(options.Epochs);
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            // Each epoch draws its own augmented copies; all are drawn first so the learning-rate schedule knows its length.
            var drawn = new List<TokenizedText>();
            foreach (var example in examples.Epoch(random))
            {
                if (TryEncode(aligner, example, options.MaxTokens) is { } encoded)
                {
                    drawn.Add(encoded);
                }
                else
                {
                    skipped++;
                }
            }

            steps += (int)Math.Ceiling(drawn.Count / (double)options.BatchSize);
            epochs.Add(drawn);
        }

        if (skipped > 0)
        {
            progress.WriteLine($"skipped {skipped} examples whose text the tokenizer's normalisation changes in length");
        }

        var warmup = Math.Max(1, (int)(steps * options.WarmupFraction));
        using var optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var step = 0;
        var stopwatch = Stopwatch.StartNew();
        long seen = 0;
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            model.train();
            var order = epochs[epoch - 1].OrderBy(_ => random.Next()).ToList();
            double epochLoss = 0;
            var batches = 0;
            for (var offset = 0; offset < order.Count; offset += options.BatchSize)
            {
                step++;
                var rate = options.LearningRate * (step <= warmup ? step / (double)warmup : Math.Max(0, (steps - step) / (double)(steps - warmup)));
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = rate;
                }

                using var scope = NewDisposeScope();
                var batch = order.GetRange(offset, Math.Min(options.BatchSize, order.Count - offset));
                var (ids, mask, labels) = Batches.Pad(batch, device);
                optimizer.zero_grad();
                var loss = BertTokenClassifier.Loss(model.forward(ids, zeros_like(ids), mask), labels);
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                epochLoss += loss.item<float>();
                batches++;
                seen += batch.Count;
                progress.Write(string.Create(CultureInfo.InvariantCulture,
                    $"\repoch {epoch}/{options.Epochs} [{new string('#', 20 * (offset + batch.Count) / order.Count).PadRight(20, '.')}] loss {epochLoss / batches:F4}  lr {rate:E1}  {seen / stopwatch.Elapsed.TotalSeconds:F1} examples/s"));
            }

            progress.WriteLine();
        }

        model.eval();
        return model;
    }

    private static TokenizedText? TryEncode(SpanAligner aligner, TrainingExample example, int maxTokens)
    {
        try
        {
            return aligner.Encode(example.Text, example.Spans, maxTokens, example.Partial);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
