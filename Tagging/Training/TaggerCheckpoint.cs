using System.Text.Json;
using Esrs.Tagging.Data;
using Esrs.Tagging.Model;

namespace Esrs.Tagging.Training;

/// <summary>A fine-tuned tagger on disk: one safetensors file whose metadata holds the label list, the layer count and the model version.</summary>
public static class TaggerCheckpoint
{
    public const string FileName = "tagger.safetensors";

    public static void Save(string directory, BertTokenClassifier model, LabelMap labels, string version)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        Directory.CreateDirectory(directory);
        SafeTensors.Save(Path.Combine(directory, FileName), model, new Dictionary<string, string>
        {
            ["version"] = version,
            ["base"] = "sentence-transformers/all-MiniLM-L6-v2",
            ["layers"] = model.Bert.Config.Layers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["attributes"] = JsonSerializer.Serialize(labels.Attributes),
        });
    }

    public static (BertTokenClassifier Model, LabelMap Labels, string Version) Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No tagger checkpoint at {path}; train one with ./esrs train-tagger.", path);
        }

        var (tensors, metadata) = SafeTensors.Load(path);
        var labels = new LabelMap(JsonSerializer.Deserialize<string[]>(metadata["attributes"]) ?? []);
        var config = BertConfig.MiniLmL6 with { Layers = int.Parse(metadata["layers"], System.Globalization.CultureInfo.InvariantCulture) };
        var model = new BertTokenClassifier(config, labels.Count);
        BertWeights.LoadInto(model, tensors);
        model.eval();
        return (model, labels, metadata["version"]);
    }
}
