using System.Globalization;
using System.Text;

namespace Esrs.Tagging.Data;

/// <summary>
/// A text as the WordPiece vocabulary wants it (compatibility forms folded, accents and other combining marks removed,
/// lower case, whitespace and control characters as spaces or gone, CJK ideographs set apart), with the original
/// range of every character, so that offsets found in <see cref="Text"/> map back to the text that was given.
/// </summary>
public sealed class NormalizedText
{
    private readonly int[] _sourceStart;
    private readonly int[] _sourceEnd;

    private NormalizedText(string original, string text, int[] sourceStart, int[] sourceEnd)
    {
        Original = original;
        Text = text;
        _sourceStart = sourceStart;
        _sourceEnd = sourceEnd;
    }

    public string Original { get; }

    public string Text { get; }

    /// <summary>The range of <see cref="Original"/> that produced <see cref="Text"/>[start..end) (end exclusive, start &lt; end).</summary>
    public Range ToOriginal(int start, int end)
    {
        if (start < 0 || end > Text.Length || start >= end)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {end}) is not a non-empty range of a {Text.Length}-character text.");
        }

        return new Range(_sourceStart[start], _sourceEnd[end - 1]);
    }

    /// <summary>Normalises <paramref name="text"/> one Unicode scalar at a time; no input makes it throw.</summary>
    public static NormalizedText Create(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length + 8);
        var starts = new List<int>(text.Length + 8);
        var ends = new List<int>(text.Length + 8);
        void Emit(char c, int from, int to)
        {
            builder.Append(c);
            starts.Add(from);
            ends.Add(to);
        }

        var position = 0;
        while (position < text.Length)
        {
            // A lone surrogate is not a scalar: it stands for itself (U+FFFD), one character wide.
            var status = Rune.DecodeFromUtf16(text.AsSpan(position), out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                (rune, consumed) = (Rune.ReplacementChar, 1);
            }

            var (from, to) = (position, position + consumed);
            position = to;
            if (Rune.IsWhiteSpace(rune) || rune.Value is '\t' or '\n' or '\r')
            {
                Emit(' ', from, to);
                continue;
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                // A combining mark (a decomposed accent) is dropped, but belongs to the character before it: a span ending
                // there ends after its mark, never between a letter and its accent.
                if (ends.Count > 0 && ends[^1] == from && builder[^1] != ' ')
                {
                    ends[^1] = to;
                }

                continue;
            }

            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned
                || rune == Rune.ReplacementChar)
            {
                continue; // zero-width joiners, soft hyphens, BOMs, NULs: nothing a word piece can use
            }

            if (IsCjk(rune.Value))
            {
                // BERT sets every CJK ideograph apart as its own word.
                Emit(' ', from, to);
                foreach (var c in rune.ToString())
                {
                    Emit(c, from, to);
                }

                Emit(' ', from, to);
                continue;
            }

            // NFKC folds full-width forms and ligatures (Ａ→A, ﬁ→fi); NFD then splits off accents, which are dropped.
            var folded = rune.ToString().Normalize(NormalizationForm.FormKC).Normalize(NormalizationForm.FormD);
            foreach (var c in folded)
            {
                var kind = CharUnicodeInfo.GetUnicodeCategory(c);
                if (kind is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
                {
                    continue;
                }

                if (char.IsWhiteSpace(c))
                {
                    Emit(' ', from, to);
                    continue;
                }

                Emit(char.ToLowerInvariant(c), from, to);
            }
        }

        return new NormalizedText(text, builder.ToString(), [.. starts], [.. ends]);
    }

    // The CJK blocks of BERT's tokenizer (basic tokenizer's _is_chinese_char).
    private static bool IsCjk(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
