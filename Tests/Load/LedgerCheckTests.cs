using Esrs.Client.Load;
using Esrs.Tests.Support;

namespace Esrs.Tests.Load;

/// <summary>The ledger check on hand-made ledgers and counters: what counts as lost, as kept twice, and what a retry may leave.</summary>
public sealed class LedgerCheckTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private LedgerUser Ledger(params string[] lines)
    {
        var path = Path.Combine(_directory.Path, Guid.NewGuid().ToString("N") + ".ledger");
        File.WriteAllLines(path, ["# header", .. lines]);
        return LedgerCheck.Read(path).Single().Value;
    }

    private static ProfileCounters Counters(long accepted, long repaired = 0, long byId = 0, long byContent = 0, long quarantined = 0, long? counts = null) =>
        new(accepted, repaired, byId, byContent, quarantined, counts ?? accepted + repaired);

    [Fact]
    public void EveryAcknowledgedOutcomeAccountedForPasses()
    {
        var user = Ledger("A\te1\tu\taccepted\tclean", "A\te2\tu\trepaired\tclean", "A\te3\tu\tquarantined\tfuture", "A\te4\tu\tduplicate-by-content\tresend");
        Assert.Equal(4, user.Acknowledged);
        Assert.Null(LedgerCheck.Problem(user, Counters(accepted: 1, repaired: 1, quarantined: 1, byContent: 1)));
    }

    [Fact]
    public void AMissingAcknowledgedEventIsLost()
    {
        var user = Ledger("A\te1\tu\taccepted\tclean", "A\te2\tu\taccepted\tclean");
        Assert.Contains("missing", LedgerCheck.Problem(user, Counters(accepted: 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEventKeptTwiceIsCaughtUnlessARetryOrAnAbandonedSendCanExplainIt()
    {
        var exact = Ledger("A\te1\tu\taccepted\tclean");
        Assert.Contains("more than were sent", LedgerCheck.Problem(exact, Counters(accepted: 1, quarantined: 1)), StringComparison.Ordinal);

        // A retry answered "duplicate by id" was applied by the lost first send; an abandoned send may have been too.
        var retried = Ledger("A\te1\tu\tduplicate-by-id\tclean", "X\te2\tu\t-\tclean");
        Assert.Null(LedgerCheck.Problem(retried, Counters(accepted: 2)));
        Assert.Contains("more than were sent", LedgerCheck.Problem(retried, Counters(accepted: 3)), StringComparison.Ordinal);
    }

    [Fact]
    public void AnAcknowledgedEventNeitherKeptNorACopyIsLost()
    {
        var user = Ledger("A\te1\tu\tsent\tclean", "A\te2\tu\tsent\tresend");
        Assert.Null(LedgerCheck.Problem(user, Counters(accepted: 1, byContent: 1)));
        Assert.Contains("neither kept", LedgerCheck.Problem(user, Counters(accepted: 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void PerTypeCountsMustAddUpToWhatWasApplied()
    {
        var user = Ledger("A\te1\tu\taccepted\tclean");
        Assert.Contains("per-type", LedgerCheck.Problem(user, Counters(accepted: 1, counts: 2)), StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNoLedgerIsRefused()
    {
        var path = Path.Combine(_directory.Path, "not.ledger");
        File.WriteAllLines(path, ["hello world"]);
        Assert.Throws<Cli.UsageException>(() => LedgerCheck.Read(path));
    }
}
