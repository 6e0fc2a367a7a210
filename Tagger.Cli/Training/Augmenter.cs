using System.Text;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Training;

/// <summary>
/// Builds each epoch's examples: the labelled titles (repeated for rare labels), each transformed by the enabled
/// per-epoch augmentations, plus a fresh draw of distantly supervised catalogue titles.
/// </summary>
public sealed partial class Augmenter
{
    private readonly IReadOnlyList<TrainingExample> _titles;
    private readonly AugmentationOptions _options;
    private readonly IReadOnlyList<TrainingExample> _distant;
    private readonly IReadOnlyList<TrainingExample> _selfTrained;
    private readonly Dictionary<string, string[]> _values;
    private readonly List<TrainingExample> _base;

    public Augmenter(IReadOnlyList<TrainingExample> titles, AugmentationOptions options, IReadOnlyList<TrainingExample>? distant = null, IReadOnlyList<TrainingExample>? selfTrained = null)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(options);
        _titles = titles;
        _options = options;
        _distant = distant ?? [];
        _selfTrained = selfTrained ?? [];
        _values = titles.SelectMany(t => t.Spans.Select(s => (s.Label, Value: t.Text[s.Start..s.End])))
            .GroupBy(p => p.Label, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Value).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _base = options.Oversample ? Oversampled(titles, options) : [.. titles];
    }

    /// <summary>Labelled titles per epoch before distant examples (more than the input when oversampling).</summary>
    public int BaseCount => _base.Count;

    public List<TrainingExample> Epoch(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var examples = new List<TrainingExample>(_base.Count + _options.DistantPerEpoch + _options.SelfTrainedPerEpoch);
        foreach (var example in _base)
        {
            var current = example;
            if (_options.Substitute)
            {
                current = Substitute(current, random);
            }

            if (_options.Noise)
            {
                current = Noise(current, random, _options.NoiseRate);
            }

            // Drawn last, on the text as augmented: the rest of the time the title comes alone, as a query or an item of
            // another catalogue does, so the model tags both ways. No draw when off: the random stream stays as before.
            if (_options.TypedShare > 0 && current.ProductType is not null && random.NextDouble() < _options.TypedShare)
            {
                current = Typed(current);
            }

            examples.Add(current);
        }

        if ((_options.Distant || _options.Materials) && _distant.Count > 0)
        {
            for (var i = 0; i < _options.DistantPerEpoch; i++)
            {
                var example = _distant[random.Next(_distant.Count)];
                examples.Add(_options.Noise ? Noise(example, random, _options.NoiseRate) : example);
            }
        }

        for (var i = 0; i < _options.SelfTrainedPerEpoch && _selfTrained.Count > 0; i++)
        {
            examples.Add(_selfTrained[random.Next(_selfTrained.Count)]);
        }

        return examples;
    }

    /// <summary>The example with its product type before the title (<see cref="ProductTypes.Prefix"/>), the spans moved after it.</summary>
    public static TrainingExample Typed(TrainingExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var prefix = ProductTypes.Prefix(example.ProductType ?? throw new ArgumentException("The example has no product type.", nameof(example)));
        return example with
        {
            Text = prefix + example.Text,
            Spans = [.. example.Spans.Select(s => s with { Start = s.Start + prefix.Length, End = s.End + prefix.Length })],
        };
    }

    /// <summary>Repeats titles that carry labels with fewer spans than the target (each title at most MaxCopies times in all).</summary>
    public static List<TrainingExample> Oversampled(IReadOnlyList<TrainingExample> titles, AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(options);
        var counts = titles.SelectMany(t => t.Spans).GroupBy(s => s.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<TrainingExample>(titles.Count * 2);
        foreach (var title in titles)
        {
            // The rarest label of the title decides: a title with one span of a 10-span label is shown ~6 times for a target of 60.
            var copies = title.Spans.Count == 0 ? 1 : title.Spans.Max(s => (int)Math.Ceiling(options.OversampleTarget / (double)counts[s.Label]));
            copies = Math.Clamp(copies, 1, options.OversampleMaxCopies);
            for (var i = 0; i < copies; i++)
            {
                result.Add(title);
            }
        }

        return result;
    }

    /// <summary>Replaces some spans' values by other values of the same label; offsets are rebuilt.</summary>
    public TrainingExample Substitute(TrainingExample example, Random random)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(random);
        return Rebuild(example, (segment, builder) =>
        {
            if (segment.Label is { } label && random.NextDouble() < _options.SubstituteRate && _values.TryGetValue(label, out var values) && values.Length > 1)
            {
                builder.Append(values[random.Next(values.Length)]);
                return true;
            }

            return false;
        });
    }

    /// <summary>
    /// Word-level noise: a word's case changed (lower/UPPER/Title), a typo (two letters swapped, one dropped or doubled),
    /// or an unlabelled word dropped. Labelled words keep their label; the spans follow the edited text.
    /// </summary>
    public static TrainingExample Noise(TrainingExample example, Random random, double rate)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(random);
        return Rebuild(example, (segment, builder) =>
        {
            // Split on single spaces: runs of spaces show up as empty words and are kept as they were.
            var parts = segment.Text.Split(' ');
            var skipSpace = false;
            for (var w = 0; w < parts.Length; w++)
            {
                if (w > 0 && !skipSpace)
                {
                    builder.Append(' ');
                }

                skipSpace = false;
                var word = parts[w];
                if (word.Length == 0 || random.NextDouble() >= rate)
                {
                    builder.Append(word);
                    continue;
                }

                switch (random.Next(segment.Label is null ? 3 : 2))
                {
                    case 0:
                        builder.Append(ChangeCase(word, random));
                        break;
                    case 1:
                        builder.Append(Typo(word, random));
                        break;
                    default:
                        // Dropped, with the space after it (so no double space is left behind).
                        skipSpace = true;
                        break;
                }
            }

            return true;
        });
    }

    private static string ChangeCase(string word, Random random) => random.Next(3) switch
    {
        0 => word.ToLowerInvariant(),
        1 => word.ToUpperInvariant(),
        _ => char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant(),
    };

    private static string Typo(string word, Random random)
    {
        if (word.Length < 4)
        {
            return word;
        }

        var i = random.Next(1, word.Length - 1);
        return random.Next(3) switch
        {
            0 => string.Concat(word.AsSpan(0, i), word.AsSpan(i + 1, 1), word.AsSpan(i, 1), word.AsSpan(i + 2)),
            1 => word.Remove(i, 1),
            _ => word.Insert(i, word[i].ToString()),
        };
    }

    /// <summary>
    /// Walks the text as alternating unlabelled and labelled segments; <paramref name="write"/> appends a segment's new text
    /// (returning false means "keep it as is"). Spans are re-anchored on the rewritten labelled segments.
    /// </summary>
    private static TrainingExample Rebuild(TrainingExample example, Func<Segment, StringBuilder, bool> write)
    {
        var builder = new StringBuilder(example.Text.Length + 16);
        var spans = new List<LabeledSpan>(example.Spans.Count);
        var position = 0;
        foreach (var span in example.Spans.OrderBy(s => s.Start))
        {
            if (span.Start < position)
            {
                return example; // overlapping spans: leave the title alone
            }

            Append(new Segment(example.Text[position..span.Start], null), builder, write);
            var start = builder.Length;
            Append(new Segment(example.Text[span.Start..span.End], span.Label), builder, write);
            spans.Add(new LabeledSpan(start, builder.Length, span.Label));
            position = span.End;
        }

        Append(new Segment(example.Text[position..], null), builder, write);
        return new TrainingExample(builder.ToString(), spans, example.Partial, example.ProductType);
    }

    private static void Append(Segment segment, StringBuilder builder, Func<Segment, StringBuilder, bool> write)
    {
        if (segment.Text.Length == 0)
        {
            return;
        }

        var before = builder.Length;
        if (!write(segment, builder))
        {
            builder.Length = before;
            builder.Append(segment.Text);
        }
    }

    private readonly record struct Segment(string Text, string? Label);
}
