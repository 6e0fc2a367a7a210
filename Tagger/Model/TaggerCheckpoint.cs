using System.Globalization;
using System.Text.Json;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Onnx;

namespace Esrs.Tagging.Model;

/// <summary>
/// A fine-tuned tagger on disk: one safetensors file whose metadata holds everything else it needs to run (label list,
/// layer count, head, decoding, the WordPiece vocabulary, the model version, the known values of the boundary check and the
/// attributes of each product type it was trained on), so a
/// silo needs nothing but this file. An ensemble adds one file per further member (<c>tagger.member-1.safetensors</c>, ...),
/// each naming the version of the checkpoint it belongs to, and the main file says how many there are. Members are written
/// before the main file and left-over ones deleted after it; a reader that meets a member of another version (a load in
/// the middle of a save) refuses it with the file named rather than mixing two checkpoints' models.
/// </summary>
public static class TaggerCheckpoint
{
    public const string FileName = "tagger.safetensors";

    /// <summary>File of ensemble member <paramref name="index"/> (from 1; the main file is member 0).</summary>
    public static string MemberFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"tagger.member-{index}.safetensors");

    public static void Save(string directory, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Directory.CreateDirectory(directory);
        var others = checkpoint.Others ?? [];
        for (var i = 0; i < others.Count; i++)
        {
            var member = Path.Combine(directory, MemberFileName(i + 1));
            SafeTensors.Save(member + ".partial", others[i], new Dictionary<string, string> { ["member_of"] = checkpoint.Version });
            File.Move(member + ".partial", member, overwrite: true);
        }

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

        if (checkpoint.ProductTypes is { } types)
        {
            metadata["product_types"] = JsonSerializer.Serialize(types.ToSorted());
            metadata["product_type_input"] = types.InInput ? "true" : "false";
        }

        if (others.Count > 0)
        {
            metadata["members"] = (others.Count + 1).ToString(CultureInfo.InvariantCulture);
        }

        SafeTensors.Save(partial, checkpoint.Model, metadata);
        File.Move(partial, path, overwrite: true);

        // Members of an earlier checkpoint in this folder: not read with this one (they name another version), deleted.
        for (var i = others.Count + 1; File.Exists(Path.Combine(directory, MemberFileName(i))); i++)
        {
            File.Delete(Path.Combine(directory, MemberFileName(i)));
        }
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
        var crf = metadata.GetValueOrDefault("head") == "crf";
        BertTokenClassifier Build(Dictionary<string, OnnxTensor> weights)
        {
            var built = new BertTokenClassifier(config, labels, crf);
            BertWeights.LoadInto(built, weights);
            built.eval();
            return built;
        }

        var model = Build(tensors);
        var decoding = Enum.Parse<DecodingMode>(metadata.GetValueOrDefault("decoding") ?? "argmax", ignoreCase: true);
        var known = metadata.TryGetValue("known_values", out var json)
            ? JsonSerializer.Deserialize<Dictionary<string, string[]>>(json)?.ToDictionary(p => p.Key, p => (IReadOnlyCollection<string>)p.Value, StringComparer.Ordinal)
            : null;
        var types = metadata.TryGetValue("product_types", out var typesJson)
            ? new ProductTypes(JsonSerializer.Deserialize<Dictionary<string, string[]>>(typesJson)?.ToDictionary(p => p.Key, p => (IReadOnlyCollection<string>)p.Value, StringComparer.Ordinal) ?? [],
                inInput: metadata.GetValueOrDefault("product_type_input") == "true")
            : null;
        var version = metadata["version"];
        var members = int.Parse(metadata.GetValueOrDefault("members") ?? "1", CultureInfo.InvariantCulture);
        var others = new List<BertTokenClassifier>(members - 1);
        try
        {
            for (var i = 1; i < members; i++)
            {
                var memberPath = Path.Combine(directory, MemberFileName(i));
                if (!File.Exists(memberPath))
                {
                    throw new FileNotFoundException($"{path} is an ensemble of {members} models but {MemberFileName(i)} is missing beside it.", memberPath);
                }

                var (memberTensors, memberMetadata) = SafeTensors.Load(memberPath);
                if (memberMetadata.GetValueOrDefault("member_of") != version)
                {
                    throw new FormatException($"{memberPath} belongs to checkpoint '{memberMetadata.GetValueOrDefault("member_of")}', not to '{version}' beside it; train again with ./esrs train-tagger.");
                }

                others.Add(Build(memberTensors));
            }
        }
        catch
        {
            others.ForEach(o => o.Dispose());
            model.Dispose();
            throw;
        }

        return new Checkpoint(model, labels, TitleTokenizer.Create(vocabulary), version, decoding, known, others, types);
    }
}
