using Esrs.Tagging;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tagging.Training;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace Esrs.Silo.Tagging;

/// <summary>The fine-tuned TorchSharp tagger as the silo's one model: loaded once from the checkpoint, run under no-grad by the batcher.</summary>
public sealed class TorchTagModel : ITagModel, IDisposable
{
    private readonly Tagger _tagger;

    private TorchTagModel(Tagger tagger) => _tagger = tagger;

    public string Version => _tagger.Version;

    public bool IsAvailable => true;

    /// <summary>Whether this silo has an accelerator: the option when set, else whether CUDA is available (false when the device is pinned to cpu).</summary>
    public static bool DetectAccelerator(TaggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Accelerator ?? (options.Device != "cpu" && cuda.is_available());
    }

    /// <summary>Loads the checkpoint in <see cref="TaggerOptions.ModelDirectory"/>, or returns an <see cref="UnavailableTagModel"/> that says why not.</summary>
    public static ITagModel Load(TaggerOptions options, string defaultDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = options.ModelDirectory ?? defaultDirectory;
        if (!File.Exists(Path.Combine(directory, TaggerCheckpoint.FileName)))
        {
            return new UnavailableTagModel($"No tagger checkpoint in {Path.GetFullPath(directory)}; train one with ./esrs train-tagger.");
        }

        var device = (options.Device ?? (cuda.is_available() ? "cuda" : "cpu")) == "cuda" ? CUDA : CPU;
        set_num_threads(options.Threads ?? Environment.ProcessorCount);
        var (model, labels, version) = TaggerCheckpoint.Load(directory);
        var tokenizer = BertTokenizer.Create(MiniLmWeights.OpenVocabulary(), new BertOptions { LowerCaseBeforeTokenization = true });
        return new TorchTagModel(new Tagger(model.to(device), new SpanAligner(tokenizer, labels), version, device));
    }

    public AttributeTag[][] Tag(IReadOnlyList<string> texts)
    {
        var tagged = _tagger.Tag(texts);
        var result = new AttributeTag[tagged.Count][];
        for (var i = 0; i < tagged.Count; i++)
        {
            result[i] = [.. tagged[i].Select(s => new AttributeTag(s.Start, s.End, s.Label, s.Text, s.Score))];
        }

        return result;
    }

    public void Dispose() => _tagger.Dispose();
}
