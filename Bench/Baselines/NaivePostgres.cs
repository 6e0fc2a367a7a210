using System.Diagnostics;
using Esrs.Client.Load;
using Npgsql;

namespace Esrs.Bench.Baselines;

/// <summary>
/// What a team without Esrs would build first: one PostgreSQL transaction per event, a dedupe insert on the event id and,
/// when it is new, an upsert of the user's counters; a few connections in parallel. Same durability as Esrs's PostgreSQL
/// path (each event committed before the next is taken), none of its cleaning.
/// </summary>
internal static class NaivePostgres
{
    private const string Schema = """
        DROP TABLE IF EXISTS esrs_naive_seen, esrs_naive_profile;
        CREATE TABLE esrs_naive_seen (event_id text PRIMARY KEY);
        CREATE TABLE esrs_naive_profile (
            user_id text PRIMARY KEY, events bigint NOT NULL, purchases bigint NOT NULL, spend numeric NOT NULL, last_seen timestamptz NOT NULL);
        """;

    private const string Seen = "INSERT INTO esrs_naive_seen (event_id) VALUES ($1) ON CONFLICT DO NOTHING";

    private const string Profile = """
        INSERT INTO esrs_naive_profile (user_id, events, purchases, spend, last_seen) VALUES ($1, 1, $2, $3, $4)
        ON CONFLICT (user_id) DO UPDATE SET events = esrs_naive_profile.events + 1, purchases = esrs_naive_profile.purchases + $2,
            spend = esrs_naive_profile.spend + $3, last_seen = greatest(esrs_naive_profile.last_seen, $4)
        """;

    /// <summary>Applies every event once, <paramref name="connections"/> at a time; returns events per second.</summary>
    public static async Task<double> RunAsync(string connectionString, IReadOnlyList<LoadEvent> events, int connections)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using (var schema = source.CreateCommand(Schema))
        {
            await schema.ExecuteNonQueryAsync();
        }

        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            await using var connection = await source.OpenConnectionAsync();
            int i;
            while ((i = Interlocked.Increment(ref next)) < events.Count)
            {
                var e = events[i].Event;
                await using var transaction = await connection.BeginTransactionAsync();
                await using var seen = new NpgsqlCommand(Seen, connection, transaction) { Parameters = { new() { Value = e.EventId } } };
                if (await seen.ExecuteNonQueryAsync() == 1)
                {
                    var purchase = e.Type == Events.EventType.Purchase;
                    await using var profile = new NpgsqlCommand(Profile, connection, transaction)
                    {
                        Parameters =
                        {
                            new() { Value = e.UserId },
                            new() { Value = purchase ? 1L : 0L },
                            new() { Value = purchase ? (e.UnitPrice ?? 0) * (e.Quantity ?? 0) : 0m },
                            new() { Value = DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc) },
                        },
                    };
                    await profile.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }
        }));
        return events.Count / clock.Elapsed.TotalSeconds;
    }
}
