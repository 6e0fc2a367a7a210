using System.Collections.Concurrent;
using Esrs.Tagging;

namespace Esrs.Tests.Support;

/// <summary>
/// A deterministic stand-in for the BERT model in pool and grain tests: tags every listed word (<c>red</c> → COLOR),
/// records each batch it is given, and can be made slow or failing (always, or on the texts that contain a word).
/// The real model is covered in Tests/Tagging and TaggerPool/TorchModelPoolTests.
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

    /// <summary>The version the pool reports with each answer (a test sets another to stand for a new model).</summary>
    public string Version { get; set; } = version;

    public bool IsAvailable => true;

    public TimeSpan Delay { get; set; }

    /// <summary>When set, every batch waits for it (a test holds the model busy for as long as it needs).</summary>
    public ManualResetEventSlim? Gate { get; set; }

    public bool Fail { get; set; }

    /// <summary>A word that makes any batch holding a text with it fail (as a model that chokes on one input).</summary>
    public string? FailOn { get; set; }

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    /// <summary>Every text the model ran, in order.</summary>
    public ConcurrentQueue<string> RunTexts { get; } = new();

    /// <summary>Threads that ran <see cref="Prepare"/> and <see cref="Run"/>.</summary>
    public ConcurrentBag<int> PrepareThreads { get; } = [];

    public ConcurrentBag<int> RunThreads { get; } = [];

    public PreparedText Prepare(string text)
    {
        PrepareThreads.Add(Environment.CurrentManagedThreadId);
        return new Words(text);
    }

    public void Run(IReadOnlyList<PreparedText> batch)
    {
        RunThreads.Add(Environment.CurrentManagedThreadId);
        BatchSizes.Enqueue(batch.Count);
        foreach (var text in batch)
        {
            RunTexts.Enqueue(text.Text);
        }

        Gate?.Wait(TimeSpan.FromSeconds(30));
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        if (Fail || (FailOn is { } word && batch.Any(t => t.Text.Split(' ').Contains(word, StringComparer.OrdinalIgnoreCase))))
        {
            throw new InvalidOperationException("model failed on purpose");
        }

        foreach (var text in batch.Cast<Words>())
        {
            text.Tags = TagOne(text.Text);
        }
    }

    public AttributeTag[] Decode(PreparedText text) => ((Words)text).Tags ?? throw new InvalidOperationException("Decode before Run.");

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

    private sealed class Words(string text) : PreparedText(text)
    {
        public AttributeTag[]? Tags { get; set; }
    }
}
