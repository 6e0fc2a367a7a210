namespace Esrs.Tagging.Data;

/// <summary>An attribute value at character offsets [Start, End) of a text.</summary>
public sealed record LabeledSpan(int Start, int End, string Label);
