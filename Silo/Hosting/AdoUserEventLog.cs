using System.Globalization;
using Esrs.Silo.Storage;
using Esrs.Users;
using Orleans.Serialization;

namespace Esrs.Silo.Hosting;

/// <summary>
/// The user event log (<c>EsrsUserEventLog</c>, created by the schema scripts) on the silo's own database. With group commit
/// (the default) a user grain's log rows go in with its state write, in the same statement and transaction, so they cost
/// no commit, fsync or round trip of their own (<see cref="AppendsWithState"/>); without it they are appended in a
/// transaction of their own before the state is written. Reads go to the database directly. Entries are stored with
/// Orleans' serializer, as grain state is.
/// </summary>
public sealed class AdoUserEventLog : IUserEventLog, IAsyncDisposable
{
    private readonly string _serviceId;
    private readonly Serializer _serializer;
    private readonly GroupCommitter? _committer;
    private readonly SiloDatabase _database;

    public AdoUserEventLog(EsrsSiloOptions options, string serviceId, Serializer serializer, GroupCommitter? committer)
    {
        ArgumentNullException.ThrowIfNull(options);
        _serviceId = serviceId;
        _serializer = serializer;
        _committer = committer;
        _database = new SiloDatabase(options);
    }

    public bool AppendsWithState => _committer is not null;

    /// <summary>
    /// The rows of <paramref name="entries"/> as the state database stores them: one per user id the events were sent to
    /// (a forwarded call, or a replay of a person's quarantine, may hold several), keyed by <paramref name="writer"/> (the
    /// grain that applied them) and its log sequence of the first.
    /// </summary>
    public IReadOnlyList<LogRow> ToRows(string writer, IReadOnlyList<LoggedEvent> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > 0 && entries.All(e => string.Equals(e.Origin, entries[0].Origin, StringComparison.Ordinal)))
        {
            return [new LogRow(entries[0].Origin, writer, entries[0].Sequence, _serializer.SerializeToArray(entries.ToArray()))];
        }

        return [.. entries.GroupBy(e => e.Origin, StringComparer.Ordinal).Select(g => new LogRow(g.Key, writer, g.First().Sequence, _serializer.SerializeToArray(g.ToArray())))];
    }

    public async Task AppendAsync(string writer, IReadOnlyList<LoggedEvent> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        var rows = ToRows(writer, entries);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var row in rows)
        {
            // A row left by an append whose state write then failed is replaced: the retry's events are the ones the state holds.
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO EsrsUserEventLog (ServiceId, UserKey, Writer, Sequence, Payload)
                VALUES (@service, @user, @writer, @sequence, @payload)
                ON CONFLICT (ServiceId, UserKey, Writer, Sequence) DO UPDATE SET Payload = excluded.Payload
                """;
            SiloDatabase.Add(command, "service", _serviceId);
            SiloDatabase.Add(command, "user", row.UserKey);
            SiloDatabase.Add(command, "writer", row.Writer);
            SiloDatabase.Add(command, "sequence", row.Sequence);
            SiloDatabase.Add(command, "payload", row.Payload);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LoggedEvent>> ReadAsync(IReadOnlyCollection<string> origins, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(origins);
        var entries = new List<LoggedEvent>();
        if (origins.Count == 0)
        {
            return entries;
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        SiloDatabase.Add(command, "service", _serviceId);
        if (_database.IsPostgreSql)
        {
            command.CommandText = "SELECT Payload FROM EsrsUserEventLog WHERE ServiceId = @service AND UserKey = ANY(@users)";
            SiloDatabase.Add(command, "users", origins.ToArray());
        }
        else
        {
            var names = origins.Select((origin, i) =>
            {
                var name = "u" + i.ToString(CultureInfo.InvariantCulture);
                SiloDatabase.Add(command, name, origin);
                return "@" + name;
            }).ToList();
            command.CommandText = $"SELECT Payload FROM EsrsUserEventLog WHERE ServiceId = @service AND UserKey IN ({string.Join(',', names)})";
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.AddRange(_serializer.Deserialize<LoggedEvent[]>((byte[])reader.GetValue(0)) ?? throw new InvalidDataException("A user event log row holds no events."));
        }

        return entries;
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
