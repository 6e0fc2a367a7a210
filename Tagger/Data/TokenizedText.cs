namespace Esrs.Tagging.Data;

/// <summary>Word-piece ids of a text with [CLS]/[SEP], each piece's character range in the original text, and its label id.</summary>
public sealed record TokenizedText(string Text, int[] Ids, Range[] Offsets, bool[] StartsWord, int[] Labels);
