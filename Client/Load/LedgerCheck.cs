using System.Globalization;

namespace Esrs.Client.Load;

/// <summary>One user whose profile does not account for the ledger.</summary>
public sealed record LedgerMismatch(string UserId, long Acknowledged, long Abandoned, ProfileCounters Profile, string Problem);

/// <summary>What a ledger check found.</summary>
public sealed record LedgerCheckResult(long Users, long Acknowledged, long Abandoned, long Handled, long Lost, long Twice, IReadOnlyList<LedgerMismatch> Mismatches)
{
    public bool Passed => Mismatches.Count == 0;

    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"users {Users:N0}, acknowledged events {Acknowledged:N0}, abandoned unacknowledged {Abandoned:N0}, handled by the grains {Handled:N0}; lost {Lost:N0}, counted twice {Twice:N0}: {(Passed ? "PASS" : $"FAIL ({Mismatches.Count:N0} users)")}");
}

/// <summary>
/// Holds the grid to a load ledger: for every user, the events the grain took charge of (applied, quarantined, or dropped as
/// a re-send of another event) are at least the acknowledged ones (nothing lost) and at most those plus the abandoned ones
/// (nothing twice: a retried event the grain had already applied must come back as a duplicate by id); the profile's
/// per-type counts add up to what it applied. Run ids make every user of a ledger the ledger's own.
/// </summary>
public static class LedgerCheck
{
    /// <summary>Per user: acknowledged and abandoned distinct event ids.</summary>
    public static Dictionary<string, (HashSet<string> Acknowledged, HashSet<string> Abandoned)> Read(string path)
    {
        var users = new Dictionary<string, (HashSet<string>, HashSet<string>)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < 5 || fields[0] is not (LoadLedger.Acknowledged or LoadLedger.Abandoned))
            {
                throw new Cli.UsageException($"load check: {path} is not a load ledger (line '{line}')");
            }

            if (!users.TryGetValue(fields[2], out var sets))
            {
                users[fields[2]] = sets = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
            }

            (fields[0] == LoadLedger.Acknowledged ? sets.Item1 : sets.Item2).Add(fields[1]);
        }

        foreach (var (_, (acknowledged, abandoned)) in users)
        {
            // An event abandoned once and acknowledged on a later send is acknowledged.
            abandoned.ExceptWith(acknowledged);
        }

        return users;
    }

    /// <summary>
    /// Reads every user's profile and compares; users that do not match yet are read again until <paramref name="wait"/>
    /// has passed (a Redis stream may still be draining).
    /// </summary>
    public static async Task<LedgerCheckResult> RunAsync(LoadTarget target, string ledgerPath, TimeSpan wait, TextWriter progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(progress);
        var users = Read(ledgerPath);
        var results = new Dictionary<string, ProfileCounters>(StringComparer.Ordinal);
        var pending = users.Keys.ToList();
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var read = new ProfileCounters[pending.Count];
            await Parallel.ForAsync(0, pending.Count, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                for (var attempt = 0; ; attempt++)
                {
                    var (outcome, counters) = await target.ReadAsync(pending[i], ct);
                    if (outcome.Ok)
                    {
                        read[i] = counters;
                        return;
                    }

                    if (!outcome.Retryable || DateTime.UtcNow > deadline)
                    {
                        throw new InvalidOperationException($"load check: reading {pending[i]}'s profile failed ({outcome.ErrorKind})");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 5))), ct);
                }
            });
            var still = new List<string>();
            for (var i = 0; i < pending.Count; i++)
            {
                results[pending[i]] = read[i];
                if (Problem(users[pending[i]], read[i]) is not null)
                {
                    still.Add(pending[i]);
                }
            }

            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"esrs: checked {users.Count - still.Count:N0} of {users.Count:N0} users against the ledger"));
            pending = still;
            if (pending.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        long acknowledged = 0, abandoned = 0, handled = 0, lost = 0, twice = 0;
        var mismatches = new List<LedgerMismatch>();
        foreach (var (user, (ack, aband)) in users)
        {
            var counters = results[user];
            acknowledged += ack.Count;
            abandoned += aband.Count;
            handled += counters.Handled;
            lost += Math.Max(0, ack.Count - counters.Handled);
            twice += Math.Max(0, counters.Handled - ack.Count - aband.Count);
            if (Problem((ack, aband), counters) is { } problem)
            {
                mismatches.Add(new LedgerMismatch(user, ack.Count, aband.Count, counters, problem));
            }
        }

        return new LedgerCheckResult(users.Count, acknowledged, abandoned, handled, lost, twice, mismatches);
    }

    /// <summary>Why a user's counters do not account for its ledger lines, or null when they do.</summary>
    public static string? Problem((HashSet<string> Acknowledged, HashSet<string> Abandoned) ledger, ProfileCounters counters)
    {
        if (counters.Handled < ledger.Acknowledged.Count)
        {
            return $"{ledger.Acknowledged.Count - counters.Handled} acknowledged event(s) missing";
        }

        if (counters.Handled > ledger.Acknowledged.Count + ledger.Abandoned.Count)
        {
            return $"{counters.Handled - ledger.Acknowledged.Count - ledger.Abandoned.Count} event(s) more than were sent";
        }

        if (counters.CountsTotal != counters.Accepted + counters.Repaired)
        {
            return $"per-type counts add up to {counters.CountsTotal}, not the {counters.Accepted + counters.Repaired} applied";
        }

        return null;
    }
}
