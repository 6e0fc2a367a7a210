using Esrs.Users;
using Orleans.Storage;

namespace Esrs.Silo.Storage;

/// <summary>
/// A user state's quarantine kept as one row per entry beside the state (<see cref="IStateRows"/>), keyed by the entry's
/// sequence. Entries are immutable and only ever added (at the end, with a new sequence) or removed, so a write serialises
/// the entries that are new since what is stored and names the ones gone: before this, every write of a user with a
/// quarantine serialised and stored all of it (up to <see cref="QuarantineOptions.Capacity"/> entries) again.
/// A state read from a payload that still holds its quarantine (written before, or by another storage) keeps those
/// entries; its next write moves them to rows.
/// </summary>
public sealed class QuarantineRows(IGrainStorageSerializer serializer) : IStateRows
{
    // Stands in for a state's quarantine while the state is serialised (never changed: nothing runs while it is in place).
    private static readonly List<QuarantinedEvent> None = [];

    public bool Holds(Type stateType) => stateType == typeof(UserState);

    public RowsWrite Write(object state, StoredRows? stored)
    {
        var user = (UserState)state;
        var entries = user.Quarantine;
        byte[] payload;
        user.Quarantine = None;
        try
        {
            payload = serializer.Serialize(user).ToArray();
        }
        finally
        {
            user.Quarantine = entries;
        }

        var upserts = new List<StateRow>();
        var upserted = new List<KeyValuePair<long, object>>();
        var kept = 0;
        var previous = long.MinValue;
        foreach (var entry in entries)
        {
            if (entry.Sequence <= previous)
            {
                // Rows are keyed by sequence: two entries under one would become one row, and one of them would be lost.
                throw new InvalidOperationException($"The quarantine's entries are not in strictly rising sequence order ({previous} then {entry.Sequence}).");
            }

            previous = entry.Sequence;
            if (stored is not null && stored.ByKey.TryGetValue(entry.Sequence, out var was))
            {
                kept++;
                if (ReferenceEquals(was, entry))
                {
                    continue;
                }
            }

            upserts.Add(new StateRow(entry.Sequence, serializer.Serialize(entry).ToArray()));
            upserted.Add(new(entry.Sequence, entry));
        }

        List<long> deletes = [];
        if (stored is not null && stored.ByKey.Count > kept)
        {
            var present = new HashSet<long>(entries.Count);
            foreach (var entry in entries)
            {
                present.Add(entry.Sequence);
            }

            foreach (var key in stored.ByKey.Keys)
            {
                if (!present.Contains(key))
                {
                    deletes.Add(key);
                }
            }
        }

        return new RowsWrite(payload, new RowChanges(upserts, deletes, ReplaceAll: stored is null), upserted);
    }

    public StoredRows Read(object state, IReadOnlyList<StateRow> rows)
    {
        var user = (UserState)state;
        var stored = new StoredRows();
        if (rows.Count == 0)
        {
            return stored;
        }

        var entries = new List<QuarantinedEvent>(rows.Count + user.Quarantine.Count);
        foreach (var row in rows)
        {
            var entry = serializer.Deserialize<QuarantinedEvent>(new BinaryData(row.Payload))
                ?? throw new InvalidDataException($"Quarantine row {row.Key} holds no entry.");
            stored.ByKey[row.Key] = entry;
            entries.Add(entry);
        }

        // Entries still in the payload (written before the quarantine had rows) that no row holds: kept, in sequence order.
        foreach (var entry in user.Quarantine)
        {
            if (!stored.ByKey.ContainsKey(entry.Sequence))
            {
                entries.Add(entry);
            }
        }

        if (entries.Count > rows.Count)
        {
            entries.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        }

        user.Quarantine = entries;
        return stored;
    }
}
