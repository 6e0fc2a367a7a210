using System.Runtime.CompilerServices;
using System.Text;
using Orleans.Storage;

namespace Esrs.Silo.Storage;

/// <summary>
/// Grain storage for the hot path (user grains): one row per grain in <c>EsrsGrainState</c>, keyed by service, grain
/// type and the exact key string, and for states with parts kept apart (<see cref="IStateRows"/>) rows beside it in
/// <c>EsrsGrainStateRow</c>, changed only with it; reads go straight to the database, writes through a <see cref="GroupCommitter"/>.
/// Optimistic concurrency as Orleans expects: the ETag is the row version, a write with a stale one fails with
/// <see cref="InconsistentStateException"/>. State is serialised by the silo's grain storage serializer.
/// </summary>
/// <param name="serviceId">The cluster's service id (part of every row's key).</param>
/// <param name="committer">The group committer writes go through.</param>
/// <param name="serializer">The silo's grain storage serializer.</param>
/// <param name="deleteOnClear">Clearing deletes the row (state whose key is personal: registry entries and indexes) instead
/// of keeping it empty at its version.</param>
/// <param name="appendsOf">Log rows that go in with a state's write, in its transaction (user grains: the events the
/// state's call applied, <see cref="Users.UserState.PendingLog"/>, under the state's writer id); null: states carry none.</param>
/// <param name="rows">The parts of a state kept as rows beside its row and written as what changed (user grains: the
/// quarantine and the dedupe window, <see cref="UserStateRows"/>); null: states are written whole.</param>
public sealed class GroupCommitGrainStorage(
    string serviceId, GroupCommitter committer, IGrainStorageSerializer serializer, bool deleteOnClear = false, Func<object?, IReadOnlyList<LogRow>?>? appendsOf = null,
    IStateRows? rows = null) : IGrainStorage
{
    // What each activation's state has stored beside it, by its grain state object (one per activation, dropped with it).
    private readonly ConditionalWeakTable<object, object> _stored = [];

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var withRows = rows?.Holds(typeof(T)) == true;
        var row = await committer.Database.ReadAsync(serviceId, Type(stateName, grainId), Key(grainId), CancellationToken.None, withRows);
        if (row is not { } stored)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            Remember(grainState, withRows, rows?.Empty());
            return;
        }

        grainState.State = stored.Payload is null ? Activator.CreateInstance<T>() : serializer.Deserialize<T>(new BinaryData(stored.Payload));
        grainState.ETag = Etag(stored.Version);
        grainState.RecordExists = stored.Payload is not null;
        // Rows go with their state's write and are removed with its clear: a state without a payload has none.
        Remember(grainState, withRows, withRows && stored.Payload is not null ? rows!.Read(grainState.State!, stored.Rows ?? []) : rows?.Empty());
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (rows?.Holds(typeof(T)) == true)
        {
            _stored.TryGetValue(grainState, out var stored);
            var write = rows.Write(grainState.State!, stored);
            await CommitAsync(stateName, grainId, grainState, write.Payload, appends: appendsOf?.Invoke(grainState.State), rowChanges: write.Changes);
            _stored.AddOrUpdate(grainState, rows.Committed(grainState.State!, stored, write));
        }
        else
        {
            var payload = serializer.Serialize(grainState.State).ToArray();
            await CommitAsync(stateName, grainId, grainState, payload, appends: appendsOf?.Invoke(grainState.State));
        }

        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await CommitAsync(stateName, grainId, grainState, payload: null, delete: deleteOnClear);
        Remember(grainState, rows?.Holds(typeof(T)) == true, rows?.Empty());
        if (deleteOnClear)
        {
            grainState.ETag = null;
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.RecordExists = false;
    }

    private void Remember(object grainState, bool withRows, object? stored)
    {
        if (!withRows)
        {
            return;
        }

        if (stored is null)
        {
            // Unknown: the next write replaces every row.
            _stored.Remove(grainState);
        }
        else
        {
            _stored.AddOrUpdate(grainState, stored);
        }
    }

    private async Task CommitAsync<T>(
        string stateName, GrainId grainId, IGrainState<T> grainState, byte[]? payload, bool delete = false, IReadOnlyList<LogRow>? appends = null, RowChanges? rowChanges = null)
    {
        long? expected = grainState.ETag is null ? null : long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture);
        var version = await committer.WriteAsync(new StateWrite(serviceId, Type(stateName, grainId), Key(grainId), expected, payload, delete) { Appends = appends, Rows = rowChanges });
        if (version is null)
        {
            throw new InconsistentStateException(
                $"Version conflict writing {stateName} of {grainId}: the stored row is not at version {grainState.ETag ?? "(none)"}.", "(unknown)", grainState.ETag ?? "(none)");
        }

        grainState.ETag = Etag(version.Value);
    }

    private static string Type(string stateName, GrainId grainId) => grainId.Type.ToString() + "/" + stateName;

    private static string Key(GrainId grainId) => Encoding.UTF8.GetString(grainId.Key.AsSpan());

    private static string Etag(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
