namespace Esrs.Tagging;

/// <summary>
/// The attribute model a silo holds (one per silo, in DI). <see cref="Tag"/> is called by one batching loop at a time,
/// never concurrently, and may block: it runs off the grain scheduler.
/// </summary>
public interface ITagModel
{
    /// <summary>Version of the model, recorded as the provenance of every tag it produces.</summary>
    string Version { get; }

    /// <summary>Whether <see cref="Tag"/> can be called (false when no checkpoint was found).</summary>
    bool IsAvailable { get; }

    /// <summary>Tags each text; the result has one entry per text, in order.</summary>
    AttributeTag[][] Tag(IReadOnlyList<string> texts);
}

/// <summary>The model of a silo that has none: every request is refused with the reason, so callers count their texts as untagged.</summary>
public sealed class UnavailableTagModel(string reason) : ITagModel
{
    public string Version => "none";

    public bool IsAvailable => false;

    public string Reason => reason;

    public AttributeTag[][] Tag(IReadOnlyList<string> texts) => throw new TaggerUnavailableException(reason);
}
