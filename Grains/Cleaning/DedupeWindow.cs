using System.Buffers.Binary;

namespace Esrs.Cleaning;

/// <summary>
/// The bounded memory of one user's events: id hash, content hash and occurred-at of the most
/// recent events, at most <see cref="DedupeOptions.MaxEvents"/> of them and none older than
/// <see cref="DedupeOptions.Window"/> behind the newest. Forgotten events raise a low watermark:
/// an event at or below it might be a copy of a forgotten one, so callers quarantine it instead
/// of counting it twice. Packs to 20 bytes an event for grain state.
/// </summary>
public sealed class DedupeWindow
{
    private const int EntrySize = 20;
    private static readonly long EpochSeconds = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks / TimeSpan.TicksPerSecond;

    private readonly int _maxEvents;
    private readonly long _windowSeconds;
    private readonly HashSet<ulong> _ids;
    private readonly Dictionary<ulong, ulong> _contentOwners;
    private Entry[] _ring;
    private int _head;
    private int _count;
    private long _newest = long.MinValue;

    public DedupeWindow(DedupeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxEvents = options.MaxEvents;
        _windowSeconds = (long)options.Window.TotalSeconds;
        _ring = new Entry[Math.Min(_maxEvents, 16)];
        _ids = [];
        _contentOwners = [];
    }

    /// <summary>Events remembered now.</summary>
    public int Count => _count;

    /// <summary>Occurred-at (seconds since 2000) of the newest forgotten event; -1 while nothing was forgotten.</summary>
    public long LowWatermark { get; private set; } = -1;

    /// <summary>Whether an event with these hashes was seen: first by id, then by content.</summary>
    public DuplicateKind Check(ulong idHash, ulong contentHash)
    {
        if (idHash != 0 && _ids.Contains(idHash))
        {
            return DuplicateKind.ById;
        }

        if (_contentOwners.TryGetValue(contentHash, out var owner) && (owner != idHash || idHash == 0))
        {
            return DuplicateKind.ByContent;
        }

        return DuplicateKind.None;
    }

    /// <summary>True when an event with this content was remembered under another id (used when replaying a kept event, whose own id is remembered).</summary>
    public bool IsCopyOfAnother(ulong idHash, ulong contentHash) =>
        _contentOwners.TryGetValue(contentHash, out var owner) && owner != idHash;

    /// <summary>True when <paramref name="occurredAt"/> is at or below the low watermark, so a copy of it may have been forgotten.</summary>
    public bool IsBeyondWindow(DateTime occurredAt) => LowWatermark >= 0 && ToSeconds(occurredAt) <= LowWatermark;

    /// <summary>Remembers an event (call after <see cref="Check"/> said <see cref="DuplicateKind.None"/>), forgetting the oldest as needed.</summary>
    public void Add(ulong idHash, ulong contentHash, DateTime occurredAt)
    {
        var seconds = ToSeconds(occurredAt);
        Append(new Entry(idHash, contentHash, (uint)seconds));
        _newest = Math.Max(_newest, seconds);
        EvictBeyondLimits();
    }

    /// <summary>The remembered events, oldest first, 20 bytes each.</summary>
    public byte[] Pack()
    {
        var bytes = new byte[_count * EntrySize];
        var span = bytes.AsSpan();
        for (var i = 0; i < _count; i++)
        {
            ref readonly var entry = ref _ring[(_head + i) % _ring.Length];
            var slot = span.Slice(i * EntrySize, EntrySize);
            BinaryPrimitives.WriteUInt64LittleEndian(slot, entry.IdHash);
            BinaryPrimitives.WriteUInt64LittleEndian(slot[8..], entry.ContentHash);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], entry.Seconds);
        }

        return bytes;
    }

    /// <summary>Rebuilds a window from <see cref="Pack"/> output and the stored watermark, applying the current options.</summary>
    public static DedupeWindow Unpack(ReadOnlySpan<byte> packed, long lowWatermark, DedupeOptions options)
    {
        if (packed.Length % EntrySize != 0)
        {
            throw new ArgumentException($"Packed dedupe window length {packed.Length} is not a multiple of {EntrySize}.", nameof(packed));
        }

        var window = new DedupeWindow(options) { LowWatermark = lowWatermark };
        for (var offset = 0; offset < packed.Length; offset += EntrySize)
        {
            var slot = packed.Slice(offset, EntrySize);
            var entry = new Entry(
                BinaryPrimitives.ReadUInt64LittleEndian(slot),
                BinaryPrimitives.ReadUInt64LittleEndian(slot[8..]),
                BinaryPrimitives.ReadUInt32LittleEndian(slot[16..]));
            window.Append(entry);
            window._newest = Math.Max(window._newest, entry.Seconds);
        }

        window.EvictBeyondLimits();
        return window;
    }

    private void Append(Entry entry)
    {
        if (_count == _ring.Length)
        {
            Grow();
        }

        _ring[(_head + _count) % _ring.Length] = entry;
        _count++;
        if (entry.IdHash != 0)
        {
            _ids.Add(entry.IdHash);
        }

        _contentOwners.TryAdd(entry.ContentHash, entry.IdHash);
    }

    /// <summary>Forgets the oldest entries while there are too many, or the oldest is too far behind the newest.</summary>
    private void EvictBeyondLimits()
    {
        while (_count > 0 && (_count > _maxEvents || _ring[_head].Seconds < _newest - _windowSeconds))
        {
            EvictOldest();
        }
    }

    private void EvictOldest()
    {
        var entry = _ring[_head];
        _head = (_head + 1) % _ring.Length;
        _count--;
        if (entry.IdHash != 0)
        {
            _ids.Remove(entry.IdHash);
        }

        if (_contentOwners.TryGetValue(entry.ContentHash, out var owner) && owner == entry.IdHash)
        {
            _contentOwners.Remove(entry.ContentHash);
        }

        LowWatermark = Math.Max(LowWatermark, entry.Seconds);
    }

    private void Grow()
    {
        // The ring may exceed MaxEvents by one between Append and the eviction that follows it.
        var grown = new Entry[Math.Max(4, _ring.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = grown;
        _head = 0;
    }

    private static long ToSeconds(DateTime at) => Math.Clamp((at.Ticks / TimeSpan.TicksPerSecond) - EpochSeconds, 0, uint.MaxValue);

    private readonly record struct Entry(ulong IdHash, ulong ContentHash, uint Seconds);
}
