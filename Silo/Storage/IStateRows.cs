namespace Esrs.Silo.Storage;

/// <summary>
/// A part of a grain state that <see cref="GroupCommitGrainStorage"/> keeps as keyed rows beside the state's own row
/// (<c>EsrsGrainStateRow</c>), changed in the same transaction as the state's write: a write sends the rows that changed
/// instead of the whole part again, so its cost follows what the call changed rather than everything the state holds.
/// </summary>
public interface IStateRows
{
    /// <summary>Whether states of <paramref name="stateType"/> have such a part (the storage then reads and writes their rows).</summary>
    bool Holds(Type stateType);

    /// <summary>
    /// The state's payload without the part, and the part's rows changed against <paramref name="stored"/> (what the last read
    /// or committed write left stored; null: unknown, so every row is written and every other stored row removed).
    /// </summary>
    RowsWrite Write(object state, StoredRows? stored);

    /// <summary>Puts the stored rows (key order) into a state just read from its payload; answers what is stored.</summary>
    StoredRows Read(object state, IReadOnlyList<StateRow> rows);
}

/// <summary>One state's write: its payload, the changes to its rows, and the objects the upserted rows were made from.</summary>
public readonly record struct RowsWrite(byte[] Payload, RowChanges Changes, IReadOnlyList<KeyValuePair<long, object>> Upserted);

/// <summary>
/// The rows stored beside one state, as its last read or committed write left them: each key with the object its payload
/// was made from (an entry still the same object needs no write).
/// </summary>
public sealed class StoredRows
{
    public Dictionary<long, object> ByKey { get; } = [];

    /// <summary>What is stored once <paramref name="write"/> has committed over <paramref name="stored"/> (which it may update in place).</summary>
    public static StoredRows After(StoredRows? stored, in RowsWrite write)
    {
        var after = stored is null || write.Changes.ReplaceAll ? new StoredRows() : stored;
        foreach (var key in write.Changes.Deletes)
        {
            after.ByKey.Remove(key);
        }

        foreach (var (key, row) in write.Upserted)
        {
            after.ByKey[key] = row;
        }

        return after;
    }
}
