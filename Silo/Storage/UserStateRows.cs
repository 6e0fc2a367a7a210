using System.Buffers.Binary;
using Esrs.Cleaning;
using Esrs.Users;
using Orleans.Storage;

namespace Esrs.Silo.Storage;

/// <summary>
/// The two parts of a user's state that grow with its history, kept as rows beside the state (<see cref="IStateRows"/>)
/// so that a write costs what the call changed:
/// <list type="bullet">
/// <item>The quarantine: one row per entry, keyed by its sequence (keys from 0 up). Entries are immutable and only ever
/// added (at the end, with a new sequence) or removed, so a write serialises the entries that are new since what is stored
/// and names the ones gone. Before, every write serialised and stored all of it again (up to
/// <see cref="QuarantineOptions.Capacity"/> entries).</item>
/// <item>The dedupe window (20 bytes an event remembered, up to <see cref="DedupeOptions.MaxEvents"/>), once it is larger than
/// <see cref="InlineBytes"/>: a snapshot row (the window, its watermark and its recently forgotten ids), then one row per
/// write holding the events that write's calls added, in order (<see cref="UserState.DedupeAdds"/>). Reading replays
/// those adds on the snapshot with the window's own algorithm, so the window read is the window written. A new snapshot
/// replaces them all when they outweigh the snapshot or number <see cref="MaxSegments"/>. Keys below 0: snapshot and
/// segments numbered n = 0, 1, ... are stored under -(n + 1). A new snapshot is also written when the adds are not all
/// known (a state made anew, as a merge rebuild does, or more adds than the window holds). A small window stays in the
/// state's payload; a window in rows goes back to the payload once it shrinks to half of <see cref="InlineBytes"/>.</item>
/// </list>
/// Payloads written here say so (<see cref="UserState.PartsInRows"/>). A payload without the mark was written whole
/// (before these rows, or by a storage or an older Esrs that writes states whole): it holds the quarantine and the window
/// itself, any rows beside it are older than it and are not read, and its next write here replaces every row. An older
/// Esrs cannot read a payload written here (it would see no quarantine and no window): rolling back across this change
/// is not supported.
/// </summary>
public sealed class UserStateRows(IGrainStorageSerializer serializer, DedupeOptions dedupe) : IStateRows
{
    /// <summary>Largest dedupe window kept in the state's payload; a larger one goes to rows (about 100 events).</summary>
    public const int InlineBytes = 2048;

    /// <summary>Most dedupe segments after a snapshot before the next snapshot.</summary>
    public const int MaxSegments = 64;

    private const byte SnapshotKind = 0;
    private const byte SegmentKind = 1;

    // Stand in for a state's parts while the state is serialised (never changed: nothing runs while they are in place).
    private static readonly List<QuarantinedEvent> NoQuarantine = [];

    public bool Holds(Type stateType) => stateType == typeof(UserState);

    public object Empty() => new Stored();

    public RowsWrite Write(object state, object? stored)
    {
        var user = (UserState)state;
        var known = (Stored?)stored;
        var upserts = new List<StateRow>();
        var deletes = new List<long>();
        var quarantine = QuarantineChanges(user.Quarantine, known, upserts, deletes);
        var window = WindowChanges(user, known, upserts, deletes);

        var (entries, packed, marked) = (user.Quarantine, user.DedupeEntries, user.PartsInRows);
        byte[] payload;
        user.Quarantine = NoQuarantine;
        user.PartsInRows = true;
        if (window.Kind is not (WindowPlan.Inline or WindowPlan.ToInline))
        {
            user.DedupeEntries = [];
        }

        try
        {
            payload = serializer.Serialize(user).ToArray();
        }
        finally
        {
            (user.Quarantine, user.DedupeEntries, user.PartsInRows) = (entries, packed, marked);
        }

        return new RowsWrite(payload, new RowChanges(upserts, deletes, ReplaceAll: known is null), new Pending(quarantine, window));
    }

    public object Committed(object state, object? stored, RowsWrite write)
    {
        var user = (UserState)state;
        var pending = (Pending)write.Pending!;
        var after = stored is Stored known && !write.Changes.ReplaceAll ? known : new Stored();
        foreach (var key in pending.Quarantine.Deletes)
        {
            after.Quarantine.Remove(key);
        }

        foreach (var entry in pending.Quarantine.Upserted)
        {
            after.Quarantine[entry.Sequence] = entry;
        }

        var window = pending.Window;
        switch (window.Kind)
        {
            case WindowPlan.Snapshot:
                (after.SnapshotN, after.SnapshotBytes, after.SegmentBytes) = (window.N, window.Bytes, 0);
                after.Segments.Clear();
                break;
            case WindowPlan.Segment:
                after.Segments.Add(window.N);
                after.SegmentBytes += window.Bytes;
                break;
            case WindowPlan.Inline or WindowPlan.ToInline:
                (after.SnapshotN, after.SnapshotBytes, after.SegmentBytes) = (-1, 0, 0);
                after.Segments.Clear();
                break;
        }

