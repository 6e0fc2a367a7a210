using System.Text;
using Microsoft.ML.Tokenizers;

namespace Esrs.Tagging.Data;

/// <summary>
/// The uncased WordPiece tokenizer of MiniLM, with offsets into the text as it was given: <see cref="NormalizedText"/> does the
/// normalisation (and keeps where each character came from), the BERT tokenizer only splits and looks up pieces.
/// Any string tokenizes: a word the tokenizer would still change in length becomes one <c>[UNK]</c> piece.
/// </summary>
public sealed class TitleTokenizer
{
    private readonly BertTokenizer _bert;

    private TitleTokenizer(string vocabulary)
    {
        Vocabulary = vocabulary;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(vocabulary));
        // Normalisation is ours (NormalizedText): the tokenizer must not change the text's length behind our back.
        _bert = BertTokenizer.Create(stream, new BertOptions
        {
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            IndividuallyTokenizeCjk = false,
            SplitOnSpecialTokens = false,
            ApplyBasicTokenization = true,
        });
    }

    /// <summary>The vocabulary file's text, one piece a line (saved with every checkpoint).</summary>
    public string Vocabulary { get; }

    public int ClassificationTokenId => _bert.ClassificationTokenId;

    public int SeparatorTokenId => _bert.SeparatorTokenId;

    public int UnknownTokenId => _bert.UnknownTokenId;

    public static TitleTokenizer Create(string vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new TitleTokenizer(vocabulary);
    }

    public static TitleTokenizer Create(Stream vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        using var reader = new StreamReader(vocabulary, Encoding.UTF8);
        return new TitleTokenizer(reader.ReadToEnd());
    }

    /// <summary>Word pieces of <paramref name="text"/>, no [CLS]/[SEP], ranges in <paramref name="text"/>.</summary>
    public List<WordPiece> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = NormalizedText.Create(text);
        var pieces = new List<WordPiece>(normalized.Text.Length / 3 + 2);
        if (!TryAppend(normalized, normalized.Text, 0, pieces))
        {
            // Not expected once NormalizedText has run; if the tokenizer still moves characters, go word by word.
            pieces.Clear();
            var at = 0;
            foreach (var word in normalized.Text.Split(' '))
            {
                if (word.Length > 0 && !TryAppend(normalized, word, at, pieces))
                {
                    var range = normalized.ToOriginal(at, at + word.Length);
                    pieces.Add(new WordPiece(UnknownTokenId, range.Start.Value, range.End.Value, StartsWord: true));
                }

                at += word.Length + 1;
            }
        }

        return pieces;
    }

    private bool TryAppend(NormalizedText normalized, string part, int offset, List<WordPiece> pieces)
    {
        var tokens = _bert.EncodeToTokens(part, out var changed);
        if (changed is not null && changed.Length != part.Length)
        {
            return false;
        }

        var count = pieces.Count;
        foreach (var token in tokens)
        {
            var (start, end) = (token.Offset.Start.Value, token.Offset.End.Value);
            if (end <= start || token.Id == _bert.ClassificationTokenId || token.Id == _bert.SeparatorTokenId)
            {
                continue;
            }

            if (end > part.Length)
            {
                pieces.RemoveRange(count, pieces.Count - count);
                return false;
            }

            var range = normalized.ToOriginal(offset + start, offset + end);
            pieces.Add(new WordPiece(token.Id, range.Start.Value, range.End.Value, !token.Value.StartsWith("##", StringComparison.Ordinal)));
        }

        return true;
    }
}
