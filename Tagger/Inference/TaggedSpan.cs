namespace Esrs.Tagging.Inference;

/// <summary>An attribute value found in a text: character offsets [Start, End), BIO label name, the text itself, and the model's confidence.</summary>
public sealed record TaggedSpan(int Start, int End, string Label, string Text, double Score);
