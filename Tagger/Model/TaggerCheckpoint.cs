using System.Globalization;
using System.Text.Json;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Model;

/// <summary>
/// A fine-tuned tagger on disk: one safetensors file whose metadata holds everything else it needs to run (label list,
/// layer count, head, decoding, the WordPiece vocabulary, the model version and the known values of the boundary check), so a
/// silo needs nothing but this file.
/// </summary>
public static class TaggerCheckpoint
{
    public const string FileName = "tagger.safetensors";

    public static void Save(string directory, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        // Write beside, then move: a silo or a reader never sees half a file.
        var partial = path + ".partial";
        var metadata = new Dictionary<string, string>
        {
            ["version"] = checkpoint.Version,
            ["base"] = "sentence-transformers/all-MiniLM-L6-v2",
            ["layers"] = checkpoint.Model.Bert.Config.Layers.ToString(CultureInfo.InvariantCulture),
            ["attributes"] = JsonSerializer.Serialize(checkpoint.Labels.Attributes),
            ["head"] = checkpoint.Model.Crf is null ? "softmax" : "crf",
            ["decoding"] = checkpoint.Decoding.ToString().ToLowerInvariant(),
            ["vocab"] = checkpoint.Tokenizer.Vocabulary,
        };
        if (checkpoint.KnownValues is { } known)
        {
            metadata["known_values"] = JsonSerializer.Serialize(known.OrderBy(p => p.Key, StringComparer.Ordinal)
                .ToDictionary(p => p.Key, p => p.Value.Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal));
        }

        SafeTensors.Save(partial, checkpoint.Model, metadata);
        File.Move(partial, path, overwrite: true);
    }

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, FileName));

    public static Checkpoint Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No tagger checkpoint at {Path.GetFullPath(path)}; train one with ./esrs train-tagger.", path);
        }

        var (tensors, metadata) = SafeTensors.Load(path);
        if (!metadata.TryGetValue("vocab", out var vocabulary))
        {
            throw new FormatException($"{path} was written before checkpoints carried their vocabulary; train it again with ./esrs train-tagger.");
        }

        var labels = new LabelMap(JsonSerializer.Deserialize<string[]>(metadata["attributes"]) ?? []);
        var config = BertConfig.MiniLmL6 with { Layers = int.Parse(metadata["layers"], CultureInfo.InvariantCulture) };
        var model = new BertTokenClassifier(config, labels, crf: metadata.GetValueOrDefault("head") == "crf");
        BertWeights.LoadInto(model, tensors);
        model.eval();
        var decoding = Enum.Parse<DecodingMode>(metadata.GetValueOrDefault("decoding") ?? "argmax", ignoreCase: true);
        var known = metadata.TryGetValue("known_values", out var json)
            ? JsonSerializer.Deserialize<Dictionary<string, string[]>>(json)?.ToDictionary(p => p.Key, p => (IReadOnlyCollection<string>)p.Value, StringComparer.Ordinal)
            : null;
        return new Checkpoint(model, labels, TitleTokenizer.Create(vocabulary), metadata["version"], decoding, known);
    }
}
