namespace Esrs.Tagging;

/// <summary>A text made ready for an <see cref="ITagModel"/> by its caller; what the model keeps in it (pieces, scores) is the model's own subclass.</summary>
public abstract class PreparedText(string text)
{
    public string Text => text;

    /// <summary>Set by the batcher when the model failed on this text alone: it is tagged as having no attributes.</summary>
    public bool Failed { get; set; }
}
