using System.Buffers.Binary;

namespace Esrs.Cleaning;

/// <summary>
/// The bounded memory of one user's accepted events: id hash, content hash and occurred-at, at most
/// <see cref="DedupeOptions.MaxEvents"/> of them and none older than <see cref="DedupeOptions.Window"/> behind the newest.
/// What it forgets follows event time: the entries sit in a min-heap on occurred-at, so the oldest event is forgotten
/// first whatever order events arrived in. Forgotten events raise a low watermark: an event at or below it might be a
/// copy of a forgotten one, so callers quarantine it instead of counting it twice.
/// <para>
/// Only accepted events may enter (the caller's contract): a rejected or far-future event never moves the window, so the
/// watermark can never pass the newest accepted event. Packs to 20 bytes an event for grain state.
/// </para>
/// </summary>
public sealed class DedupeWindow
{
    private const int EntrySize = 20;

    /// <summary>How many ids of the last forgotten events are still known (see <see cref="Add"/>).</summary>
    public const int RecentlyForgottenMemory = 16;
    private static readonly long EpochSeconds = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks / TimeSpan.TicksPerSecond;

    private readonly int _maxEvents;
    private readonly long _windowSeconds;
    private readonly HashSet<ulong> _ids;
    private readonly Dictionary<ulong, ulong> _contentOwners;
    private readonly List<ulong> _recentlyForgotten = [];
    private Entry[] _heap;
    private int _count;
    private long _newest = -1;
    private Entry[] _adds = [];
    private int _addCount;
    private bool _addsOverflowed;

    public DedupeWindow(DedupeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxEvents = options.MaxEvents;
        _windowSeconds = (long)options.Window.TotalSeconds;
        _heap = new Entry[Math.Min(_maxEvents + 1, 16)];
        _ids = [];
        _contentOwners = [];
    }

    /// <summary>Events remembered now.</summary>
    public int Count => _count;

    /// <summary>Occurred-at (seconds since 2000) of the newest forgotten event; -1 while nothing was forgotten.</summary>
    public long LowWatermark { get; private set; } = -1;

    /// <summary>Occurred-at (seconds since 2000) of the newest remembered event; -1 while the window is empty.</summary>
    public long Newest => _newest;

    /// <summary>Whether an event with these hashes was seen: first by id, then by content.</summary>
    public DuplicateKind Check(ulong idHash, ulong contentHash)
    {
        if (ContainsId(idHash))
        {
            return DuplicateKind.ById;
        }

        if (_contentOwners.TryGetValue(contentHash, out var owner) && (owner != idHash || idHash == 0))
        {
            return DuplicateKind.ByContent;
        }

        return DuplicateKind.None;
    }

    /// <summary>True when an accepted event with this id hash is remembered (0, "no id", never is).</summary>
    public bool ContainsId(ulong idHash) => idHash != 0 && (_ids.Contains(idHash) || _recentlyForgotten.Contains(idHash));

    /// <summary>Ids of the last forgotten events, oldest first.</summary>
    public IReadOnlyList<ulong> RecentlyForgotten => _recentlyForgotten;

    /// <summary>True when an event with this content was remembered under another id (used when replaying a kept event).</summary>
    public bool IsCopyOfAnother(ulong idHash, ulong contentHash) =>
        _contentOwners.TryGetValue(contentHash, out var owner) && (owner != idHash || idHash == 0);

    /// <summary>True when <paramref name="occurredAt"/> is at or below the low watermark, so a copy of it may have been forgotten.</summary>
    public bool IsBeyondWindow(DateTime occurredAt) => LowWatermark >= 0 && ToSeconds(occurredAt) <= LowWatermark;

    /// <summary>Remembers an accepted event (call after <see cref="Check"/> said <see cref="DuplicateKind.None"/>), forgetting the oldest as needed.</summary>
    /// <remarks>
    /// A retry of an event the window has just forgotten (its producer never heard the acknowledgement) would pass the id
    /// check and end in the quarantine as late: one event kept twice. The ids of the last <see cref="RecentlyForgottenMemory"/>
    /// forgotten events stay known to the id check, so such a retry is a duplicate by id. That covers an event accepted when
    /// already older than the window (forgotten the moment it enters) and one pushed out by a much newer event just after.
    /// </remarks>
    public void Add(ulong idHash, ulong contentHash, DateTime occurredAt)
    {
        var seconds = ToSeconds(occurredAt);
        Journal(new Entry(idHash, contentHash, (uint)seconds));
        Apply(idHash, contentHash, seconds);
    }

