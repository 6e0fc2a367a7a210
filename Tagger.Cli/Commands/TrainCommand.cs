using Esrs.Cli;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tagging.Training;
using TorchSharp;

namespace Esrs.Tagging.Commands;

/// <summary><c>train</c>: fine-tune MiniLM on OA-Mine train less the dev split, keep the best dev epoch.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainerOptions();
        var epochs = CommonOptions.Positive("--epochs", "Most epochs (training stops earlier when the dev F1 stops improving, see --patience)", defaults.Epochs);
        var batch = CommonOptions.Positive("--batch", "Titles per optimizer step", defaults.BatchSize);
        var layers = CommonOptions.Positive("--layers", "Encoder layers kept of MiniLM's six (fewer: faster, worse)", defaults.Layers);
        var lr = new Option<double>("--lr") { Description = "Peak learning rate of the top encoder layer", DefaultValueFactory = _ => defaults.LearningRate };
        var headLr = new Option<double>("--head-lr") { Description = "Learning rate of the classifier/CRF as a multiple of --lr", DefaultValueFactory = _ => defaults.HeadLearningRateFactor };
        var layerDecay = new Option<double>("--layer-decay") { Description = "Layer-wise learning-rate decay per layer below the top (1: off)", DefaultValueFactory = _ => defaults.LayerDecay };
        var warmup = new Option<double>("--warmup") { Description = "Share of the steps spent warming the learning rate up", DefaultValueFactory = _ => defaults.WarmupFraction };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, shuffling and augmentation", DefaultValueFactory = _ => defaults.Seed };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without a better dev F1 (0: never)", DefaultValueFactory = _ => defaults.Patience };
        var maxSteps = new Option<int>("--max-steps") { Description = "Stop after this many optimizer steps (0: no limit; for smoke tests)", DefaultValueFactory = _ => defaults.MaxSteps };
        var crf = new Option<bool>("--crf") { Description = "A CRF over the words (--crf false: one softmax per word)", DefaultValueFactory = _ => defaults.Crf };
        var decoding = new Option<DecodingMode>("--decoding") { Description = "How the checkpoint decodes: Viterbi (valid BIO only) or Argmax", DefaultValueFactory = _ => DecodingMode.Viterbi };
        var augment = new Option<string>("--augment") { Description = "none, all, or a comma list of distant,noise,substitute,oversample", DefaultValueFactory = _ => "none" };
        augment.Validators.Add(result =>
        {
            try
            {
                AugmentationOptions.Parse(result.GetValueOrDefault<string>());
            }
            catch (ArgumentException ex)
            {
                result.AddError(ex.Message);
            }
        });
        var model = CommonOptions.Model();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var command = new Command("train", "Fine-tune the MiniLM tagger on OA-Mine train (less the dev split); saves the best dev epoch to --model")
        {
            epochs, batch, layers, lr, headLr, layerDecay, warmup, seed, patience, maxSteps, crf, decoding, augment, model, data, device,
        };
        command.SetAction(parse =>
        {
            var options = new TrainerOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Layers = Math.Min(parse.GetValue(layers), BertConfig.MiniLmL6.Layers),
                LearningRate = parse.GetValue(lr),
                HeadLearningRateFactor = parse.GetValue(headLr),
                LayerDecay = parse.GetValue(layerDecay),
                WarmupFraction = parse.GetValue(warmup),
                Seed = parse.GetValue(seed),
                Patience = parse.GetValue(patience),
                MaxSteps = parse.GetValue(maxSteps),
                Crf = parse.GetValue(crf),
            };
            return Run(options, AugmentationOptions.Parse(parse.GetValue(augment)), parse.GetValue(decoding), parse.GetRequiredValue(model), parse.GetRequiredValue(data), parse.GetValue(device));
        });
        return command;
    }

    private static int Run(TrainerOptions options, AugmentationOptions augmentation, DecodingMode decoding, string modelDir, string dataDir, string? deviceName)
    {
        var device = CommonOptions.ToDevice(deviceName);
        var (train, dev) = DevSplit.Split(CommonOptions.ReadOaMine(dataDir));
        var labels = new LabelMap(train.Concat(dev).SelectMany(t => t.Spans).Select(s => s.Label));
        var distant = augmentation.Distant ? Augmenter.FlipkartBrands(CommonOptions.FlipkartPath(dataDir)) : null;
        var examples = new Augmenter([.. train.Select(t => new TrainingExample(t.Title, t.Spans))], augmentation, distant);
        var tokenizer = TitleTokenizer.Create(MiniLmWeights.OpenVocabulary());
        Console.Error.WriteLine($"training on {train.Count} OA-Mine titles ({examples.BaseCount} per epoch after oversampling), dev {dev.Count} titles, {labels.Attributes.Count} attributes, " +
            $"augmentation {augmentation}{(distant is null ? "" : $" ({distant.Count} Flipkart brand titles, {augmentation.DistantPerEpoch} per epoch)")}, " +
            string.Create(CultureInfo.InvariantCulture, $"{options.Layers} layers, {(options.Crf ? "CRF" : "softmax")} head, {decoding} decoding, lr {options.LearningRate} (head x{options.HeadLearningRateFactor}, layer decay {options.LayerDecay}), ") +
            $"batch {options.BatchSize}, up to {options.Epochs} epochs (patience {options.Patience}), seed {options.Seed}, device {device.type}");
        var stopwatch = Stopwatch.StartNew();
        var (model, epochs, best) = TaggerTrainer.Train(examples, dev, new SpanAligner(tokenizer, labels), options, decoding, Console.Error, device);
        using (model)
        {
            var version = string.Create(CultureInfo.InvariantCulture,
                $"oamine-minilm-l{options.Layers}{(options.Crf ? "-crf" : "")}-{(augmentation.Any ? augmentation.ToString().Replace(',', '+') + "-" : "")}s{options.Seed}-{DateTime.UtcNow:yyyyMMddHHmm}");
            TaggerCheckpoint.Save(modelDir, new Checkpoint(model.to(TorchSharp.torch.CPU), labels, tokenizer, version, decoding));
            var bestF1 = epochs.FirstOrDefault(e => e.Epoch == best)?.DevF1 ?? 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {version} in {stopwatch.Elapsed.TotalSeconds:F0} s ({epochs.Count} epochs); best dev epoch {best} (dev F1 {bestF1:F4}); saved to {Path.Combine(modelDir, TaggerCheckpoint.FileName)}"));
        }

        return ExitCodes.Success;
    }
}
