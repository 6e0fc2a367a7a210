using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Tests.Support;
using Esrs.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Esrs.Tests.Ingest;

/// <summary>
/// <c>import --via orleans</c> (and the benches and tests that ingest straight into the grains) against a grain that
/// cannot write its state for a while: the calls are made again, nothing is lost and nothing is counted twice.
/// </summary>
public sealed class DirectImportRetryTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task IngestCallsRefusedForWantOfStorageAreRetriedAndEveryRowCountsOnce()
    {
        const int Rows = 2_000;
        var rows = UciOnlineRetail.ReadRows(UciExpectations.DataFile, Rows).ToList();
        var expected = UciExpectations.From(rows);
        var outage = new FirstIngestsFail(5);
        await using var silo = await RealSilo.StartAsync(_directory.Path, "esrs-direct-retry-" + Guid.NewGuid().ToString("N"),
            services => services.AddSingleton<IIncomingGrainCallFilter>(outage));

        ImportSummary summary;
        long retries;
        await using (var sink = new OrleansEventSink(silo.Grains, retryDelay: TimeSpan.FromMilliseconds(20)))
        {
            summary = await Importer.RunAsync(rows.Select(UciOnlineRetail.ToEvent), sink, TextWriter.Null);
            retries = sink.Retries;
        }

        Assert.Equal(5, outage.Failed);
        Assert.Equal(5, retries);
        Assert.Equal(Rows, summary.Sent);
        // The counts of the raw file, as if no call had ever failed.
        Assert.Equal(expected.Duplicates, summary[OutcomeKind.DuplicateByContent]);
        Assert.Equal(expected.Quarantined, summary[OutcomeKind.Quarantined]);
        Assert.Equal(Rows - expected.Duplicates - expected.Quarantined, summary[OutcomeKind.Accepted] + summary[OutcomeKind.Repaired]);
        Assert.Equal(0, summary[OutcomeKind.DuplicateById]);
    }

    [Fact]
    public async Task AGrainThatNeverWritesStopsTheImportWithItsError()
    {
        var rows = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 50).ToList();
        await using var silo = await RealSilo.StartAsync(_directory.Path, "esrs-direct-outage-" + Guid.NewGuid().ToString("N"),
            services => services.AddSingleton<IIncomingGrainCallFilter>(new FirstIngestsFail(int.MaxValue)));
        await using var sink = new OrleansEventSink(silo.Grains, retryDelay: TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Importer.RunAsync(rows.Select(UciOnlineRetail.ToEvent), sink, TextWriter.Null));

        Assert.Contains("storage is away (test)", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Fails the first <c>count</c> user-grain ingests as a grain whose state write failed does.</summary>
    private sealed class FirstIngestsFail(int count) : IIncomingGrainCallFilter
    {
        private int _calls;

        public int Failed => Math.Min(Volatile.Read(ref _calls), count);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.InterfaceName.Contains("IUserGrain", StringComparison.Ordinal)
                && context.MethodName == nameof(IUserGrain.IngestAsync)
                && Interlocked.Increment(ref _calls) <= count)
            {
                throw new StateUnavailableException("storage is away (test)");
            }

            return context.Invoke();
        }
    }
}
