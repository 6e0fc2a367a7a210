namespace Esrs.Tagging;

/// <summary>
/// The attribute model a silo holds (one per silo, in DI), in three steps so that the batch thread only runs the model:
/// callers <see cref="Prepare"/> their texts (tokenise) on their own threads, the batcher's one loop <see cref="Run"/>s
/// batches of prepared texts (never concurrently; it may block), and callers <see cref="Decode"/> their results.
/// </summary>
public interface ITagModel
{
    /// <summary>Version of the model, recorded as the provenance of every tag it produces.</summary>
    string Version { get; }

    /// <summary>Whether the model can be called (false when no checkpoint was found).</summary>
    bool IsAvailable { get; }

    /// <summary>Makes one text ready for the model (on the caller's thread). Any string must be accepted.</summary>
    PreparedText Prepare(string text);

    /// <summary>Runs the model on a batch of prepared texts, leaving each one's result in it (on the batch thread).</summary>
    void Run(IReadOnlyList<PreparedText> batch);

    /// <summary>The tags of a text that <see cref="Run"/> has run (on the caller's thread).</summary>
    AttributeTag[] Decode(PreparedText text);
}
