namespace Esrs.Tagging;

/// <summary>The model of a silo that has none: every request is refused with the reason, so callers count their texts as untagged.</summary>
public sealed class UnavailableTagModel(string reason) : ITagModel
{
    public string Version => "none";

    public bool IsAvailable => false;

    public string Reason => reason;

    public PreparedText Prepare(string text) => throw new TaggerUnavailableException(reason);

    public void Run(IReadOnlyList<PreparedText> batch) => throw new TaggerUnavailableException(reason);

    public AttributeTag[] Decode(PreparedText text) => throw new TaggerUnavailableException(reason);
}
