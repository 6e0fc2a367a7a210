namespace Esrs.Tagging.Data;

/// <summary>
/// Turns text plus character spans into word pieces with BIO labels, and predicted labels back into character spans.
/// The first piece of each word carries the word's label (B- where the word starts a span, I- inside one, O outside);
/// continuation pieces (<c>##...</c>) and [CLS]/[SEP] are ignored by the loss. Offsets always point into the original text.
/// </summary>
public sealed class SpanAligner(TitleTokenizer tokenizer, LabelMap labels)
{
    public LabelMap Labels => labels;

    public TitleTokenizer Tokenizer => tokenizer;

    /// <summary>Word pieces of <paramref name="text"/> with BIO labels from <paramref name="spans"/>, cut to <paramref name="maxTokens"/> with [CLS] and [SEP].</summary>
    /// <param name="text">The original text; offsets point into it.</param>
    /// <param name="spans">Labelled character spans, or null when tagging.</param>
    /// <param name="maxTokens">Longest sequence, specials included.</param>
    /// <param name="partial">
    /// Only <paramref name="spans"/> are known: words outside them get no label (ignored by the loss) instead of <c>O</c>,
    /// except that the word right after a span is known not to continue it (<see cref="LabelMap.NotInside"/>): a distant
    /// span is the whole value, so a model must still learn where it ends.
    /// </param>
    public TokenizedText Encode(string text, IReadOnlyList<LabeledSpan>? spans = null, int maxTokens = 128, bool partial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = tokenizer.Tokenize(text);

        // [CLS] pieces... [SEP], cut to maxTokens: specials have empty ranges and are ignored by the loss.
        var pieces = Math.Min(tokens.Count, maxTokens - 2);
        var count = pieces + 2;
        var ids = new int[count];
        var offsets = new Range[count];
        var startsWord = new bool[count];
        var labelIds = new int[count];
        (ids[0], offsets[0], labelIds[0]) = (tokenizer.ClassificationTokenId, new Range(0, 0), LabelMap.Ignore);
        (ids[^1], offsets[^1], labelIds[^1]) = (tokenizer.SeparatorTokenId, new Range(text.Length, text.Length), LabelMap.Ignore);
        for (var i = 0; i < pieces; i++)
        {
            var token = tokens[i];
            ids[i + 1] = token.Id;
            offsets[i + 1] = new Range(token.Start, token.End);
            startsWord[i + 1] = token.StartsWord;
            labelIds[i + 1] = startsWord[i + 1] ? LabelOf(token.Start, spans, partial) : LabelMap.Ignore;
        }

        RepairInsideWithoutBegin(labelIds, startsWord);
        if (partial)
        {
            MarkWordsAfterSpans(labelIds, startsWord);
        }

        return new TokenizedText(text, ids, offsets, startsWord, labelIds);
    }

    /// <summary>Spans from per-piece label ids (one per piece; continuation pieces extend the word before them).</summary>
    public List<LabeledSpan> Decode(TokenizedText tokens, IReadOnlyList<int> predicted)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(predicted);
        var spans = new List<LabeledSpan>();
        string? current = null;
        int start = 0, end = 0;
        for (var i = 0; i < tokens.Ids.Length; i++)
        {
            var (from, to) = (tokens.Offsets[i].Start.Value, tokens.Offsets[i].End.Value);
            if (from == to)
            {
                continue;
            }

            if (!tokens.StartsWord[i])
            {
                if (current is not null)
                {
                    end = to;
                }

                continue;
            }

            var label = labels.Describe(predicted[i]);
            if (label is { } l && current is not null && !l.Begins && l.Attribute == current)
            {
                end = to;
                continue;
            }

            if (current is not null)
            {
                spans.Add(new LabeledSpan(start, end, current));
            }

            // A span starts only at a B- label; an I- label that continues nothing is read as outside (IOB2).
            (current, start, end) = label is { Begins: true } next ? (next.Attribute, from, to) : (null, 0, 0);
        }

        if (current is not null)
        {
            spans.Add(new LabeledSpan(start, end, current));
        }

        return spans;
    }

    /// <summary>
    /// An <c>I-X</c> word after a word that is neither <c>B-X</c> nor <c>I-X</c> becomes <c>B-X</c> (IOB2): a span that starts inside
    /// a word, or two spans that share one, would otherwise teach a sequence no decoder may produce (and a CRF scores as
    /// impossible). A word after an unknown one (partial supervision) keeps its label.
    /// </summary>
    private void RepairInsideWithoutBegin(int[] labelIds, bool[] startsWord)
    {
        var previous = 0;
        for (var i = 0; i < labelIds.Length; i++)
        {
            if (!startsWord[i])
            {
                continue;
            }

            var id = labelIds[i];
            if (id != LabelMap.Ignore && previous != LabelMap.Ignore && labels.Describe(id) is { Begins: false } inside &&
                labels.Describe(previous)?.Attribute != inside.Attribute)
            {
                id = labelIds[i] = labels.Begin(inside.Attribute);
            }

            previous = id;
        }
    }

    /// <summary>Under partial supervision, an unknown word right after a labelled word may be anything but the inside label of that word's attribute.</summary>
    private void MarkWordsAfterSpans(int[] labelIds, bool[] startsWord)
    {
        var previous = LabelMap.Ignore;
        for (var i = 0; i < labelIds.Length; i++)
        {
            if (!startsWord[i])
            {
                continue;
            }

            var id = labelIds[i];
            if (id == LabelMap.Ignore && labels.Describe(previous) is { } before)
            {
                labelIds[i] = LabelMap.NotInside(labels.Inside(before.Attribute));
            }

            previous = id;
        }
    }

    private int LabelOf(int position, IReadOnlyList<LabeledSpan>? spans, bool partial)
    {
        if (spans is null)
        {
            return 0;
        }

        foreach (var span in spans)
        {
            if (position >= span.Start && position < span.End)
            {
                return position == span.Start ? labels.Begin(span.Label) : labels.Inside(span.Label);
            }
        }

        return partial ? LabelMap.Ignore : 0;
    }
}
