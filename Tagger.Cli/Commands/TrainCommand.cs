using Esrs.Cli;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Esrs.Tagging.Data;
using Esrs.Tagging.Evaluation;
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
        var dropout = new Option<double>("--dropout") { Description = "Dropout inside the encoder while training (0: off)", DefaultValueFactory = _ => defaults.Dropout };
        layers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() > BertConfig.MiniLmL6.Layers)
            {
                result.AddError($"--layers: MiniLM has {BertConfig.MiniLmL6.Layers} layers; keep at most that many.");
            }
        });
        foreach (var (option, what) in new[] { (lr, "--lr"), (headLr, "--head-lr") })
        {
            option.Validators.Add(result =>
            {
                if (!(result.GetValueOrDefault<double>() > 0) || double.IsInfinity(result.GetValueOrDefault<double>()))
                {
                    result.AddError($"{what} must be a number above 0.");
                }
            });
        }

        layerDecay.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (> 0 and <= 1))
            {
                result.AddError("--layer-decay must be above 0 and at most 1.");
            }
        });
        warmup.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (>= 0 and < 1))
            {
                result.AddError("--warmup must be at least 0 and below 1.");
            }
        });
        dropout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or >= 1)
            {
                result.AddError("--dropout must be at least 0 and below 1.");
            }
        });
        var boundaryCheck = new Option<bool>("--boundary-check") { Description = "Save the BRAND, GENDER and MATERIAL values of the training titles with the checkpoint: spans that run past one are cut back to it when tagging", DefaultValueFactory = _ => true };
        var soup = CommonOptions.Positive("--soup", "Models trained (seeds --seed, --seed+1, ...) and averaged weight by weight into the one saved; the best single model is kept instead when it scores higher on dev", 1);
        var ensemble = CommonOptions.Positive("--ensemble", "Models trained (seeds --seed, --seed+1, ...) and all saved: tagging averages their label probabilities (N times the model's work a text; 1: one model). Default 3, measured better on dev; the best single model is kept instead when it scores higher on dev", 3);
        var crf = new Option<bool>("--crf") { Description = "A CRF over the words (--crf false: one softmax per word)", DefaultValueFactory = _ => defaults.Crf };
        var decoding = new Option<DecodingMode>("--decoding") { Description = "How the checkpoint decodes: Viterbi (valid BIO only) or Argmax", DefaultValueFactory = _ => DecodingMode.Viterbi };
        var augment = new Option<string>("--augment") { Description = "none, all, or a comma list of distant,materials,noise,substitute,oversample (default distant,materials,substitute: measured better out of shop on MATERIAL and GENDER, dev no worse)", DefaultValueFactory = _ => "distant,materials,substitute" };
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
        var typedShare = new Option<double>("--typed-share") { Description = "Share of training titles shown each epoch behind their product type (\"Tea | ...\"), so a caller that knows an item's type can give it (eval-tagger's typed figures); 0: never", DefaultValueFactory = _ => 0 };
        typedShare.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 1)
            {
                result.AddError("--typed-share must be between 0 and 1.");
            }
        });
        var selfTrain = new Option<string?>("--self-train") { Description = "Self-training: a teacher checkpoint tags unlabelled Flipkart titles (never those the out-of-shop checks score) and its sure spans train as partial labels" };
        var selfThreshold = new Option<double>("--self-threshold") { Description = "Lowest teacher confidence a self-training span needs", DefaultValueFactory = _ => 0.9 };
        selfThreshold.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is <= 0 or > 1)
            {
                result.AddError("--self-threshold must be above 0 and at most 1.");
            }
        });
        var selfTitles = CommonOptions.Positive("--self-titles", "Unlabelled titles the teacher tags", 3000);
        var selfPerEpoch = CommonOptions.Positive("--self-per-epoch", "Self-trained titles added to each epoch", 300);
        var model = CommonOptions.Model();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Positive("--threads", "CPU threads of the model's arithmetic (default: one per core); give two trainings at once on one machine a share each, or they slow each other many times over", Environment.ProcessorCount);
        var command = new Command("train-tagger", "Fine-tune the MiniLM tagger on OA-Mine train (less the dev split); saves the best dev epoch to --model")
        {
            epochs, batch, layers, lr, headLr, layerDecay, warmup, seed, patience, maxSteps, dropout, soup, ensemble, boundaryCheck, crf, decoding, augment, typedShare,
            selfTrain, selfThreshold, selfTitles, selfPerEpoch, model, data, device, threads,
        };
        command.Aliases.Add("train"); // the name scripts and earlier notes call it by (Esrs.Tagger.Cli train)
        command.Validators.Add(result =>
        {
            // --soup alone makes one souped model; with an --ensemble given as well it is ambiguous. (An option given twice
            // is the parser's error to report; reading its value here would throw.)
            if (result.GetResult(soup) is { Tokens.Count: > 1 } || result.GetResult(ensemble) is { Tokens.Count: > 1 })
            {
                return;
            }

            if (result.GetValue(soup) > 1 && result.GetResult(ensemble) is { Implicit: false } && result.GetValue(ensemble) > 1)
            {
                result.AddError("--soup and --ensemble each train several models: give one of them.");
            }
        });
        command.SetAction(parse =>
        {
            TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            var options = new TrainerOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                Layers = parse.GetValue(layers),
                LearningRate = parse.GetValue(lr),
                HeadLearningRateFactor = parse.GetValue(headLr),
                LayerDecay = parse.GetValue(layerDecay),
                WarmupFraction = parse.GetValue(warmup),
                Seed = parse.GetValue(seed),
                Patience = parse.GetValue(patience),
                MaxSteps = parse.GetValue(maxSteps),
                Crf = parse.GetValue(crf),
                Dropout = parse.GetValue(dropout),
            };
            var self = parse.GetValue(selfTrain) is { Length: > 0 } teacher ? new SelfTraining(teacher, parse.GetValue(selfThreshold), parse.GetValue(selfTitles), parse.GetValue(selfPerEpoch)) : null;
            return Run(options, new Members(parse.GetValue(soup), parse.GetValue(soup) > 1 ? 1 : parse.GetValue(ensemble)), parse.GetValue(boundaryCheck), AugmentationOptions.Parse(parse.GetValue(augment)) with { TypedShare = parse.GetValue(typedShare) }, self, parse.GetValue(decoding), parse.GetRequiredValue(model), parse.GetRequiredValue(data), parse.GetValue(device));
        });
        return command;
    }

    /// <summary>What <c>--self-train</c> asks for: the teacher checkpoint, its confidence floor, titles tagged, titles per epoch.</summary>
    private sealed record SelfTraining(string Teacher, double Threshold, int Titles, int PerEpoch);

    /// <summary>How many models are trained and what becomes of them: averaged weight by weight (<paramref name="Soup"/>) or kept side by side (<paramref name="Ensemble"/>).</summary>
    private sealed record Members(int Soup, int Ensemble)
    {
        public int Count => Math.Max(Soup, Ensemble);
    }

    private static int Run(TrainerOptions options, Members plan, bool boundaryCheck, AugmentationOptions augmentation, SelfTraining? self, DecodingMode decoding, string modelDir, string dataDir, string? deviceName)
    {
        var device = CommonOptions.ToDevice(deviceName);
        var (train, dev) = DevSplit.Split(CommonOptions.ReadOaMine(dataDir));
        var labels = new LabelMap(train.Concat(dev).SelectMany(t => t.Spans).Select(s => s.Label));
        var materialWords = augmentation.Materials ? Augmenter.FlipkartMaterialWords(CommonOptions.FlipkartPath(dataDir), CommonOptions.FlipkartDetailsPath(dataDir)) : null;
        var distant = materialWords is not null ? Augmenter.FlipkartMaterials(CommonOptions.FlipkartPath(dataDir), CommonOptions.FlipkartDetailsPath(dataDir), materialWords, brands: augmentation.Distant)
            : augmentation.Distant ? Augmenter.FlipkartBrands(CommonOptions.FlipkartPath(dataDir)) : null;
        var selfTrained = self is null ? null : SelfTrainedExamples(self, dataDir, device);
        if (self is not null)
        {
            augmentation = augmentation with { SelfTrainedPerEpoch = self.PerEpoch };
        }

        var examples = new Augmenter([.. train.Select(t => new TrainingExample(t.Title, t.Spans, ProductType: t.Category))], augmentation, distant, selfTrained);
        var tokenizer = TitleTokenizer.Create(MiniLmWeights.OpenVocabulary());
        Console.Error.WriteLine($"training on {train.Count} OA-Mine titles ({examples.BaseCount} per epoch{(augmentation.Oversample ? " after oversampling" : "")}), dev {dev.Count} titles, {labels.Attributes.Count} attributes, " +
            $"augmentation {augmentation}{(distant is null ? "" : $" ({distant.Count} Flipkart {(materialWords is null ? "brand titles" : $"titles with {(augmentation.Distant ? "a brand or " : "")}one of {materialWords.Count} material words")}, {augmentation.DistantPerEpoch} per epoch)")}{(augmentation.TypedShare > 0 ? string.Create(CultureInfo.InvariantCulture, $", {augmentation.TypedShare:0.##} of the titles behind their product type") : "")}" +
            $"{(selfTrained is null ? "" : $", self-training ({selfTrained.Count} titles with a sure span, {augmentation.SelfTrainedPerEpoch} per epoch)")}, " +
            string.Create(CultureInfo.InvariantCulture, $"{options.Layers} layers, {(options.Crf ? "CRF" : "softmax")} head, {decoding} decoding, lr {options.LearningRate} (head x{options.HeadLearningRateFactor}, layer decay {options.LayerDecay}), ") +
            $"batch {options.BatchSize}, up to {options.Epochs} epochs (patience {options.Patience}), seed {options.Seed}, device {device.type}");
        var stopwatch = Stopwatch.StartNew();
        var aligner = new SpanAligner(tokenizer, labels);
        var members = new List<(BertTokenClassifier Model, IReadOnlyList<EpochReport> Epochs, int Best, int Seed)>(plan.Count);
        for (var i = 0; i < plan.Count; i++)
        {
            // A soup's members share the head's initialisation (weights averaged must start alike); an ensemble's are independent.
            var memberOptions = plan.Count == 1 ? options : options with { Seed = options.Seed + i, InitSeed = plan.Soup > 1 ? options.Seed : null };
            if (plan.Count > 1)
            {
                Console.Error.WriteLine($"{(plan.Soup > 1 ? "soup" : "ensemble")} member {i + 1} of {plan.Count}: seed {memberOptions.Seed}");
            }

            var (trained, epochs, best) = TaggerTrainer.Train(examples, dev, aligner, memberOptions, decoding, Console.Error, device);
            members.Add((trained, epochs, best, memberOptions.Seed));
        }

        var (model, others, chosen, chosenF1) = plan.Ensemble > 1 ? ChooseEnsemble(members, dev, aligner, decoding, device) : Choose(members, dev, aligner, decoding, device);
        using (model)
        {
            var version = string.Create(CultureInfo.InvariantCulture,
                $"oamine-minilm-l{options.Layers}{(options.Crf ? "-crf" : "")}-{(augmentation.Any ? augmentation.ToString().Replace(',', '+') + "-" : "")}{(self is null ? "" : "self-")}{(augmentation.TypedShare > 0 ? "typed-" : "")}{chosen}-{DateTime.UtcNow:yyyyMMddHHmm}");
            var known = boundaryCheck ? KnownValues(train) : null;
            TaggerCheckpoint.Save(modelDir, new Checkpoint(model.to(TorchSharp.torch.CPU), labels, tokenizer, version, decoding, known, [.. others.Select(o => o.to(TorchSharp.torch.CPU))],
                Scoring.ProductTypesOf(train, inInput: augmentation.TypedShare > 0)));
            others.ForEach(o => o.Dispose());
            var path = Path.Combine(modelDir, TaggerCheckpoint.FileName);
            if (members.Count == 1)
            {
                var (_, epochs, best, _) = members[0];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"trained {version} in {stopwatch.Elapsed.TotalSeconds:F0} s ({epochs.Count} epochs); best dev epoch {best} (dev F1 {BestF1(members[0]):F4}); saved to {path}"));
            }
            else
            {
                foreach (var member in members)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{(plan.Soup > 1 ? "soup" : "ensemble")} member seed {member.Seed}: {member.Epochs.Count} epochs; best dev epoch {member.Best} (dev F1 {BestF1(member):F4})"));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {version} in {stopwatch.Elapsed.TotalSeconds:F0} s; dev F1 {chosenF1:F4}; saved to {path}"));
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>The teacher tags the self-training titles once; its sure spans become partial labels.</summary>
    private static List<TrainingExample> SelfTrainedExamples(SelfTraining self, string dataDir, TorchSharp.torch.Device device)
    {
        var titles = Augmenter.SelfTrainingTitles(CommonOptions.FlipkartPath(dataDir), CommonOptions.FlipkartDetailsPath(dataDir), self.Titles, seed: 1);
        using var teacher = new Tagger(CommonOptions.LoadCheckpoint(self.Teacher), device);
        var stopwatch = Stopwatch.StartNew();
        var examples = Augmenter.SelfTrained(titles, teacher.Tag(titles, batchSize: 64), self.Threshold);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"self-training: {teacher.Version} tagged {titles.Count} Flipkart titles in {stopwatch.Elapsed.TotalSeconds:F0} s; {examples.Count} have a span scored at least {self.Threshold} ({examples.Sum(e => e.Spans.Count)} spans)"));
        return examples;
    }

    /// <summary>The values the training titles label, by label, for the labels the boundary check reads.</summary>
    private static Dictionary<string, IReadOnlyCollection<string>> KnownValues(IEnumerable<OaMineTitle> train) =>
        train.SelectMany(t => t.Spans.Where(s => KnownValueBoundaries.Labels.Contains(s.Label, StringComparer.Ordinal))
                .Select(s => (s.Label, Value: KnownValueBoundaries.Fold(t.Title.AsSpan(s.Start, s.End - s.Start)))))
            .GroupBy(p => p.Label, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)g.Select(p => p.Value).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);

    private static double BestF1((BertTokenClassifier Model, IReadOnlyList<EpochReport> Epochs, int Best, int Seed) member) =>
        member.Epochs.FirstOrDefault(e => e.Epoch == member.Best)?.DevF1 ?? 0;

    /// <summary>
    /// All members side by side (the best on dev first: its CRF transitions decode), unless the ensemble's dev F1 is below
    /// the best member's (then that member alone).
    /// </summary>
    private static (BertTokenClassifier Model, List<BertTokenClassifier> Others, string Name, double DevF1) ChooseEnsemble(
        List<(BertTokenClassifier Model, IReadOnlyList<EpochReport> Epochs, int Best, int Seed)> members, IReadOnlyList<OaMineTitle> dev, SpanAligner aligner, DecodingMode decoding, TorchSharp.torch.Device device)
    {
        var ranked = members.OrderByDescending(BestF1).ToList();
        var seeds = string.Join('+', ranked.Select(m => m.Seed));
        // Not disposed: a tagger disposes its models, which are the ones saved below.
        var tagger = new Tagger(new Checkpoint(ranked[0].Model, aligner.Labels, aligner.Tokenizer, "dev", decoding, Others: [.. ranked.Skip(1).Select(m => m.Model)]), device);
        var ensembleF1 = Scoring.Score(tagger, dev).Full.Micro.F1;

        var best = BestF1(ranked[0]);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ensemble of seeds {seeds}: dev F1 {ensembleF1:F4}; members {string.Join(", ", ranked.Select(m => BestF1(m).ToString("F4", CultureInfo.InvariantCulture)))}"));
        if (ensembleF1 >= best)
        {
            return (ranked[0].Model, [.. ranked.Skip(1).Select(m => m.Model)], $"ens{members.Count}-s{seeds}", ensembleF1);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"the ensemble scored below its best member on dev ({ensembleF1:F4} < {best:F4}): saving that member, seed {ranked[0].Seed}, as one model"));
        ranked.Skip(1).ToList().ForEach(m => m.Model.Dispose());
        return (ranked[0].Model, [], $"s{ranked[0].Seed}", best);
    }

    /// <summary>One model: the only one, or the soup of all unless its dev F1 is below the best member's (then that member).</summary>
    private static (BertTokenClassifier Model, List<BertTokenClassifier> Others, string Name, double DevF1) Choose(
        List<(BertTokenClassifier Model, IReadOnlyList<EpochReport> Epochs, int Best, int Seed)> members, IReadOnlyList<OaMineTitle> dev, SpanAligner aligner, DecodingMode decoding, TorchSharp.torch.Device device)
    {
        if (members.Count == 1)
        {
            return (members[0].Model, [], $"s{members[0].Seed}", BestF1(members[0]));
        }

        var memberF1 = members.Select(BestF1).ToList();
        var bestMember = memberF1.IndexOf(memberF1.Max());
        var soup = new BertTokenClassifier(members[0].Model.Bert.Config, aligner.Labels, members[0].Model.Crf is not null);
        using (TorchSharp.torch.no_grad())
        {
            var first = members[0].Model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
            foreach (var (name, parameter) in soup.named_parameters())
            {
                parameter.copy_(first[name]);
            }
        }

        soup.to(device);
        TaggerSoup.Average(soup, [.. members.Skip(1).Select(m => m.Model)]);
        var soupF1 = TaggerTrainer.DevF1(soup, aligner, dev, decoding, device);
        soup.eval();
        var seeds = string.Join('+', members.Select(m => m.Seed));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soup of seeds {seeds}: dev F1 {soupF1:F4}; members {string.Join(", ", memberF1.Select(f => f.ToString("F4", CultureInfo.InvariantCulture)))}"));
        if (soupF1 >= memberF1[bestMember])
        {
            members.ForEach(m => m.Model.Dispose());
            return (soup, [], $"soup{members.Count}-s{seeds}", soupF1);
        }

        soup.Dispose();
        members.Where((_, i) => i != bestMember).ToList().ForEach(m => m.Model.Dispose());
        return (members[bestMember].Model, [], $"s{members[bestMember].Seed}", memberF1[bestMember]);
    }
}
