using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tagging.Training;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Esrs.Tagging;

/// <summary><c>train</c>, <c>eval</c> and <c>tag</c>: fine-tune on OA-Mine train, score on OA-Mine test, tag stdin lines.</summary>
public static class TaggerCommands
{
    private const string Usage = """
        usage: Esrs.Tagging train [--epochs N] [--batch N] [--lr X] [--layers N] [--seed N] [--augment none|all|distant,noise,substitute,oversample]
                           [--model DIR] [--data DIR] [--device cpu|cuda]
               Esrs.Tagging eval  [--model DIR] [--data DIR] [--device cpu|cuda]
               Esrs.Tagging tag   [--model DIR] [--device cpu|cuda]   (one text per stdin line, one JSON object per stdout line)
               Esrs.Tagging bench [--threads N] [--seq N]   (encoder sequences/s, TorchSharp vs ONNX Runtime)
        """;

    // Lines for terminals and pipes, not HTML: keep apostrophes and non-ASCII readable.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "bench")
        {
            var benchOptions = Options(args.Skip(1).ToArray());
            Console.WriteLine(Benchmarks.EncoderBench.Run(Int(benchOptions, "threads") ?? 2, Int(benchOptions, "seq") ?? 32, [1, 8, 32, 64], Console.Error));
            return 0;
        }

        if (args.Length == 0 || args[0] is not ("train" or "eval" or "tag"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var options = Options(args.Skip(1).ToArray());
        var modelDir = options.GetValueOrDefault("model") ?? Path.Combine(".data", "tagger");
        var dataDir = options.GetValueOrDefault("data") ?? Environment.GetEnvironmentVariable("ESRS_DATA") ?? Path.Combine("..", "shared", "data");
        var device = (options.GetValueOrDefault("device") ?? (cuda.is_available() ? "cuda" : "cpu")) switch
        {
            "cuda" => CUDA,
            "cpu" => CPU,
            var other => throw new ArgumentException($"--device must be cpu or cuda, not '{other}'"),
        };
        set_num_threads(Environment.ProcessorCount);
        var tokenizer = BertTokenizer.Create(MiniLmWeights.OpenVocabulary(), new BertOptions { LowerCaseBeforeTokenization = true });
        switch (args[0])
        {
            case "train":
                Train(tokenizer, dataDir, modelDir, device, options);
                return 0;
            case "eval":
                Evaluate(tokenizer, dataDir, modelDir, device);
                return 0;
            default:
                await TagAsync(tokenizer, modelDir, device);
                return 0;
        }
    }

    private static void Train(BertTokenizer tokenizer, string dataDir, string modelDir, Device device, Dictionary<string, string> options)
    {
        var titles = ReadOaMine(dataDir);
        var train = titles.Where(t => t.Split == "train").ToList();
        var labels = new LabelMap(train.SelectMany(t => t.Spans).Select(s => s.Label));
        var trainer = new TrainerOptions
        {
            Epochs = Int(options, "epochs") ?? 10,
            BatchSize = Int(options, "batch") ?? 16,
            LearningRate = options.TryGetValue("lr", out var lr) ? double.Parse(lr, CultureInfo.InvariantCulture) : 1e-4,
            Layers = Int(options, "layers") ?? 6,
            Seed = Int(options, "seed") ?? 42,
        };
        var augmentation = AugmentationOptions.Parse(options.GetValueOrDefault("augment"));
        var distant = augmentation.Distant ? Augmenter.FlipkartBrands(FlipkartPath(dataDir)) : null;
        var examples = new Augmenter([.. train.Select(t => new TrainingExample(t.Title, t.Spans))], augmentation, distant);
        Console.Error.WriteLine($"training on {train.Count} OA-Mine titles ({examples.BaseCount} per epoch after oversampling), {labels.Attributes.Count} attributes, " +
            $"augmentation {augmentation}{(distant is null ? "" : $" ({distant.Count} Flipkart brand titles, {augmentation.DistantPerEpoch} per epoch)")}, " +
            $"{trainer.Layers} layers, {trainer.Epochs} epochs, device {device.type}");
        var stopwatch = Stopwatch.StartNew();
        using var model = TaggerTrainer.Train(examples, new SpanAligner(tokenizer, labels), trainer, Console.Error, device);
        var version = string.Create(CultureInfo.InvariantCulture, $"oamine-minilm-l{trainer.Layers}-{(augmentation.Any ? augmentation.ToString().Replace(',', '+') + "-" : "")}{DateTime.UtcNow:yyyyMMddHHmm}");
        TaggerCheckpoint.Save(modelDir, model.to(CPU), labels, version);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained {version} in {stopwatch.Elapsed.TotalSeconds:F0} s; saved to {Path.Combine(modelDir, TaggerCheckpoint.FileName)}"));
    }

    private static void Evaluate(BertTokenizer tokenizer, string dataDir, string modelDir, Device device)
    {
        var (model, labels, version) = TaggerCheckpoint.Load(modelDir);
        var test = ReadOaMine(dataDir).Where(t => t.Split == "test").ToList();
        using var tagger = new Tagger(model.to(device), new SpanAligner(tokenizer, labels), version, device);
        var full = new SpanMetrics();
        var coarse = new SpanMetrics();
        for (var offset = 0; offset < test.Count; offset += 64)
        {
            var batch = test.GetRange(offset, Math.Min(64, test.Count - offset));
            var predicted = tagger.Tag([.. batch.Select(t => t.Title)]);
            for (var i = 0; i < batch.Count; i++)
            {
                var spans = predicted[i].Select(s => new LabeledSpan(s.Start, s.End, s.Label)).ToList();
                full.Add(batch[i].Spans, spans);
                coarse.Add(batch[i].Spans, spans, SpanMetrics.Coarse);
            }
        }

        Console.WriteLine($"model {version}, OA-Mine test split ({test.Count} titles), strict span match");
        Console.WriteLine();
        Console.WriteLine(full.ToTable());
        Console.WriteLine("coarse labels:");
        Console.WriteLine(coarse.ToTable());
    }

    private static async Task TagAsync(BertTokenizer tokenizer, string modelDir, Device device)
    {
        var (model, labels, version) = TaggerCheckpoint.Load(modelDir);
        using var tagger = new Tagger(model.to(device), new SpanAligner(tokenizer, labels), version, device);
        var batch = new List<string>(32);
        async Task FlushAsync()
        {
            var tagged = tagger.Tag(batch);
            for (var i = 0; i < batch.Count; i++)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new { text = batch[i], spans = tagged[i] }, Json));
            }

            batch.Clear();
        }

        while (await Console.In.ReadLineAsync() is { } line)
        {
            batch.Add(line);
            if (batch.Count == 32)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
    }

    private static List<OaMineTitle> ReadOaMine(string dataDir)
    {
        var path = Path.Combine(dataDir, "oamine-product-title-attributes", OaMine.FileName);
        return File.Exists(path) ? [.. OaMine.Read(path)] : throw new FileNotFoundException($"OA-Mine data not found: {Path.GetFullPath(path)} (use --data DIR)", path);
    }

    private static string FlipkartPath(string dataDir)
    {
        var path = Path.Combine(dataDir, "flipkart-product-catalog", Datasets.FlipkartCatalog.FileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Flipkart catalogue not found: {Path.GetFullPath(path)} (use --data DIR)", path);
    }

    private static Dictionary<string, string> Options(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'\n{Usage}");
            }

            options[args[i][2..]] = args[++i];
        }

        return options;
    }

    private static int? Int(Dictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : null;
}
