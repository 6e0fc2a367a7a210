using System.Diagnostics;
using System.Globalization;
using Esrs.Tagging.Data;
using Esrs.Tagging.Evaluation;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Esrs.Tagging.Training;

/// <summary>
/// Fine-tunes the MiniLM token classifier on labelled titles: AdamW with layer-wise learning rates, linear warm-up and
/// decay, gradient clipping, length-bucketed batches; after every epoch the dev split is scored and the best epoch's
/// weights are kept (early stopping after <see cref="TrainerOptions.Patience"/> epochs without a better dev F1).
/// </summary>
public static class TaggerTrainer
{
    public static (BertTokenClassifier Model, IReadOnlyList<EpochReport> Epochs, int BestEpoch) Train(
        Augmenter examples, IReadOnlyList<OaMineTitle> dev, SpanAligner aligner, TrainerOptions options, DecodingMode decoding, TextWriter progress, Device device)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(dev);
        ArgumentNullException.ThrowIfNull(aligner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        manual_seed(options.InitSeed ?? options.Seed);
        var random = new Random(options.Seed);
        var model = new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = options.Layers, Dropout = options.Dropout }, aligner.Labels, options.Crf);
        using (no_grad())
        {
            BertWeights.LoadInto(model, MiniLmWeights.Load(), prefix: "bert.");
        }

        manual_seed(options.Seed);

        model.to(device);
        // Each epoch draws its own augmented copies; all are drawn first so the learning-rate schedule knows its length.
        var epochs = new List<List<List<TokenizedText>>>(options.Epochs);
        var steps = 0;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            var drawn = examples.Epoch(random).Select(e => aligner.Encode(e.Text, e.Spans, options.MaxTokens, e.Partial)).ToList();
            var batches = Bucketed(drawn, options.BatchSize, random);
            steps += batches.Count;
            epochs.Add(batches);
        }

        if (options.MaxSteps > 0)
        {
            steps = Math.Min(steps, options.MaxSteps);
        }

        var groups = ParameterGroups(model, options);
        using var optimizer = optim.AdamW(groups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.Parameters, lr: g.Rate)), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var warmup = Math.Max(1, (int)(steps * options.WarmupFraction));
        var step = 0;
        var stopwatch = Stopwatch.StartNew();
        long seen = 0;
        var reports = new List<EpochReport>();
        Dictionary<string, Tensor>? best = null;
        var (bestF1, bestEpoch) = (double.NegativeInfinity, 0);
        for (var epoch = 1; epoch <= options.Epochs && step < steps; epoch++)
        {
            model.train();
            var batches = epochs[epoch - 1];
            double epochLoss = 0;
            var done = 0;
            foreach (var batch in batches)
            {
                if (step >= steps)
                {
                    break;
                }

                step++;
                var factor = step <= warmup ? step / (double)warmup : Math.Max(0, (steps - step) / (double)Math.Max(1, steps - warmup));
                for (var g = 0; g < groups.Count; g++)
                {
                    optimizer.ParamGroups.ElementAt(g).LearningRate = groups[g].Rate * factor;
                }

                using var scope = NewDisposeScope();
                var padded = Batches.PadForTraining(batch, device);
                optimizer.zero_grad();
                var loss = model.Loss(model.forward(padded.Ids, zeros_like(padded.Ids), padded.Mask), padded);
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                epochLoss += loss.item<float>();
                done++;
                seen += batch.Count;
                progress.Write(string.Create(CultureInfo.InvariantCulture,
                    $"\repoch {epoch}/{options.Epochs} [{new string('#', 20 * done / batches.Count).PadRight(20, '.')}] loss {epochLoss / done:F4}  lr {options.LearningRate * factor:E1}  {seen / stopwatch.Elapsed.TotalSeconds:F1} examples/s"));
            }

            var devF1 = dev.Count == 0 ? 0 : DevF1(model, aligner, dev, decoding, device);
            reports.Add(new EpochReport(epoch, epochLoss / Math.Max(1, done), devF1, stopwatch.Elapsed));
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dev F1 {devF1:F4}  ({stopwatch.Elapsed.TotalSeconds:F0} s)"));
            if (devF1 > bestF1)
            {
                (bestF1, bestEpoch) = (devF1, epoch);
                Dispose(best);
                best = Snapshot(model);
            }
            else if (options.Patience > 0 && epoch - bestEpoch >= options.Patience)
            {
                progress.WriteLine($"no better dev F1 for {options.Patience} epochs: stopping");
                break;
            }
        }

        if (best is not null && bestEpoch != reports.Count)
        {
            Restore(model, best);
        }

        Dispose(best);
        model.eval();
        return (model, reports, bestEpoch);
    }

    /// <summary>Dev micro F1 of the model as it is now (weights shared, not copied).</summary>
    public static double DevF1(BertTokenClassifier model, SpanAligner aligner, IReadOnlyList<OaMineTitle> dev, DecodingMode decoding, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(aligner);
        var tagger = new Tagger(new Checkpoint(model, aligner.Labels, aligner.Tokenizer, "dev", decoding), device);
        var f1 = Scoring.Score(tagger, dev).Full.Micro.F1;
        model.train();
        return f1;
    }

    /// <summary>Shuffled batches of texts of similar length (less padding), in shuffled order.</summary>
    private static List<List<TokenizedText>> Bucketed(List<TokenizedText> texts, int batchSize, Random random)
    {
        var shuffled = texts.OrderBy(_ => random.Next()).ToList();
        var batches = new List<List<TokenizedText>>();
        // Sort within windows of 20 batches: similar lengths together, still a different mix every epoch.
        for (var window = 0; window < shuffled.Count; window += batchSize * 20)
        {
            var sorted = shuffled.GetRange(window, Math.Min(batchSize * 20, shuffled.Count - window)).OrderBy(t => t.Ids.Length).ToList();
            for (var offset = 0; offset < sorted.Count; offset += batchSize)
            {
                batches.Add(sorted.GetRange(offset, Math.Min(batchSize, sorted.Count - offset)));
            }
        }

        return [.. batches.OrderBy(_ => random.Next())];
    }

    /// <summary>Parameters by learning rate: the head at its factor, each encoder layer decayed by its distance from the top, the embeddings below the first layer.</summary>
    private static List<(List<TorchSharp.Modules.Parameter> Parameters, double Rate)> ParameterGroups(BertTokenClassifier model, TrainerOptions options)
    {
        var layers = options.Layers;
        var byRate = new SortedDictionary<double, List<TorchSharp.Modules.Parameter>>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            double rate;
            if (!name.StartsWith("bert.", StringComparison.Ordinal))
            {
                rate = options.LearningRate * options.HeadLearningRateFactor;
            }
            else if (name.StartsWith("bert.encoder.layer.", StringComparison.Ordinal))
            {
                var layer = int.Parse(name["bert.encoder.layer.".Length..].Split('.')[0], CultureInfo.InvariantCulture);
                rate = options.LearningRate * Math.Pow(options.LayerDecay, layers - 1 - layer);
            }
            else
            {
                rate = options.LearningRate * Math.Pow(options.LayerDecay, layers);
            }

            if (!byRate.TryGetValue(rate, out var list))
            {
                byRate[rate] = list = [];
            }

            list.Add(parameter);
        }

        return [.. byRate.Select(p => (p.Value, p.Key))];
    }

    private static Dictionary<string, Tensor> Snapshot(BertTokenClassifier model)
    {
        using var noGrad = no_grad();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    private static void Restore(BertTokenClassifier model, Dictionary<string, Tensor> snapshot)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.copy_(snapshot[name]);
        }
    }

    private static void Dispose(Dictionary<string, Tensor>? snapshot)
    {
        foreach (var tensor in snapshot?.Values ?? Enumerable.Empty<Tensor>())
        {
            tensor.Dispose();
        }
    }
}
