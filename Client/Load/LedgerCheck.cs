using System.Globalization;

namespace Esrs.Client.Load;

/// <summary>One user's lines of a ledger: distinct event ids by what the grid said of them.</summary>
public sealed class LedgerUser
{
    /// <summary>Acknowledged as accepted, repaired or quarantined: each must be in the profile or the quarantine.</summary>
    public HashSet<string> Kept { get; } = new(StringComparer.Ordinal);

    /// <summary>Acknowledged as a copy of another event (duplicate by content): dropped, never applied.</summary>
    public HashSet<string> Copies { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Acknowledged without a first-hand outcome (a retry answered "duplicate by id", or "sent" through Redis) or abandoned
    /// unacknowledged: each may or may not have been kept.
    /// </summary>
    public HashSet<string> Uncertain { get; } = new(StringComparer.Ordinal);

    /// <summary>Abandoned unacknowledged (a subset of <see cref="Uncertain"/>).</summary>
    public HashSet<string> Abandoned { get; } = new(StringComparer.Ordinal);

    /// <summary>Acknowledged events, whatever the outcome.</summary>
    public int Acknowledged => Kept.Count + Copies.Count + Uncertain.Count - Abandoned.Count;
}

/// <summary>One user whose profile does not account for the ledger.</summary>
public sealed record LedgerMismatch(string UserId, int Acknowledged, int Abandoned, ProfileCounters Profile, string Problem);

/// <summary>What a ledger check found.</summary>
public sealed record LedgerCheckResult(long Users, long Acknowledged, long Abandoned, long Kept, long Lost, long Twice, IReadOnlyList<LedgerMismatch> Mismatches)
{
    public bool Passed => Mismatches.Count == 0;

    public string ToText() => string.Create(CultureInfo.InvariantCulture,
        $"users {Users:N0}, acknowledged events {Acknowledged:N0}, abandoned unacknowledged {Abandoned:N0}, kept in profiles and quarantines {Kept:N0}; lost {Lost:N0}, counted twice {Twice:N0}: {(Passed ? "PASS" : $"FAIL ({Mismatches.Count:N0} users)")}");
}

/// <summary>
/// Holds the grid to a load ledger, user by user (run ids make every user of a ledger the ledger's own). With
/// <c>kept</c> = accepted + repaired + quarantined from the profile's counters:
/// <list type="bullet">
/// <item>nothing lost: every event acknowledged as kept is kept (kept &#8805; acknowledged-kept), and every acknowledged event is
/// kept or was recognised as a copy (kept + duplicates by content &#8805; acknowledged);</item>
/// <item>nothing twice: kept &#8804; acknowledged-kept + those without a first-hand outcome (retries, Redis, abandoned);</item>
/// <item>the per-type counts add up to what was applied (accepted + repaired).</item>
/// </list>
/// </summary>
public static class LedgerCheck
{
    public static Dictionary<string, LedgerUser> Read(string path)
    {
        var users = new Dictionary<string, LedgerUser>(StringComparer.Ordinal);
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

            if (!users.TryGetValue(fields[2], out var user))
            {
                users[fields[2]] = user = new LedgerUser();
            }

            var id = fields[1];
            if (fields[0] == LoadLedger.Abandoned)
            {
                user.Abandoned.Add(id);
                user.Uncertain.Add(id);
                continue;
            }

            switch (fields[3])
            {
                case "accepted" or "repaired" or "quarantined": user.Kept.Add(id); break;
                case "duplicate-by-content": user.Copies.Add(id); break;
                default: user.Uncertain.Add(id); break;
            }
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

                    await Task.Delay(LoadRunner.Backoff(attempt), ct);
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

            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"esrs: {users.Count - still.Count:N0} of {users.Count:N0} users account for the ledger"));
            pending = still;
            if (pending.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        long acknowledged = 0, abandoned = 0, kept = 0, lost = 0, twice = 0;
        var mismatches = new List<LedgerMismatch>();
        foreach (var (id, user) in users)
        {
            var counters = results[id];
            acknowledged += user.Acknowledged;
            abandoned += user.Abandoned.Count;
            kept += counters.Kept;
            lost += Math.Max(Math.Max(0, user.Kept.Count - counters.Kept), user.Acknowledged - counters.Kept - counters.DuplicatesByContent);
            twice += Math.Max(0, counters.Kept - user.Kept.Count - user.Uncertain.Count);
            if (Problem(user, counters) is { } problem)
            {
                mismatches.Add(new LedgerMismatch(id, user.Acknowledged, user.Abandoned.Count, counters, problem));
            }
        }

        return new LedgerCheckResult(users.Count, acknowledged, abandoned, kept, lost, twice, mismatches);
    }

    /// <summary>Why a user's counters do not account for its ledger lines, or null when they do.</summary>
    public static string? Problem(LedgerUser ledger, ProfileCounters counters)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (counters.Kept < ledger.Kept.Count)
        {
            return $"{ledger.Kept.Count - counters.Kept} event(s) acknowledged as kept are missing";
        }

        if (counters.Kept + counters.DuplicatesByContent < ledger.Acknowledged)
        {
            return $"{ledger.Acknowledged - counters.Kept - counters.DuplicatesByContent} acknowledged event(s) neither kept nor recognised as copies";
        }

        if (counters.Kept > ledger.Kept.Count + ledger.Uncertain.Count)
        {
            return $"{counters.Kept - ledger.Kept.Count - ledger.Uncertain.Count} event(s) kept more than were sent";
        }

        if (counters.CountsTotal != counters.Accepted + counters.Repaired)
        {
            return $"per-type counts add up to {counters.CountsTotal}, not the {counters.Accepted + counters.Repaired} applied";
        }

        return null;
    }
}
