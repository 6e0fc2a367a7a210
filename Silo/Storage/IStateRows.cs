namespace Esrs.Silo.Storage;

/// <summary>
/// Parts of a grain state that <see cref="GroupCommitGrainStorage"/> keeps as keyed rows beside the state's own row
/// (<c>EsrsGrainStateRow</c>), changed in the same transaction as the state's write: a write sends the rows that changed
/// instead of the whole part again, so its cost follows what the call changed rather than everything the state holds.
/// What is stored for one state is the implementation's own object (null: unknown), kept by the storage per activation.
/// </summary>
public interface IStateRows
{
    /// <summary>Whether states of <paramref name="stateType"/> have such parts (the storage then reads and writes their rows).</summary>
    bool Holds(Type stateType);

    /// <summary>What is stored beside a state that has no row, or was cleared.</summary>
    object Empty();

    /// <summary>
    /// The state's payload without the parts kept as rows, and the rows changed against <paramref name="stored"/> (null:
    /// unknown, so every row is written and every other stored row removed). Leaves the state and what is stored as they
    /// were (the write may yet fail); the parts are taken out of the state only while it is serialised, on this thread.
    /// </summary>
    RowsWrite Write(object state, object? stored);

    /// <summary>What is stored once <paramref name="write"/> has committed over <paramref name="stored"/> (which it may update in place).</summary>
    object Committed(object state, object? stored, RowsWrite write);

    /// <summary>
    /// Puts the stored rows (key order) into a state just read from its payload; answers what is stored, or null when that
    /// is unknown (the rows are not the state's: its next write replaces them all).
    /// </summary>
    object? Read(object state, IReadOnlyList<StateRow> rows);
}

/// <summary>One state's write: its payload, the changes to its rows, and what the implementation needs once it commits.</summary>
public sealed record RowsWrite(byte[] Payload, RowChanges Changes, object? Pending);