    private void Apply(ulong idHash, ulong contentHash, long seconds)
    {
        if (_newest >= 0 && seconds < _newest - _windowSeconds)
        {
            LowWatermark = Math.Max(LowWatermark, seconds);
            RememberForgotten(idHash);
            return;
        }

        Push(new Entry(idHash, contentHash, (uint)seconds));
        _newest = Math.Max(_newest, seconds);
        EvictBeyondLimits();
    }

    // Every add since the last TakeAdds, in order: replaying them on the window as it was then gives the window as it is now.
    private void Journal(in Entry entry)
    {
        if (_addsOverflowed)
        {
            return;
        }

        if (_addCount == _maxEvents)
        {
            // More adds than the window holds: a snapshot is smaller than the adds; stop keeping them.
            (_adds, _addCount, _addsOverflowed) = ([], 0, true);
            return;
        }

        if (_addCount == _adds.Length)
        {
            Array.Resize(ref _adds, Math.Min(Math.Max(16, _adds.Length * 2), _maxEvents));
        }

        _adds[_addCount++] = entry;
    }

    /// <summary>
    /// The events added since the last call (or since the window was made), packed as <see cref="Pack"/> packs entries and
    /// in the order they were added, and starts again; null when there were more of them than the window holds (not kept:
    /// a snapshot of the window is smaller). <see cref="Replay"/> of them on the window as it was at the last call gives the
    /// window as it is now.
    /// </summary>
    public byte[]? TakeAdds()
    {
        if (_addsOverflowed)
        {
            _addsOverflowed = false;
            return null;
        }

        var bytes = new byte[_addCount * EntrySize];
        for (var i = 0; i < _addCount; i++)
        {
            Write(bytes.AsSpan(i * EntrySize, EntrySize), _adds[i]);
        }

        _addCount = 0;
        if (_adds.Length > 256)
        {
            // One large call grew it: do not keep up to MaxEvents entries for the rest of the activation.
            _adds = [];
        }

        return bytes;
    }

    /// <summary>
    /// Rebuilds a window from a snapshot (<see cref="Pack"/> output with its watermark and recently forgotten ids) and the
    /// adds taken by <see cref="TakeAdds"/> after it, in order: each applied as <see cref="Add"/> applied it, so the window
    /// is the one that took them. A window already in use is never replayed onto (its own adds would then go unrecorded).
    /// </summary>
    public static DedupeWindow Replay(
        ReadOnlySpan<byte> packed, long lowWatermark, IEnumerable<ulong> recentlyForgotten, IEnumerable<ReadOnlyMemory<byte>> adds, DedupeOptions options)
    {
        ArgumentNullException.ThrowIfNull(adds);
        var window = Unpack(packed, lowWatermark, recentlyForgotten, options);
        foreach (var segment in adds)
        {
            var span = segment.Span;
            if (span.Length % EntrySize != 0)
            {
                throw new ArgumentException($"Dedupe adds of length {span.Length} are not a multiple of {EntrySize}.", nameof(adds));
            }

            for (var i = 0; i < span.Length; i += EntrySize)
            {
                var entry = Read(span.Slice(i, EntrySize));
                window.Apply(entry.IdHash, entry.ContentHash, entry.Seconds);
            }
        }

        return window;
    }

    private void RememberForgotten(ulong idHash)
    {
        if (idHash == 0)
        {
            return;
        }

        if (_recentlyForgotten.Count == RecentlyForgottenMemory)
        {
            _recentlyForgotten.RemoveAt(0);
        }

        _recentlyForgotten.Add(idHash);
    }

    /// <summary>The remembered events, 20 bytes each (heap order: the first is the oldest).</summary>
    public byte[] Pack()
    {
        var bytes = new byte[_count * EntrySize];
        for (var i = 0; i < _count; i++)
        {
            Write(bytes.AsSpan(i * EntrySize, EntrySize), _heap[i]);
        }

        return bytes;
    }

