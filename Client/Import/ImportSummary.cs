using System.Globalization;
using System.Text;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>What an import did: rows read, events sent, outcomes and rule decisions as the grid reported them. Thread-safe.</summary>
public sealed class ImportSummary
{
    private readonly Lock _lock = new();
    private readonly long[] _outcomes = new long[Enum.GetValues<OutcomeKind>().Length];
    private readonly Dictionary<string, long> _rules = new(StringComparer.Ordinal);
    private long _read;
    private long _sent;

    public long Read => Interlocked.Read(ref _read);
    public long Sent => Interlocked.Read(ref _sent);
    public bool OutcomesKnown { get; set; } = true;
    public TimeSpan Elapsed { get; set; }

    public long this[OutcomeKind kind] { get { lock (_lock) { return _outcomes[(int)kind]; } } }

    public long Rule(string ruleId) { lock (_lock) { return _rules.GetValueOrDefault(ruleId); } }

    public void CountRead() => Interlocked.Increment(ref _read);

    public void CountSent(int n) => Interlocked.Add(ref _sent, n);

    public void Add(IEnumerable<EventOutcome> outcomes)
    {
        lock (_lock)
        {
            foreach (var outcome in outcomes)
            {
                _outcomes[(int)outcome.Kind]++;
                foreach (var decision in outcome.Decisions)
                {
                    _rules[decision.RuleId] = _rules.GetValueOrDefault(decision.RuleId) + 1;
                }
            }
        }
    }

    /// <summary>The summary table printed at the end of an import.</summary>
    public string ToTable()
    {
        var table = new StringBuilder();
        void Row(string name, long value) => table.AppendLine(CultureInfo.InvariantCulture, $"{name,-30}{value,12:N0}");
        Row("read", Read);
        Row("sent", Sent);
        if (!OutcomesKnown)
        {
            table.AppendLine("outcomes                      (asynchronous: see the profiles, quarantines and quality views)");
            return table.ToString();
        }

        lock (_lock)
        {
            Row("accepted", _outcomes[(int)OutcomeKind.Accepted]);
            Row("repaired", _outcomes[(int)OutcomeKind.Repaired]);
            Row("duplicates by id", _outcomes[(int)OutcomeKind.DuplicateById]);
            Row("duplicates by content", _outcomes[(int)OutcomeKind.DuplicateByContent]);
            Row("quarantined", _outcomes[(int)OutcomeKind.Quarantined]);
            foreach (var (rule, n) in _rules.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal))
            {
                Row("  rule " + rule, n);
            }
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"{"elapsed",-30}{Elapsed.TotalSeconds,10:N1} s  ({Sent / Math.Max(Elapsed.TotalSeconds, 1e-9):N0} events/s)");
        return table.ToString();
    }
}
