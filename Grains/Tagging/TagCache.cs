using System.Collections.Concurrent;

namespace Esrs.Tagging;

/// <summary>
/// The tags of recently tagged texts and the model version that gave them: a catalogue's titles and a shop's popular
/// queries come back again and again, and a model's answer for a text does not change. Bounded: two generations of at
/// most half the capacity each; a text is looked up in the newer, then the older (and moved up when found there); once
/// the newer is full it becomes the older and the older is dropped, so what stays is what was asked for recently.
/// Reads take no lock; the tags handed out are shared and must not be changed.
/// </summary>
public sealed class TagCache
{
    private readonly int _generationSize;
    private readonly Lock _turn = new();
    private Generation _newer = new();
    private Generation _older = new();

    /// <param name="capacity">Texts kept at most (at least 2).</param>
    public TagCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generationSize = capacity / 2;
    }

    /// <summary>Texts held now (both generations; a text moved up may count twice until the older is dropped).</summary>
    public int Count => Volatile.Read(ref _newer).Count + Volatile.Read(ref _older).Count;

    public bool TryGet(string text, out CachedTags tags)
    {
        if (Volatile.Read(ref _newer).Entries.TryGetValue(text, out tags!))
        {
            return true;
        }

        if (Volatile.Read(ref _older).Entries.TryGetValue(text, out tags!))
        {
            Add(text, tags);
            return true;
        }

        return false;
    }

    public void Add(string text, CachedTags tags)
    {
        var newer = Volatile.Read(ref _newer);
        if (newer.Entries.TryAdd(text, tags) && Interlocked.Increment(ref newer.Count) >= _generationSize)
        {
            lock (_turn)
            {
                if (ReferenceEquals(newer, _newer))
                {
                    Volatile.Write(ref _older, newer);
                    Volatile.Write(ref _newer, new Generation());
                }
            }
        }
    }

    private sealed class Generation
    {
        public readonly ConcurrentDictionary<string, CachedTags> Entries = new(StringComparer.Ordinal);
        public int Count;
    }
}
