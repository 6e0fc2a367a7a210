using System.Diagnostics;
using Esrs.Tagging;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using static TorchSharp.torch;

namespace Esrs.Silo.Tagging;

/// <summary>
/// The fine-tuned TorchSharp tagger as the silo's one model, loaded once from the checkpoint (which carries its weights,
/// labels and vocabulary). Callers tokenise and decode; the batcher's thread only pads and runs the encoder.
/// </summary>
public sealed class TorchTagModel : ITagModel, IDisposable
{
    private readonly Tagger _tagger;
    private long _prepareTicks;
    private long _decodeTicks;

    private TorchTagModel(Tagger tagger) => _tagger = tagger;

    public string Version => _tagger.Version;

    public bool IsAvailable => true;

    /// <summary>Time spent in each step since start, summed over threads: tokenise (callers), pad and encode (batch thread), decode (callers).</summary>
    public TagModelTimes Times
    {
        get
        {
            var (pad, encode) = _tagger.RunTimes;
            return new TagModelTimes(Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _prepareTicks)), pad, encode, Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _decodeTicks)));
        }
    }

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
        if (!TaggerCheckpoint.Exists(directory))
        {
            return new UnavailableTagModel($"No tagger checkpoint in {Path.GetFullPath(directory)}; train one with ./esrs train-tagger.");
        }

        var device = (options.Device ?? (cuda.is_available() ? "cuda" : "cpu")) == "cuda" ? CUDA : CPU;
        set_num_threads(options.Threads ?? Environment.ProcessorCount);
        return new TorchTagModel(new Tagger(TaggerCheckpoint.Load(directory), device));
    }

    public PreparedText Prepare(string text)
    {
        var started = Stopwatch.GetTimestamp();
        var prepared = new Tokenized(text, _tagger.Prepare(text));
        Interlocked.Add(ref _prepareTicks, Stopwatch.GetTimestamp() - started);
        return prepared;
    }

    public void Run(IReadOnlyList<PreparedText> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var tokenized = batch.Cast<Tokenized>().ToList();
        var scores = _tagger.Run([.. tokenized.Select(t => t.Tokens)]);
        for (var i = 0; i < tokenized.Count; i++)
        {
            tokenized[i].Scores = scores[i];
        }
    }

    public AttributeTag[] Decode(PreparedText text)
    {
        var started = Stopwatch.GetTimestamp();
        var tokenized = (Tokenized)text;
        var spans = _tagger.Decode(tokenized.Tokens, tokenized.Scores ?? throw new InvalidOperationException("Decode before Run."));
        Interlocked.Add(ref _decodeTicks, Stopwatch.GetTimestamp() - started);
        return [.. spans.Select(s => new AttributeTag(s.Start, s.End, s.Label, s.Text, s.Score))];
    }

    public void Dispose() => _tagger.Dispose();

    private sealed class Tokenized(string text, TokenizedText tokens) : PreparedText(text)
    {
        public TokenizedText Tokens => tokens;

        public float[]? Scores { get; set; }
    }
}