    private static void Write(Span<byte> slot, in Entry entry)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(slot, entry.IdHash);
        BinaryPrimitives.WriteUInt64LittleEndian(slot[8..], entry.ContentHash);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], entry.Seconds);
    }

    private static Entry Read(ReadOnlySpan<byte> slot) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(slot),
        BinaryPrimitives.ReadUInt64LittleEndian(slot[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(slot[16..]));

    /// <summary>Rebuilds a window from <see cref="Pack"/> output (in any entry order) and the stored watermark, applying the current options.</summary>
    public static DedupeWindow Unpack(ReadOnlySpan<byte> packed, long lowWatermark, DedupeOptions options) =>
        Unpack(packed, lowWatermark, [], options);

    /// <summary>Rebuilds a window from <see cref="Pack"/> output, the watermark and <see cref="RecentlyForgotten"/>.</summary>
    public static DedupeWindow Unpack(ReadOnlySpan<byte> packed, long lowWatermark, IEnumerable<ulong> recentlyForgotten, DedupeOptions options)
    {
        ArgumentNullException.ThrowIfNull(recentlyForgotten);
        if (packed.Length % EntrySize != 0)
        {
            throw new ArgumentException($"Packed dedupe window length {packed.Length} is not a multiple of {EntrySize}.", nameof(packed));
        }

        var window = new DedupeWindow(options) { LowWatermark = lowWatermark };
        window._recentlyForgotten.AddRange(recentlyForgotten.TakeLast(RecentlyForgottenMemory));
        var count = packed.Length / EntrySize;
        window._heap = new Entry[Math.Max(count + 1, window._heap.Length)];
        for (var i = 0; i < count; i++)
        {
            var entry = Read(packed.Slice(i * EntrySize, EntrySize));
            window._heap[i] = entry;
            window.Remember(entry);
            window._newest = Math.Max(window._newest, entry.Seconds);
        }

        window._count = count;
        for (var i = (count / 2) - 1; i >= 0; i--)
        {
            window.SiftDown(i);
        }

        // A watermark beyond the newest remembered event cannot have come from forgetting accepted events.
        if (count > 0 && window.LowWatermark > window._newest)
        {
            window.LowWatermark = window._newest;
        }

        window.EvictBeyondLimits();
        return window;
    }

    /// <summary>Converts an instant to the window's clock: whole seconds since 2000, clamped to what 32 bits hold.</summary>
    public static long ToSeconds(DateTime at) => Math.Clamp((at.Ticks / TimeSpan.TicksPerSecond) - EpochSeconds, 0, uint.MaxValue);

    private void Remember(in Entry entry)
    {
        if (entry.IdHash != 0)
        {
            _ids.Add(entry.IdHash);
        }

        _contentOwners.TryAdd(entry.ContentHash, entry.IdHash);
    }

    private void Push(Entry entry)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        _heap[_count] = entry;
        Remember(entry);
        SiftUp(_count++);
    }

    /// <summary>Forgets the oldest entries while there are too many, or the oldest is too far behind the newest.</summary>
    private void EvictBeyondLimits()
    {
        while (_count > 0 && (_count > _maxEvents || _heap[0].Seconds < _newest - _windowSeconds))
        {
            EvictOldest();
        }
    }

    private void EvictOldest()
    {
        var entry = _heap[0];
        _heap[0] = _heap[--_count];
        if (_count > 0)
        {
            SiftDown(0);
        }

        if (entry.IdHash != 0)
        {
            _ids.Remove(entry.IdHash);
            RememberForgotten(entry.IdHash);
        }

        if (_contentOwners.TryGetValue(entry.ContentHash, out var owner) && owner == entry.IdHash)
        {
            _contentOwners.Remove(entry.ContentHash);
        }

        LowWatermark = Math.Max(LowWatermark, entry.Seconds);
    }

    private void SiftUp(int index)
    {
        var entry = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (_heap[parent].Seconds <= entry.Seconds)
            {
                break;
            }

            _heap[index] = _heap[parent];
            index = parent;
        }

        _heap[index] = entry;
    }

    private void SiftDown(int index)
    {
        var entry = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].Seconds < _heap[child].Seconds)
            {
                child++;
            }

            if (entry.Seconds <= _heap[child].Seconds)
            {
                break;
            }

            _heap[index] = _heap[child];
            index = child;
        }

        _heap[index] = entry;
    }

    private readonly record struct Entry(ulong IdHash, ulong ContentHash, uint Seconds);
}
