namespace Esrs.Tagging;

/// <summary>One attribute value found in a text: character offsets [Start, End), the BIO file's label (<c>BRAND</c>, <c>NET_CONTENT</c>), the text, the model's mean confidence.</summary>
[GenerateSerializer, Immutable, Alias("esrs.attribute-tag")]
public sealed record AttributeTag(
    [property: Id(0)] int Start,
    [property: Id(1)] int End,
    [property: Id(2)] string Label,
    [property: Id(3)] string Text,
    [property: Id(4)] double Score);

/// <summary>
/// The tags of each text of a request, in request order, and the model version that produced them. <see cref="Failed"/>
/// names the texts the model could not tag (their tags are empty, but not the model's answer: not to be remembered).
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.tag-batch-result")]
public sealed record TagBatchResult(
    [property: Id(0)] string ModelVersion,
    [property: Id(1)] AttributeTag[][] Tags,
    [property: Id(2)] int[]? Failed = null);
