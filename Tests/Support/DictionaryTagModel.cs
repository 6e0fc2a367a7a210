using System.Collections.Concurrent;
using Esrs.Tagging;

namespace Esrs.Tests.Support;

/// <summary>
/// A deterministic stand-in for the BERT model in pool and grain tests: tags every listed word (<c>red</c> → COLOR),
/// records each batch it is given, and can be made slow or failing. The real model is covered in Tests/Tagging.
/// </summary>
internal sealed class DictionaryTagModel(IReadOnlyDictionary<string, string>? words = null, string version = "dict-1") : ITagModel
{
    private static readonly Dictionary<string, string> Default = new(StringComparer.OrdinalIgnoreCase)
    {
        ["red"] = "COLOR",
        ["blue"] = "COLOR",
        ["nike"] = "BRAND",
        ["cotton"] = "MATERIAL",
    };

    private readonly IReadOnlyDictionary<string, string> _words = words ?? Default;

    public string Version => version;

    public bool IsAvailable => true;

    public TimeSpan Delay { get; set; }

    /// <summary>When set, every batch waits for it (a test holds the model busy for as long as it needs).</summary>
    public ManualResetEventSlim? Gate { get; set; }

    public bool Fail { get; set; }

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public AttributeTag[][] Tag(IReadOnlyList<string> texts)
    {
        BatchSizes.Enqueue(texts.Count);
        Gate?.Wait(TimeSpan.FromSeconds(30));
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        if (Fail)
        {
            throw new InvalidOperationException("model failed on purpose");
        }

        return [.. texts.Select(TagOne)];
    }

    private AttributeTag[] TagOne(string text)
    {
        var tags = new List<AttributeTag>();
        var start = 0;
        foreach (var word in text.Split(' '))
        {
            if (_words.TryGetValue(word, out var label))
            {
                tags.Add(new AttributeTag(start, start + word.Length, label, word, 0.9));
            }

            start += word.Length + 1;
        }

        return [.. tags];
    }
}