        // What is stored now holds the window as it was sealed: the adds written (or folded into a snapshot) are done.
        user.DedupeAdds.Stored(window.AddsLength);
        return after;
    }

    public object? Read(object state, IReadOnlyList<StateRow> rows)
    {
        var user = (UserState)state;
        // The mark says how this payload was written; in memory the state is whole, and a storage that writes it whole
        // must not pass the mark on.
        var marked = user.PartsInRows;
        user.PartsInRows = false;
        if (!marked)
        {
            // Written whole (before these rows, or by a storage that writes states whole, such as an older Esrs after a
            // roll-back): the payload holds the quarantine and the window, and any rows beside it are older than it. They
            // are not read; what is stored is unknown, so the next write replaces every row.
            user.DedupeAdds.Stored(user.DedupeAdds.Length);
            return rows.Count == 0 ? new Stored() : null;
        }

        var stored = new Stored();
        List<QuarantinedEvent>? entries = null;
        List<StateRow>? window = null;
        foreach (var row in rows)
        {
            if (row.Key < 0)
            {
                (window ??= []).Add(row);
                continue;
            }

            var entry = serializer.Deserialize<QuarantinedEvent>(new BinaryData(row.Payload))
                ?? throw new InvalidDataException($"Quarantine row {row.Key} holds no entry.");
            stored.Quarantine[row.Key] = entry;
            (entries ??= new List<QuarantinedEvent>(rows.Count)).Add(entry);
        }

        // A payload of ours holds no quarantine: the rows are all of it.
        user.Quarantine = entries ?? [];

        if (window is not null)
        {
            ReadWindow(user, window, stored);
        }

        user.DedupeAdds.Stored(user.DedupeAdds.Length);
        return stored;
    }

    private QuarantinePlan QuarantineChanges(List<QuarantinedEvent> entries, Stored? stored, List<StateRow> upserts, List<long> deletes)
    {
        var upserted = new List<QuarantinedEvent>();
        var kept = 0;
        var previous = long.MinValue;
        foreach (var entry in entries)
        {
            if (entry.Sequence <= previous || entry.Sequence < 0)
            {
                // Rows are keyed by sequence: two entries under one would become one row, and one of them would be lost.
                throw new InvalidOperationException($"The quarantine's entries are not in strictly rising, non-negative sequence order ({previous} then {entry.Sequence}).");
            }

            previous = entry.Sequence;
            if (stored is not null && stored.Quarantine.TryGetValue(entry.Sequence, out var was))
            {
                kept++;
                if (ReferenceEquals(was, entry))
                {
                    continue;
                }
            }

            upserts.Add(new StateRow(entry.Sequence, serializer.Serialize(entry).ToArray()));
            upserted.Add(entry);
        }

        var firstDelete = deletes.Count;
        if (stored is not null && stored.Quarantine.Count > kept)
        {
            var present = new HashSet<long>(entries.Count);
            foreach (var entry in entries)
            {
                present.Add(entry.Sequence);
            }

            foreach (var key in stored.Quarantine.Keys)
            {
                if (!present.Contains(key))
                {
                    deletes.Add(key);
                }
            }
        }

        return new QuarantinePlan(upserted, deletes[firstDelete..]);
    }

    private static WindowChange WindowChanges(UserState user, Stored? stored, List<StateRow> upserts, List<long> deletes)
    {
        var packed = user.DedupeEntries;
        var adds = user.DedupeAdds;
        var inRows = stored is { SnapshotN: >= 0 };
        if (!inRows && packed.Length <= InlineBytes)
        {
            return new WindowChange(WindowPlan.Inline, -1, 0, adds.Length);
        }

        if (inRows && packed.Length <= InlineBytes / 2)
        {
            DeleteWindowRows(stored!, deletes);
            return new WindowChange(WindowPlan.ToInline, -1, 0, adds.Length);
        }

        var n = stored?.NextN ?? 0;
        if (!inRows || !adds.Complete || stored!.Segments.Count >= MaxSegments
            || stored.SegmentBytes + adds.Length > Math.Max(stored.SnapshotBytes, InlineBytes))
        {
            var snapshot = Snapshot(user);
            if (stored is not null)
            {
                DeleteWindowRows(stored, deletes);
            }

            upserts.Add(new StateRow(KeyOf(n), snapshot));
            return new WindowChange(WindowPlan.Snapshot, n, snapshot.Length, adds.Length);
        }

        if (adds.Length == 0)
        {
            return new WindowChange(WindowPlan.Unchanged, -1, 0, 0);
        }

        var segment = new byte[1 + adds.Length];
        segment[0] = SegmentKind;
        adds.Bytes.CopyTo(segment.AsSpan(1));
        upserts.Add(new StateRow(KeyOf(n), segment));
        return new WindowChange(WindowPlan.Segment, n, segment.Length, adds.Length);
    }

