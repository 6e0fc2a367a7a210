using Esrs.Silo.Storage;
using Orleans.Storage;

namespace Esrs.Tests.Storage;

/// <summary>
/// The group-commit grain storage on real SQLite and PostgreSQL: concurrent writes share commits yet each is acknowledged
/// with its own version and read back exactly from a fresh connection; a stale version fails that write alone; a batch
/// the database refuses commits nothing and every caller in it hears so.
/// </summary>
public sealed class GroupCommitStorageTests : StateDatabaseTests
{
    private static readonly GrainType Type = GrainType.Create("esrs-test-state");

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ConcurrentWritesShareCommitsAndEachIsReadBackExactly(string store)
    {
        const int Grains = 300;
        await using (var committer = new GroupCommitter(await OpenAsync(store)))
        {
            var storage = Storage(committer);
            var states = Enumerable.Range(0, Grains).Select(i => new GrainState<Dictionary<string, long>>(new() { ["n"] = i, ["square"] = (long)i * i })).ToArray();
            await Task.WhenAll(states.Select((s, i) => storage.WriteStateAsync("user", Id(i), s)));
            Assert.All(states, s => Assert.Equal("1", s.ETag));
            var (commits, writes) = committer.Totals;
            Assert.Equal(Grains, writes);
            // 300 writes queued at once must not cost 300 transactions.
            Assert.True(commits <= Grains / 4, $"{commits} commits for {writes} concurrent writes");
        }

        await using (var committer = new GroupCommitter(await OpenAsync(store)))
        {
            var storage = Storage(committer);
            for (var i = 0; i < Grains; i++)
            {
                var read = new GrainState<Dictionary<string, long>>();
                await storage.ReadStateAsync("user", Id(i), read);
                Assert.True(read.RecordExists);
                Assert.Equal("1", read.ETag);
                Assert.Equal(i, read.State!["n"]);
                Assert.Equal((long)i * i, read.State!["square"]);
            }

            var missing = new GrainState<Dictionary<string, long>>();
            await storage.ReadStateAsync("user", Id(Grains + 1), missing);
            Assert.False(missing.RecordExists);
            Assert.Null(missing.ETag);
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AStaleVersionFailsThatWriteAloneAndKeepsTheStoredRow(string store)
    {
        await using var committer = new GroupCommitter(await OpenAsync(store));
        var storage = Storage(committer);
        var first = new GrainState<Dictionary<string, long>>(new() { ["v"] = 1 });
        await storage.WriteStateAsync("user", Id(0), first);
        await storage.WriteStateAsync("user", Id(0), first);
        Assert.Equal("2", first.ETag);

        // A second activation that still believes there is no row, and one that read version 1, beside two honest writers.
        var stale = new GrainState<Dictionary<string, long>>(new() { ["v"] = 99 });
        var older = new GrainState<Dictionary<string, long>>(new() { ["v"] = 98 }) { ETag = "1" };
        var others = new[] { new GrainState<Dictionary<string, long>>(new() { ["v"] = 7 }), new GrainState<Dictionary<string, long>>(new() { ["v"] = 8 }) };
        var staleWrite = storage.WriteStateAsync("user", Id(0), stale);
        var olderWrite = storage.WriteStateAsync("user", Id(0), older);
        var otherWrites = others.Select((s, i) => storage.WriteStateAsync("user", Id(i + 1), s)).ToArray();
        await Assert.ThrowsAsync<InconsistentStateException>(() => staleWrite);
        await Assert.ThrowsAsync<InconsistentStateException>(() => olderWrite);
        await Task.WhenAll(otherWrites);

        var read = new GrainState<Dictionary<string, long>>();
        await storage.ReadStateAsync("user", Id(0), read);
        Assert.Equal("2", read.ETag);
        Assert.Equal(1, read.State!["v"]);
        for (var i = 0; i < others.Length; i++)
        {
            var other = new GrainState<Dictionary<string, long>>();
            await storage.ReadStateAsync("user", Id(i + 1), other);
            Assert.Equal(7 + i, other.State!["v"]);
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ClearKeepsTheVersionChainAndReadsAsNoRecord(string store)
    {
        await using var committer = new GroupCommitter(await OpenAsync(store));
        var storage = Storage(committer);
        var state = new GrainState<Dictionary<string, long>>(new() { ["v"] = 5 });
        await storage.WriteStateAsync("user", Id(0), state);
        await storage.ClearStateAsync("user", Id(0), state);
        Assert.Equal("2", state.ETag);
        var read = new GrainState<Dictionary<string, long>>();
        await storage.ReadStateAsync("user", Id(0), read);
        Assert.False(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Empty(read.State!);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ClearDeletesTheRowWhenAskedAndAStaleDeleteFailsAlone(string store)
    {
        await using var committer = new GroupCommitter(await OpenAsync(store));
        var storage = new GroupCommitGrainStorage(ServiceId, committer, Serializer, deleteOnClear: true);
        var state = new GrainState<Dictionary<string, long>>(new() { ["v"] = 5 });
        await storage.WriteStateAsync("registry", Id(0), state);
        var stale = new GrainState<Dictionary<string, long>>();
        await storage.ReadStateAsync("registry", Id(0), stale);
        await storage.WriteStateAsync("registry", Id(0), state);

        // A clear from an activation that read an older version deletes nothing.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("registry", Id(0), stale));
        await storage.ClearStateAsync("registry", Id(0), state);
        Assert.Null(state.ETag);
        Assert.Null(await committer.Database.ReadAsync(ServiceId, Type + "/registry", "user-0", CancellationToken.None));
        // Clearing what was never stored is nothing to do; writing again starts a new row.
        await storage.ClearStateAsync("registry", Id(1), new GrainState<Dictionary<string, long>>());
        await storage.WriteStateAsync("registry", Id(0), state);
        Assert.Equal("1", state.ETag);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task LogRowsGoInWithTheirStateWriteOrNotAtAll(string store)
    {
        await using var database = await OpenAsync(store);
        static LogRow Row(long sequence) => new("log-user", "log-grain", sequence, [(byte)sequence]);

        // In one batch: a new row with two log rows; a second "new" row for the same grain (a stale activation) with its
        // own log row; a write to another grain. The stale write fails alone, and its log row with it.
        var created = new StateWrite(ServiceId, "t", "log-grain", null, [1]) { Appends = [Row(1), Row(2)] };
        var stale = new StateWrite(ServiceId, "t", "log-grain", null, [2]) { Appends = [Row(3)] };
        var other = new StateWrite(ServiceId, "t", "log-other", null, [3]);
        await database.WriteBatchAsync([created, stale, other], CancellationToken.None);
        Assert.Equal((1L, (long?)null, 1L), (created.NewVersion!.Value, stale.NewVersion, other.NewVersion!.Value));
        Assert.Equal([1L, 2L], await LogSequencesAsync(store));

        // An update that carries a row under a key already there (what a failed attempt of a retried call left) and a new
        // one: the row is replaced, not doubled; a stale update beside it adds nothing.
        var updated = new StateWrite(ServiceId, "t", "log-grain", 1, [4]) { Appends = [new LogRow("log-user", "log-grain", 2, [9, 9, 9]), Row(4)] };
        var older = new StateWrite(ServiceId, "t", "log-grain", 1, [5]) { Appends = [Row(5)] };
        await database.WriteBatchAsync([updated, older], CancellationToken.None);
        Assert.Equal((2L, (long?)null), (updated.NewVersion!.Value, older.NewVersion));
        Assert.Equal([1L, 2L, 4L], await LogSequencesAsync(store));
        Assert.Equal(3L, await ScalarAsync(store, "SELECT length(Payload) FROM EsrsUserEventLog WHERE ServiceId = @s AND UserKey = 'log-user' AND Sequence = 2"));
    }

    [Fact]
    public async Task ABatchTheDatabaseRefusesCommitsNothing()
    {
        // PostgreSQL text cannot hold NUL: the middle write makes the whole transaction fail.
        await using var database = (PostgreSqlStateDatabase)await OpenAsync("postgresql");
        var batch = new[]
        {
            new StateWrite(ServiceId, "t", "before", null, [1, 2, 3]),
            new StateWrite(ServiceId, "t", "bad\0key", null, [4]),
            new StateWrite(ServiceId, "t", "after", null, [5]),
        };
        await Assert.ThrowsAnyAsync<Exception>(() => database.WriteBatchAsync(batch, CancellationToken.None));
        Assert.Null(await database.ReadAsync(ServiceId, "t", "before", CancellationToken.None));
        Assert.Null(await database.ReadAsync(ServiceId, "t", "after", CancellationToken.None));

        await using var committer = new GroupCommitter(database);
        var failing = committer.WriteAsync(new StateWrite(ServiceId, "t", "bad\0key", null, [4]));
        await Assert.ThrowsAnyAsync<Exception>(() => failing);
        Assert.Equal(1, await committer.WriteAsync(new StateWrite(ServiceId, "t", "later", null, [6])));
    }

    private GroupCommitGrainStorage Storage(GroupCommitter committer) => new(ServiceId, committer, Serializer);

    private async Task<List<long>> LogSequencesAsync(string store)
    {
        var sequences = new List<long>();
        for (var i = 1L; i <= 5; i++)
        {
            if (await ScalarAsync(store, $"SELECT COUNT(*) FROM EsrsUserEventLog WHERE ServiceId = @s AND UserKey = 'log-user' AND Writer = 'log-grain' AND Sequence = {i}") == 1)
            {
                sequences.Add(i);
            }
        }

        return sequences;
    }

    private static GrainId Id(int i) => GrainId.Create(Type, "user-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
