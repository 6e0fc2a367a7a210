using System.Globalization;
using Esrs.Events;

namespace Esrs.Client.Load;

/// <summary>
/// Every event the load client was told is safe (<c>A</c> lines: id, user, outcome or <c>sent</c> for Redis, dirt kind) and
/// every event it gave up on unacknowledged (<c>X</c> lines), tab-separated, one per line: what the fault checks hold
/// the grid to (<see cref="LedgerCheck"/>). Thread-safe; buffered, flushed on dispose.
/// </summary>
public sealed class LoadLedger : IDisposable
{
    public const string Acknowledged = "A";
    public const string Abandoned = "X";

    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    public LoadLedger(string path)
    {
        _writer = new StreamWriter(path, append: false) { AutoFlush = false };
        _writer.WriteLine("# esrs load ledger: state<TAB>event id<TAB>user id<TAB>outcome<TAB>dirt (A: acknowledged, X: abandoned unacknowledged)");
    }

    public void Record(LoadEvent[] batch, OutcomeKind[]? outcomes, bool acknowledged)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (_lock)
        {
            for (var i = 0; i < batch.Length; i++)
            {
                var e = batch[i].Event;
                _writer.Write(acknowledged ? Acknowledged : Abandoned);
                _writer.Write('\t');
                _writer.Write(e.EventId);
                _writer.Write('\t');
                _writer.Write(e.UserId);
                _writer.Write('\t');
                _writer.Write(acknowledged && outcomes is not null ? OutcomeName(outcomes[i]) : acknowledged ? "sent" : "-");
                _writer.Write('\t');
                _writer.WriteLine(DirtName(batch[i].Dirt));
            }
        }
    }

    public static string OutcomeName(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Accepted => "accepted",
        OutcomeKind.Repaired => "repaired",
        OutcomeKind.DuplicateById => "duplicate-by-id",
        OutcomeKind.DuplicateByContent => "duplicate-by-content",
        OutcomeKind.Quarantined => "quarantined",
        _ => ((int)kind).ToString(CultureInfo.InvariantCulture),
    };

    public static string DirtName(DirtKind kind) => kind.ToString().ToLowerInvariant();

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }
}
