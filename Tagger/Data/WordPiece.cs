namespace Esrs.Tagging.Data;

/// <summary>One word piece: its vocabulary id, the range [Start, End) of the original text it came from, and whether it begins a word.</summary>
public readonly record struct WordPiece(int Id, int Start, int End, bool StartsWord);
