namespace Esrs.Tagging;

/// <summary>A text's tags as a model gave them, as <see cref="TagCache"/> keeps them.</summary>
public sealed record CachedTags(string ModelVersion, AttributeTag[] Tags);
