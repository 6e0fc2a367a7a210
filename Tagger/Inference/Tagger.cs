using System.Diagnostics;
using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Esrs.Tagging.Inference;

/// <summary>
/// Tags texts with a fine-tuned classifier in three steps that may run on different threads: <see cref="Prepare"/>
/// (tokenise; any string), <see cref="Run"/> (pad and run the model under no-grad on a batch; the only step that
/// touches the model) and <see cref="Decode"/> (labels to character spans in the original text).
/// </summary>
public sealed class Tagger : IDisposable
{
    private readonly BertTokenClassifier _model;
    private readonly BertTokenClassifier[] _others;
    private readonly SpanAligner _aligner;
    private readonly BioDecoder _decoder;
    private readonly Device _device;
    private readonly KnownValueBoundaries? _boundaries;
    private readonly string?[] _labelAttributes;
    private long _padTicks;
    private long _encodeTicks;

    /// <param name="checkpoint">The model and what it needs.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="decoding">Overrides the checkpoint's decoding.</param>
    /// <param name="maxTokens">Longest piece sequence.</param>
    /// <param name="boundaryCheck">False turns off the checkpoint's boundary check against known values (to measure it).</param>
    /// <param name="productTypes">The product types' attributes, for a checkpoint saved before it kept them (else the checkpoint's).</param>
    public Tagger(Checkpoint checkpoint, Device device, DecodingMode? decoding = null, int maxTokens = 128, bool boundaryCheck = true, ProductTypes? productTypes = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        _model = checkpoint.Model.to(device);
        _model.eval();
        _others = [.. (checkpoint.Others ?? []).Select(o => o.to(device))];
        foreach (var other in _others)
        {
            other.eval();
        }

        _aligner = new SpanAligner(checkpoint.Tokenizer, checkpoint.Labels);
        Version = checkpoint.Version;
        Decoding = decoding ?? checkpoint.Decoding;
        var crf = _model.Crf?.Scores();
        _decoder = new BioDecoder(checkpoint.Labels, crf?.Transitions, crf?.Start, crf?.End);
        _device = device;
        MaxTokens = maxTokens;
        _boundaries = boundaryCheck && checkpoint.KnownValues is { Count: > 0 } known ? new KnownValueBoundaries(known) : null;
        _labelAttributes = [.. Enumerable.Range(0, checkpoint.Labels.Count).Select(id => checkpoint.Labels.Describe(id)?.Attribute)];
        ProductTypes = checkpoint.ProductTypes ?? productTypes;
    }

    /// <summary>The attribute schema of the product types the checkpoint was trained on, or null (a checkpoint from before it was kept).</summary>
    public ProductTypes? ProductTypes { get; }

    /// <summary>Whether span boundaries are checked against the values known from training (<see cref="KnownValueBoundaries"/>).</summary>
    public bool ChecksBoundaries => _boundaries is not null;

    public string Version { get; }

    /// <summary>Models whose label probabilities are averaged (1: a single model; more: an ensemble, that many times the work).</summary>
    public int Members => _others.Length + 1;

    public DecodingMode Decoding { get; }

    /// <summary>Longest piece sequence, [CLS] and [SEP] included; pieces past it are not tagged.</summary>
    public int MaxTokens { get; }

    public LabelMap Labels => _aligner.Labels;

