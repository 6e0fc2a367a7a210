using Esrs.Tagging.Data;

namespace Esrs.Tagging.Training;

/// <summary>
/// One training text with its spans. <see cref="Partial"/> marks distantly supervised texts: only their spans are known,
/// so the words outside them are left out of the loss instead of being taught as <c>O</c>. <see cref="ProductType"/>: the
/// labelled title's product type (OA-Mine's category), or null.
/// </summary>
public sealed record TrainingExample(string Text, IReadOnlyList<LabeledSpan> Spans, bool Partial = false, string? ProductType = null);