    private static void DeleteWindowRows(Stored stored, List<long> deletes)
    {
        if (stored.SnapshotN >= 0)
        {
            deletes.Add(KeyOf(stored.SnapshotN));
        }

        foreach (var n in stored.Segments)
        {
            deletes.Add(KeyOf(n));
        }
    }

    /// <summary>Kind, watermark, the recently forgotten ids, then the window as <see cref="DedupeWindow.Pack"/> packs it.</summary>
    private static byte[] Snapshot(UserState user)
    {
        var forgotten = user.DedupeRecentlyForgotten;
        var bytes = new byte[1 + 8 + 4 + (forgotten.Count * 8) + user.DedupeEntries.Length];
        bytes[0] = SnapshotKind;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(1), user.DedupeWatermark);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(9), forgotten.Count);
        for (var i = 0; i < forgotten.Count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(13 + (i * 8)), forgotten[i]);
        }

        user.DedupeEntries.CopyTo(bytes.AsSpan(13 + (forgotten.Count * 8)));
        return bytes;
    }

    private void ReadWindow(UserState user, List<StateRow> rows, Stored stored)
    {
        rows.Sort(static (a, b) => b.Key.CompareTo(a.Key));
        var snapshot = rows[0].Payload;
        if (snapshot.Length < 13 || snapshot[0] != SnapshotKind)
        {
            throw new InvalidDataException($"The first dedupe row (key {rows[0].Key}) is not a snapshot.");
        }

        (stored.SnapshotN, stored.SnapshotBytes) = (NOf(rows[0].Key), snapshot.Length);
        foreach (var row in rows.Skip(1))
        {
            if (row.Payload.Length == 0 || row.Payload[0] != SegmentKind)
            {
                throw new InvalidDataException($"Dedupe row {row.Key} after the snapshot is not a segment.");
            }

            stored.Segments.Add(NOf(row.Key));
            stored.SegmentBytes += row.Payload.Length;
        }

        // A payload of ours with window rows beside it holds no window of its own (a write keeps one or the other).
        var watermark = BinaryPrimitives.ReadInt64LittleEndian(snapshot.AsSpan(1));
        var count = BinaryPrimitives.ReadInt32LittleEndian(snapshot.AsSpan(9));
        var forgotten = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            forgotten[i] = BinaryPrimitives.ReadUInt64LittleEndian(snapshot.AsSpan(13 + (i * 8)));
        }

        var window = DedupeWindow.Replay(snapshot.AsSpan(13 + (count * 8)), watermark, forgotten, rows.Skip(1).Select(r => (ReadOnlyMemory<byte>)r.Payload.AsMemory(1)), dedupe);

        user.DedupeEntries = window.Pack();
        // The payload's watermark and forgotten ids were sealed with the window: the replay must arrive at them; should it
        // not, the higher watermark is the one that never lets a forgotten event count twice.
        user.DedupeWatermark = Math.Max(user.DedupeWatermark, window.LowWatermark);
    }

    private static long KeyOf(long n) => -(n + 1);

    private static long NOf(long key) => -key - 1;

    private enum WindowPlan
    {
        /// <summary>In the payload; no window rows stored or written.</summary>
        Inline,

        /// <summary>Back to the payload: the window rows are deleted.</summary>
        ToInline,

        /// <summary>In rows, and nothing added since they were written.</summary>
        Unchanged,

        /// <summary>The adds written as a new segment after the stored ones.</summary>
        Segment,

        /// <summary>A new snapshot replaces every window row.</summary>
        Snapshot,
    }

    private readonly record struct WindowChange(WindowPlan Kind, long N, int Bytes, int AddsLength);

    private sealed record QuarantinePlan(List<QuarantinedEvent> Upserted, List<long> Deletes);

    private sealed record Pending(QuarantinePlan Quarantine, WindowChange Window);

    /// <summary>The rows stored beside one state, as its last read or committed write left them.</summary>
    private sealed class Stored
    {
        /// <summary>Each quarantine row's key with the entry it was written from (an entry still the same object needs no write).</summary>
        public Dictionary<long, QuarantinedEvent> Quarantine { get; } = [];

        /// <summary>The stored window snapshot's number; -1: the window is in the payload.</summary>
        public long SnapshotN { get; set; } = -1;

        public int SnapshotBytes { get; set; }

        /// <summary>The numbers of the segments after the snapshot, in order.</summary>
        public List<long> Segments { get; } = [];

        public long SegmentBytes { get; set; }

        public long NextN => Segments.Count > 0 ? Segments[^1] + 1 : SnapshotN + 1;
    }
}
