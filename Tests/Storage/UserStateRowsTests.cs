using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Silo.Storage;
using Esrs.Tests.Support;
using Esrs.Users;

namespace Esrs.Tests.Storage;

/// <summary>
/// The rows kept beside a state (<c>EsrsGrainStateRow</c>) on real SQLite and PostgreSQL: they change with their state's
/// write or not at all; a user's quarantine and large dedupe window are written as what each call changed and read back
/// as they were; a payload written whole counts over rows left beside it.
/// </summary>
public sealed class UserStateRowsTests : StateDatabaseTests
{
    [Theory]
    [MemberData(nameof(Stores))]
    public async Task RowsBesideAStateChangeWithItsWriteOrNotAtAll(string store)
    {
        await using var database = await OpenAsync(store);
        static StateRow Row(long key, params byte[] payload) => new(key, payload);
        static RowChanges Changes(StateRow[] upserts, long[]? deletes = null, bool replaceAll = false) => new(upserts, deletes ?? [], replaceAll);

        // A new state with rows 1, 2, 3; a stale "new" write of the same grain with its own row; neither touches the other grain.
        var created = new StateWrite(ServiceId, "t", "rows-grain", null, [1]) { Rows = Changes([Row(1, 10), Row(2, 20), Row(3, 30)]) };
        var stale = new StateWrite(ServiceId, "t", "rows-grain", null, [2]) { Rows = Changes([Row(9, 90)]) };
        var other = new StateWrite(ServiceId, "t", "rows-other", null, [3]) { Rows = Changes([Row(1, 11)]) };
        await database.WriteBatchAsync([created, stale, other], CancellationToken.None);
        Assert.Equal((1L, (long?)null, 1L), (created.NewVersion!.Value, stale.NewVersion, other.NewVersion!.Value));
        Assert.Equal([(1L, "10"), (2L, "20"), (3L, "30")], await RowsAsync(database, "rows-grain"));

        // A delta: row 2 removed, row 1 replaced, row 4 added; a stale update beside it (it read version 0) changes nothing.
        var delta = new StateWrite(ServiceId, "t", "rows-grain", 1, [4]) { Rows = Changes([Row(1, 12), Row(4, 40)], deletes: [2]) };
        var older = new StateWrite(ServiceId, "t", "rows-grain", 0, [5]) { Rows = Changes([], deletes: [1, 3], replaceAll: true) };
        await database.WriteBatchAsync([delta, older], CancellationToken.None);
        Assert.Equal((2L, (long?)null), (delta.NewVersion!.Value, older.NewVersion));
        Assert.Equal([(1L, "12"), (3L, "30"), (4L, "40")], await RowsAsync(database, "rows-grain"));

        // A write with no row changes leaves them; one that did not know what was stored replaces them all.
        await database.WriteBatchAsync([new StateWrite(ServiceId, "t", "rows-grain", 2, [6])], CancellationToken.None);
        Assert.Equal(3, (await RowsAsync(database, "rows-grain")).Count);
        await database.WriteBatchAsync([new StateWrite(ServiceId, "t", "rows-grain", 3, [7]) { Rows = Changes([Row(3, 31), Row(5, 50)], replaceAll: true) }], CancellationToken.None);
        Assert.Equal([(3L, "31"), (5L, "50")], await RowsAsync(database, "rows-grain"));

        // A clear removes them, and only this grain's.
        await database.WriteBatchAsync([new StateWrite(ServiceId, "t", "rows-grain", 4, payload: null)], CancellationToken.None);
        Assert.Empty(await RowsAsync(database, "rows-grain"));
        Assert.Equal([(1L, "11")], await RowsAsync(database, "rows-other"));
        await database.WriteBatchAsync([new StateWrite(ServiceId, "t", "rows-other", 1, payload: null, delete: true)], CancellationToken.None);
        Assert.Null(await database.ReadAsync(ServiceId, "t", "rows-other", CancellationToken.None, withRows: true));
        Assert.Equal(0L, await RowCountAsync(store));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AUserQuarantineIsWrittenAsWhatEachWriteAddedAndRemovedAndReadBackWhole(string store)
    {
        var serializer = Serializer;
        var id = GrainId.Create("user", "rows-user");
        var at = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        QuarantinedEvent Entry(long sequence) => new(sequence, TestEvents.View("rows-user", "sku-" + sequence, at) with { EventId = "q-" + sequence }, [new RuleDecision("type.unknown", DecisionKind.Rejected)], at.AddSeconds(sequence));

        await using var recording = new RecordingDatabase(await OpenAsync(store));
        await using (var committer = new GroupCommitter(recording))
        {
            var storage = UserStorage(committer);
            var state = new GrainState<UserState>();
            await storage.ReadStateAsync("user", id, state);
            state.State!.Quarantine.AddRange([Entry(0), Entry(1), Entry(2)]);
            state.State!.Accepted = 5;
            await storage.WriteStateAsync("user", id, state);
            Assert.Equal([0L, 1L, 2L], recording.Last.Rows!.Upserts.Select(r => r.Key));
            Assert.False(recording.Last.Rows.ReplaceAll);
            // The state's own payload does not carry the quarantine.
            Assert.Empty(serializer.Deserialize<UserState>(new BinaryData(recording.Last.Payload!))!.Quarantine);
            Assert.Equal(3, state.State!.Quarantine.Count);

            // The oldest leaves (spilled), one arrives: the write names exactly those two.
            state.State!.Quarantine.RemoveAt(0);
            state.State!.Quarantine.Add(Entry(3));
            await storage.WriteStateAsync("user", id, state);
            Assert.Equal([3L], recording.Last.Rows!.Upserts.Select(r => r.Key));
            Assert.Equal([0L], recording.Last.Rows.Deletes);

            // Nothing in the quarantine changed: no row is written.
            state.State!.Accepted = 6;
            await storage.WriteStateAsync("user", id, state);
            Assert.True(recording.Last.Rows!.IsEmpty);

            // A replay that resolved the middle entry replaces the list with the others: one delete.
            state.State!.Quarantine = [state.State!.Quarantine[0], state.State!.Quarantine[2]];
            await storage.WriteStateAsync("user", id, state);
            Assert.Empty(recording.Last.Rows!.Upserts);
            Assert.Equal([2L], recording.Last.Rows.Deletes);
        }

        // Another activation reads the whole quarantine back, in order, with the state's counters.
        await using (var committer = new GroupCommitter(await OpenAsync(store)))
        {
            var storage = UserStorage(committer);
            var read = new GrainState<UserState>();
            await storage.ReadStateAsync("user", id, read);
            Assert.Equal([1L, 3L], read.State!.Quarantine.Select(q => q.Sequence));
            Assert.Equal(["q-1", "q-3"], read.State!.Quarantine.Select(q => q.Event.EventId));
            Assert.Equal(["sku-1", "sku-3"], read.State!.Quarantine.Select(q => q.Event.ItemId));
            Assert.Equal(at.AddSeconds(3), read.State!.Quarantine[1].QuarantinedAt);
            Assert.Equal("type.unknown", read.State!.Quarantine[1].Reasons.Single().RuleId);
            Assert.Equal(6, read.State!.Accepted);

            // Cleared (an erasure): the rows go with the state.
            await storage.ClearStateAsync("user", id, read);
            Assert.Equal(0L, await RowCountAsync(store));
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AQuarantineStoredInsideItsStateIsReadAndMovedToRowsByTheNextWriteAndAWholeWriteOverRowsCounts(string store)
    {
        var serializer = Serializer;
        var id = GrainId.Create("user", "legacy-user");
        var at = new DateTime(2026, 11, 1, 10, 0, 0, DateTimeKind.Utc);
        await using var committer = new GroupCommitter(await OpenAsync(store));

        // Written by a storage that keeps the quarantine in the state's payload (as every write did before rows).
        var whole = new GroupCommitGrainStorage(ServiceId, committer, serializer);
        var legacy = new GrainState<UserState>(new UserState
        {
            Quarantine = [.. Enumerable.Range(0, 4).Select(i => new QuarantinedEvent(i, TestEvents.View("legacy-user", "old-" + i, at), [new RuleDecision("r", DecisionKind.Rejected)], at))],
        });
        await whole.WriteStateAsync("user", id, legacy);
        Assert.Equal(0L, await RowCountAsync(store));

        var storage = UserStorage(committer);
        var state = new GrainState<UserState>();
        await storage.ReadStateAsync("user", id, state);
        Assert.Equal(["old-0", "old-1", "old-2", "old-3"], state.State!.Quarantine.Select(q => q.Event.ItemId));
        await storage.WriteStateAsync("user", id, state);
        Assert.Equal(4L, await RowCountAsync(store));

        var again = new GrainState<UserState>();
        await storage.ReadStateAsync("user", id, again);
        Assert.Equal(["old-0", "old-1", "old-2", "old-3"], again.State!.Quarantine.Select(q => q.Event.ItemId));
        // The payload itself no longer holds them: read without rows, the state has no quarantine.
        var payloadOnly = new GrainState<UserState>();
        await whole.ReadStateAsync("user", id, payloadOnly);
        Assert.Empty(payloadOnly.State!.Quarantine);

        // Written whole again over those rows (a storage, or an older Esrs, that keeps the quarantine in the payload), with
        // two entries gone: the payload counts, the rows are not read, and the next write leaves rows for exactly its entries.
        again.State!.Quarantine.RemoveRange(0, 2);
        await whole.WriteStateAsync("user", id, again);
        var afterWhole = new GrainState<UserState>();
        await storage.ReadStateAsync("user", id, afterWhole);
        Assert.Equal(["old-2", "old-3"], afterWhole.State!.Quarantine.Select(q => q.Event.ItemId));
        await storage.WriteStateAsync("user", id, afterWhole);
        Assert.Equal(2L, await RowCountAsync(store));
        var last = new GrainState<UserState>();
        await storage.ReadStateAsync("user", id, last);
        Assert.Equal(["old-2", "old-3"], last.State!.Quarantine.Select(q => q.Event.ItemId));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ALargeDedupeWindowIsWrittenAsTheEventsEachCallAddedAndReadBackTheSame(string store)
    {
        var serializer = Serializer;
        var dedupe = new Esrs.Cleaning.DedupeOptions();
        var id = GrainId.Create("user", "window-user");
        var start = DateTime.UtcNow.AddDays(-5);
        var sent = new List<Esrs.Events.UserEvent>();
        UserEventProcessor Processor(UserState s) => new("window-user", s, new EventValidator(), new ValidationOptions(), dedupe, new Esrs.Profiles.ProfileOptions(), new QuarantineOptions());

        await using var recording = new RecordingDatabase(await OpenAsync(store));
        byte[] livePack;
        await using (var committer = new GroupCommitter(recording))
        {
            var storage = UserStorage(committer, dedupe);
            var state = new GrainState<UserState>();
            await storage.ReadStateAsync("user", id, state);
            var processor = Processor(state.State!);
            async Task CallAsync(int events)
            {
                var batch = Enumerable.Range(sent.Count, events).Select(i => TestEvents.View("window-user", "sku-" + i, start.AddMinutes(i))).ToList();
                sent.AddRange(batch);
                Assert.All(processor.Ingest(batch, DateTime.UtcNow), o => Assert.Equal(OutcomeKind.Accepted, o.Kind));
                processor.SealState();
                await storage.WriteStateAsync("user", id, state);
            }

            // 90 events (1,800 bytes): the window stays in the state's payload.
            await CallAsync(90);
            Assert.Empty(recording.Last.Rows!.Upserts);
            Assert.Equal(90 * 20, serializer.Deserialize<UserState>(new BinaryData(recording.Last.Payload!))!.DedupeEntries.Length);

            // Past 2 KB: a snapshot row of the whole window (kind, watermark, forgotten count, 110 entries), none in the payload.
            await CallAsync(20);
            Assert.Equal((-1L, 1 + 8 + 4 + (110 * 20)), (recording.Last.Rows!.Upserts.Single().Key, recording.Last.Rows.Upserts.Single().Payload.Length));
            Assert.Empty(serializer.Deserialize<UserState>(new BinaryData(recording.Last.Payload!))!.DedupeEntries);

            // Then each call writes only what it added: 7 events, 1 + 140 bytes, under the next key.
            await CallAsync(7);
            Assert.Equal((-2L, 1 + (7 * 20)), (recording.Last.Rows!.Upserts.Single().Key, recording.Last.Rows.Upserts.Single().Payload.Length));
            Assert.Empty(recording.Last.Rows.Deletes);

            // Segments past the snapshot's size: the next call writes a new snapshot and deletes the rows before it.
            var segments = 1;
            while (recording.Last.Rows!.Upserts.Single().Payload[0] == 1)
            {
                await CallAsync(7);
                segments++;
            }

            var snapshot = recording.Last.Rows.Upserts.Single();
            Assert.Equal(-(segments + 1L), snapshot.Key);
            Assert.Equal(1 + 8 + 4 + (sent.Count * 20), snapshot.Payload.Length);
            Assert.Equal(Enumerable.Range(1, segments).Select(n => -(long)n).Order(), recording.Last.Rows.Deletes.Order());
            await CallAsync(3);
            await CallAsync(5);
            livePack = processor.Window.Pack();
        }

        // Another activation reads the snapshot and replays the two segments after it: the same window, entry for entry.
        await using (var committer = new GroupCommitter(await OpenAsync(store)))
        {
            var storage = UserStorage(committer, dedupe);
            var read = new GrainState<UserState>();
            await storage.ReadStateAsync("user", id, read);
            Assert.Equal(livePack, read.State!.DedupeEntries);
            Assert.Equal(sent.Count, read.State.DedupeEntries.Length / 20);

            // Every event sent is known: sent again, each is a duplicate by id, and nothing is applied twice.
            var again = Processor(read.State);
            Assert.All(again.Ingest(sent, DateTime.UtcNow), o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
        }
    }

    private async Task<List<(long Key, string Payload)>> RowsAsync(IStateDatabase database, string grainKey) =>
        (await database.ReadAsync(ServiceId, "t", grainKey, CancellationToken.None, withRows: true))?.Rows?
            .Select(r => (r.Key, string.Concat(r.Payload.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture))))).ToList() ?? [];

    /// <summary>The real database, with every write it was given kept for the test to look at.</summary>
    private sealed class RecordingDatabase(IStateDatabase inner) : IStateDatabase
    {
        private readonly List<StateWrite> _writes = [];

        public StateWrite Last
        {
            get
            {
                lock (_writes)
                {
                    return _writes[^1];
                }
            }
        }

        public int MaxConcurrentCommits => inner.MaxConcurrentCommits;

        public Task<StoredState?> ReadAsync(string serviceId, string grainType, string grainKey, CancellationToken cancellationToken, bool withRows = false) =>
            inner.ReadAsync(serviceId, grainType, grainKey, cancellationToken, withRows);

        public Task WriteBatchAsync(IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken)
        {
            lock (_writes)
            {
                _writes.AddRange(batch);
            }

            return inner.WriteBatchAsync(batch, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>The storage the silo gives user grains: group commit, with the quarantine and a large window as rows.</summary>
    private GroupCommitGrainStorage UserStorage(GroupCommitter committer, DedupeOptions? dedupe = null) =>
        new(ServiceId, committer, Serializer, rows: new UserStateRows(Serializer, dedupe ?? new DedupeOptions()));

    /// <summary>Rows beside states of this test's service, in <paramref name="store"/>.</summary>
    private Task<long> RowCountAsync(string store) => ScalarAsync(store, "SELECT COUNT(*) FROM EsrsGrainStateRow WHERE ServiceId = @s");
}
