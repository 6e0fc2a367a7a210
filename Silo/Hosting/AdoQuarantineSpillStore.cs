using System.Data.Common;
using System.Globalization;
using Esrs.Cleaning;
using Esrs.Users;
using Orleans.Serialization;

namespace Esrs.Silo.Hosting;

/// <summary>
/// The quarantine spill table (<c>EsrsQuarantineSpill</c>, created by the schema scripts) on the silo's own database:
/// SQLite in embedded mode, PostgreSQL in cluster mode. Rows are keyed by service id, exact grain key and quarantine
/// sequence; the entry itself is stored with Orleans' serializer, as grain state is.
/// </summary>
public sealed class AdoQuarantineSpillStore : IQuarantineSpillStore, IAsyncDisposable
{
    private readonly string _serviceId;
    private readonly Serializer _serializer;
    private readonly SiloDatabase _database;

    public AdoQuarantineSpillStore(EsrsSiloOptions options, string serviceId, Serializer serializer)
    {
        ArgumentNullException.ThrowIfNull(options);
        _serviceId = serviceId;
        _serializer = serializer;
        _database = new SiloDatabase(options);
    }

    public async Task SpillAsync(string grainKey, IReadOnlyList<QuarantinedEvent> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var entry in entries)
        {
            // The last spill of a sequence before a successful state write is the one the state agrees with: replace.
            await using var command = Command(connection, """
                INSERT INTO EsrsQuarantineSpill (ServiceId, GrainKey, Sequence, Identity, ContentHash, EventId, QuarantinedAt, Payload)
                VALUES (@service, @grain, @sequence, @identity, @content, @eventId, @at, @payload)
                ON CONFLICT (ServiceId, GrainKey, Sequence) DO UPDATE
                SET Identity = excluded.Identity, ContentHash = excluded.ContentHash, EventId = excluded.EventId,
                    QuarantinedAt = excluded.QuarantinedAt, Payload = excluded.Payload
                """, grainKey);
            command.Transaction = transaction;
            SiloDatabase.Add(command, "sequence", entry.Sequence);
            var content = EventFingerprint.OfContent(entry.Event);
            SiloDatabase.Add(command, "identity", unchecked((long)QuarantineIdentity.Of(EventFingerprint.OfId(entry.Event.EventId), content)));
            SiloDatabase.Add(command, "content", unchecked((long)content));
            SiloDatabase.Add(command, "eventId", entry.Event.EventId is { } id ? id[..Math.Min(id.Length, 512)] : DBNull.Value);
            SiloDatabase.Add(command, "at", entry.QuarantinedAt);
            SiloDatabase.Add(command, "payload", _serializer.SerializeToArray(entry));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<QuarantinedEvent>> ReadAsync(string grainKey, long through, int offset, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            SELECT Payload FROM EsrsQuarantineSpill
            WHERE ServiceId = @service AND GrainKey = @grain AND Sequence <= @through
            ORDER BY Sequence LIMIT @limit OFFSET @offset
            """, grainKey);
        SiloDatabase.Add(command, "through", through);
        SiloDatabase.Add(command, "limit", limit);
        SiloDatabase.Add(command, "offset", offset);
        var entries = new List<QuarantinedEvent>(Math.Min(limit, 1_000));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(_serializer.Deserialize<QuarantinedEvent>((byte[])reader.GetValue(0)) ?? throw new InvalidDataException("A quarantine spill row holds no entry."));
        }

        return entries;
    }

    public async Task<long> CountAsync(string grainKey, long through, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT COUNT(*) FROM EsrsQuarantineSpill WHERE ServiceId = @service AND GrainKey = @grain AND Sequence <= @through", grainKey);
        SiloDatabase.Add(command, "through", through);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<SpilledMatches> FindAsync(string grainKey, long through, IReadOnlyCollection<ulong> identities, IReadOnlyCollection<ulong> contents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(contents);
        if (identities.Count == 0 && contents.Count == 0)
        {
            return SpilledMatches.None;
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Command(connection, "", grainKey);
        command.CommandText = "SELECT Identity, ContentHash FROM EsrsQuarantineSpill WHERE ServiceId = @service AND GrainKey = @grain AND Sequence <= @through AND ("
            + InList(command, "Identity", "i", [.. identities.Select(i => unchecked((long)i))]) + " OR "
            + InList(command, "ContentHash", "c", [.. contents.Select(c => unchecked((long)c))]) + ")";
        SiloDatabase.Add(command, "through", through);
        var (foundIdentities, foundContents) = (new HashSet<ulong>(), new HashSet<ulong>());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (identity, content) = (unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)));
            if (identities.Contains(identity))
            {
                foundIdentities.Add(identity);
            }

            if (contents.Contains(content))
            {
                foundContents.Add(content);
            }
        }

        return new SpilledMatches(foundIdentities, foundContents);
    }

    public async Task DeleteAsync(string grainKey, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Command(connection, "", grainKey);
        command.CommandText = "DELETE FROM EsrsQuarantineSpill WHERE ServiceId = @service AND GrainKey = @grain AND "
            + InList(command, "Sequence", "s", [.. sequences]);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _database.DisposeAsync();

    private DbCommand Command(DbConnection connection, string sql, string grainKey)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        SiloDatabase.Add(command, "service", _serviceId);
        SiloDatabase.Add(command, "grain", grainKey);
        return command;
    }

    /// <summary>A membership test of <paramref name="column"/>: <c>= ANY(array)</c> on PostgreSQL, an <c>IN</c> list of parameters on SQLite.</summary>
    private string InList(DbCommand command, string column, string prefix, long[] values)
    {
        if (_database.IsPostgreSql)
        {
            SiloDatabase.Add(command, prefix, values);
            return $"{column} = ANY(@{prefix})";
        }

        var names = new string[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            names[i] = "@" + prefix + i.ToString(CultureInfo.InvariantCulture);
            SiloDatabase.Add(command, names[i][1..], values[i]);
        }

        return $"{column} IN ({string.Join(',', names)})";
    }
}