    /// <summary>Time spent in <see cref="Run"/> padding (building the input tensors) and encoding (model, softmax, copy out).</summary>
    public (TimeSpan Pad, TimeSpan Encode) RunTimes => (Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _padTicks)), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _encodeTicks)));

    /// <summary>Tokenises one text (any string: tabs, control characters, emoji... never throw).</summary>
    public TokenizedText Prepare(string text) => _aligner.Encode(text ?? "", null, MaxTokens);

    /// <summary>
    /// Label log-probabilities of each text, row-major [piece, label] over its own pieces. Texts of very different lengths
    /// are run in several sub-batches of similar length (see <see cref="LengthGroups"/>): a batch pads to its longest text.
    /// </summary>
    /// <param name="batch">Tokenised texts.</param>
    /// <param name="groupByLength">False runs the whole batch in one padded call (to measure what grouping saves).</param>
    public float[][] Run(IReadOnlyList<TokenizedText> batch, bool groupByLength = true)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!groupByLength)
        {
            return batch.Count == 0 ? [] : RunPadded(batch);
        }

        var result = new float[batch.Count][];
        var order = Enumerable.Range(0, batch.Count).OrderBy(i => batch[i].Ids.Length).ToArray();
        foreach (var (from, to) in LengthGroups([.. order.Select(i => batch[i].Ids.Length)]))
        {
            var members = order[from..to];
            var scores = RunPadded([.. members.Select(i => batch[i])]);
            for (var m = 0; m < members.Length; m++)
            {
                result[members[m]] = scores[m];
            }
        }

        return result;
    }

    /// <summary>
    /// Splits lengths sorted ascending into runs [from, to) that minimise the model's cost, modelled as a fixed cost per call
    /// plus one per padded position (<paramref name="callCost"/> positions' worth, measured on 2 cores: a call costs about what
    /// 128 padded positions do).
    /// </summary>
    public static List<(int From, int To)> LengthGroups(IReadOnlyList<int> sortedLengths, int callCost = 128)
    {
        ArgumentNullException.ThrowIfNull(sortedLengths);
        var n = sortedLengths.Count;
        var best = new long[n + 1];
        var cut = new int[n + 1];
        for (var to = 1; to <= n; to++)
        {
            best[to] = long.MaxValue;
            for (var from = 0; from < to; from++)
            {
                // Sorted: the group pads to its last (longest) text.
                var cost = best[from] + callCost + ((long)(to - from) * sortedLengths[to - 1]);
                if (cost < best[to])
                {
                    (best[to], cut[to]) = (cost, from);
                }
            }
        }

        var groups = new List<(int, int)>();
        for (var to = n; to > 0; to = cut[to])
        {
            groups.Add((cut[to], to));
        }

        groups.Reverse();
        return groups;
    }

    private float[][] RunPadded(IReadOnlyList<TokenizedText> batch)
    {
        var started = Stopwatch.GetTimestamp();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask) = Batches.Pad(batch, _device);
        var padded = Stopwatch.GetTimestamp();
        var types = zeros_like(ids);
        var scores = _model.forward(ids, types, mask).log_softmax(-1);
        if (_others.Length > 0)
        {
            // An ensemble: the mean of the members' label probabilities, back in log space (log-sum-exp less log n).
            var all = stack([scores, .. _others.Select(o => o.forward(ids, types, mask).log_softmax(-1))]);
            scores = all.logsumexp(0).sub_(Math.Log(_others.Length + 1));
        }

        scores = scores.cpu();
        var values = scores.data<float>().ToArray();
        var (seq, labels) = ((int)ids.shape[1], (int)scores.shape[2]);
        var result = new float[batch.Count][];
        for (var b = 0; b < batch.Count; b++)
        {
            result[b] = values.AsSpan(b * seq * labels, batch[b].Ids.Length * labels).ToArray();
        }

        var done = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _padTicks, padded - started);
        Interlocked.Add(ref _encodeTicks, done - padded);
        return result;
    }

    /// <summary>The spans of one text from its <see cref="Run"/> scores, with offsets into the text and a confidence.</summary>
    /// <param name="tokens">The text, as <see cref="Prepare"/> gave it.</param>
    /// <param name="scores">Its row of <see cref="Run"/>'s result.</param>
    /// <param name="attributes">
    /// The attributes the text may carry (its product type's, <see cref="Inference.ProductTypes"/>): every other attribute's labels
    /// are ruled out before decoding, so a word the model puts between FLAVOR and SCENT in a conditioner title gets SCENT; a
    /// span's score is then its probability among those labels. Null: all.
    /// </param>
    /// <param name="textStart">
    /// Where the text proper starts in what was tagged (after a product type shown before it, <see cref="ModelInput"/>): spans
    /// before it are dropped, one across it starts there, and offsets count from it.
    /// </param>
    public List<TaggedSpan> Decode(TokenizedText tokens, float[] scores, IReadOnlySet<string>? attributes = null, int textStart = 0)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(scores);
        var n = _aligner.Labels.Count;
        if (attributes is not null)
        {
            scores = Restrict(scores, n, attributes);
        }

        var predicted = _decoder.Decode(tokens, scores, Decoding);
        var spans = _aligner.Decode(tokens, predicted);
        var result = new List<TaggedSpan>(spans.Count);
        // Viterbi: the label probabilities of the model it decodes (CRF transitions included); argmax: each word's softmax.
        var marginals = Decoding == DecodingMode.Viterbi && spans.Count > 0 ? _decoder.Marginals(tokens, scores) : null;
        foreach (var found in spans)
        {
            if (found.End <= textStart)
            {
                continue;
            }

            // Cut before the boundary check and the confidence: both are about the text's own words.
            var decoded = found.Start >= textStart ? found : found with { Start = textStart };
            var span = _boundaries is null || !_boundaries.Checks(decoded.Label)
                ? decoded
                : decoded with { End = _boundaries.Check(decoded.Label, tokens.Text, decoded.Start, decoded.End, WordEnds(tokens, decoded.Start, decoded.End)) };
            // Confidence: the mean probability of the chosen label over the span's words.
            double sum = 0;
            var words = 0;
            var word = -1;
            for (var t = 0; t < tokens.Ids.Length; t++)
            {
                var start = tokens.Offsets[t].Start.Value;
                if (!tokens.StartsWord[t] || tokens.Offsets[t].End.Value <= start)
                {
                    continue;
                }

                word++;
                if (start >= span.Start && start < span.End)
                {
                    sum += marginals is null ? Math.Exp(scores[(t * n) + predicted[t]]) : marginals[(word * n) + predicted[t]];
                    words++;
                }
            }

            result.Add(new TaggedSpan(span.Start - textStart, span.End - textStart, span.Label, tokens.Text[span.Start..span.End], words == 0 ? 0 : Math.Round(sum / words, 4)));
        }

        return result;
    }

    /// <summary>A copy of <paramref name="scores"/> in which labels of attributes outside <paramref name="attributes"/> score (log) zero probability.</summary>
    private float[] Restrict(float[] scores, int labels, IReadOnlySet<string> attributes)
    {
        Span<bool> outside = stackalloc bool[labels];
        var any = false;
        for (var label = 0; label < labels; label++)
        {
            outside[label] = _labelAttributes[label] is { } attribute && !attributes.Contains(attribute);
            any |= outside[label];
        }

        if (!any)
        {
            return scores;
        }

        var restricted = (float[])scores.Clone();
        for (var row = 0; row + labels <= restricted.Length; row += labels)
        {
            for (var label = 0; label < labels; label++)
            {
                if (outside[label])
                {
                    // As good as impossible (exp of it is 0), and finite like every other score the decoders add and compare.
                    restricted[row + label] = RuledOutScore;
                }
            }
        }

        return restricted;
    }

    private const float RuledOutScore = -1e9f;

    /// <summary>Where the words inside [start, end) end (a word: a first piece and its continuation pieces).</summary>
    private static List<int> WordEnds(TokenizedText tokens, int start, int end)
    {
        var ends = new List<int>();
        for (var t = 0; t < tokens.Ids.Length; t++)
        {
            var (from, to) = (tokens.Offsets[t].Start.Value, tokens.Offsets[t].End.Value);
            var last = t + 1 == tokens.Ids.Length || tokens.StartsWord[t + 1] || tokens.Offsets[t + 1].Start.Value == tokens.Offsets[t + 1].End.Value;
            if (from < to && from >= start && to <= end && last)
            {
                ends.Add(to);
            }
        }

        return ends;
    }

    /// <summary>Prepare, run and decode in one go (batches of the given size).</summary>
    /// <param name="texts">The texts.</param>
    /// <param name="batchSize">Texts per model call.</param>
    /// <param name="typeNames">
    /// Per text, its product type's name or null. A type <see cref="ProductTypes"/> knows limits the text's spans to that
    /// type's attributes and, for a model trained with types in its input, is shown to the model before the text; spans
    /// stay in the text's own offsets. Null: no text has a type.
    /// </param>
    public IReadOnlyList<IReadOnlyList<TaggedSpan>> Tag(IReadOnlyList<string> texts, int batchSize = 32, IReadOnlyList<string?>? typeNames = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (typeNames is not null && typeNames.Count != texts.Count)
        {
            throw new ArgumentException($"{typeNames.Count} product types for {texts.Count} texts.", nameof(typeNames));
        }

        var results = new List<IReadOnlyList<TaggedSpan>>(texts.Count);
        for (var offset = 0; offset < texts.Count; offset += batchSize)
        {
            var count = Math.Min(batchSize, texts.Count - offset);
            var attributes = new IReadOnlySet<string>?[count];
            var skipped = new int[count];
            var prepared = new List<TokenizedText>(count);
            for (var i = 0; i < count; i++)
            {
                var type = typeNames?[offset + i];
                attributes[i] = ProductTypes?.AttributesOf(type);
                (var input, skipped[i]) = ModelInput(texts[offset + i], type);
                prepared.Add(Prepare(input));
            }

            var scores = Run(prepared);
            for (var i = 0; i < count; i++)
            {
                results.Add(Decode(prepared[i], scores[i], attributes[i], skipped[i]));
            }
        }

        return results;
    }

    /// <summary>
    /// What the model is shown for <paramref name="text"/> of product type <paramref name="type"/>: the text, behind its type
    /// (<see cref="Inference.ProductTypes.Prefix"/>) when the model was trained so and knows the type; and where the text starts in it.
    /// </summary>
    public (string Input, int TextStart) ModelInput(string? text, string? type)
    {
        // As Prepare: no text is an empty one, never an exception.
        text ??= "";
        if (ProductTypes is not { InInput: true } types || types.NameOf(type) is not { } name)
        {
            return (text, 0);
        }

        // The name as training wrote it, whatever the caller's case.
        var prefix = ProductTypes.Prefix(name);
        return (prefix + text, prefix.Length);
    }

    public void Dispose()
    {
        _model.Dispose();
        foreach (var other in _others)
        {
            other.Dispose();
        }
    }
}
