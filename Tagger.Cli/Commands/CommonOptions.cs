using Esrs.Cli;
using System.CommandLine;
using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using static TorchSharp.torch;

namespace Esrs.Tagging.Commands;

/// <summary>Options several tagger commands share, and the files they point at.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "Checkpoint directory (tagger.safetensors)",
        DefaultValueFactory = _ => Path.Combine(".data", "tagger"),
    };

    public static Option<string> Data() => new("--data")
    {
        Description = "Folder of the data sets (oamine-product-title-attributes/, flipkart-product-catalog/); default $ESRS_DATA or ../shared/data",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ESRS_DATA") is { Length: > 0 } data ? data : Path.Combine("..", "shared", "data"),
    };

    public static Option<string> Device()
    {
        var option = new Option<string>("--device") { Description = "cpu or cuda (default: cuda when available)" };
        option.AcceptOnlyFromAmong("cpu", "cuda");
        return option;
    }

    public static Option<int> Positive(string name, string description, int defaultValue) =>
        OptionChecks.Positive(name, description, defaultValue);

    public static Device ToDevice(string? name)
    {
        var chosen = name ?? (cuda.is_available() ? "cuda" : "cpu");
        if (chosen == "cuda" && !cuda.is_available())
        {
            throw new UsageException("--device cuda: no CUDA device (or no CUDA build of libtorch) here.");
        }

        return chosen == "cuda" ? CUDA : CPU;
    }

    public static List<OaMineTitle> ReadOaMine(string dataDir)
    {
        var path = Path.Combine(dataDir, "oamine-product-title-attributes", OaMine.FileName);
        return File.Exists(path) ? [.. OaMine.Read(path)] : throw new UsageException($"OA-Mine data not found: {Path.GetFullPath(path)} (use --data DIR)");
    }

    public static string FlipkartPath(string dataDir)
    {
        var path = Path.Combine(dataDir, "flipkart-product-catalog", Datasets.FlipkartCatalog.FileName);
        return File.Exists(path) ? path : throw new UsageException($"Flipkart catalogue not found: {Path.GetFullPath(path)} (use --data DIR)");
    }

    public static string FlipkartDetailsPath(string dataDir)
    {
        var path = Path.Combine(dataDir, "flipkart-product-catalog", Datasets.FlipkartCatalog.DetailsFileName);
        return File.Exists(path) ? path : throw new UsageException($"Flipkart details not found: {Path.GetFullPath(path)} (use --data DIR)");
    }

    public static Checkpoint LoadCheckpoint(string modelDir) =>
        TaggerCheckpoint.Exists(modelDir) ? TaggerCheckpoint.Load(modelDir) : throw NoCheckpoint(modelDir);

    /// <summary>The usage error for a checkpoint directory that holds none.</summary>
    public static UsageException NoCheckpoint(string modelDir) =>
        new($"No tagger checkpoint at {Path.GetFullPath(Path.Combine(modelDir, TaggerCheckpoint.FileName))}; train one with ./esrs train-tagger.");
}
