using System.Diagnostics;
using System.Diagnostics.Metrics;
using Esrs.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Quality;

/// <summary>
/// One per silo: user grains record each ingest call's outcomes here (in memory, no grain call); a background loop
/// sends each shard's gathered sketches to its monitor shard grain every <see cref="QualityOptions.FlushInterval"/>,
/// or sooner when a shard has gathered <see cref="QualityOptions.FlushEvents"/>. Each send is a numbered delivery of this
/// collector: a failed one (or one whose answer was lost) is sent again with the same number and the same content,
/// which the shard merges at most once. Sources past <see cref="QualityOptions.MaxSources"/> or
/// <see cref="QualityOptions.MaxSourceLength"/> are counted under <see cref="QualityOptions.OtherSource"/>.
/// </summary>
public sealed partial class QualityCollector(IGrainFactory grains, IOptions<QualityOptions> options, TimeProvider time, ILogger<QualityCollector> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>Meter of ingest outcomes: <c>esrs.events</c> (tags <c>source</c>, <c>outcome</c>), <c>esrs.events.freshness</c> (seconds).</summary>
    public const string MeterName = "Esrs.Quality";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Events = Meter.CreateCounter<long>("esrs.events", description: "Events ingested, by source and outcome");

    /// <summary>Failed writes of the aggregator's state (it retries at the next tick).</summary>
    public static Counter<long> SaveFailures { get; } = Meter.CreateCounter<long>("esrs.quality.save_failures", description: "Failed writes of the quality aggregator's state");
    private static readonly Histogram<double> Freshness = Meter.CreateHistogram<double>("esrs.events.freshness", unit: "s", description: "Seconds from occurred-at to ingest");
    private static readonly string[] OutcomeNames = [.. Enum.GetValues<OutcomeKind>().Select(k => k.ToString())];

    private readonly Shard[] _shards = [.. Enumerable.Range(0, options.Value.Shards).Select(_ => new Shard(options.Value))];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _metricSources = new(StringComparer.Ordinal);
    private readonly string _sender = "collector/" + Environment.MachineName + "/" + Guid.NewGuid().ToString("N");
    private readonly SemaphoreSlim _due = new(0, int.MaxValue);
    private readonly SemaphoreSlim _sending = new(1, 1);

    public bool Enabled => options.Value.Enabled;

    /// <summary>The shard of a user key: XxHash32 of its UTF-16 code units, modulo the shard count (stable across silos).</summary>
    public static int ShardOf(string userKey, int shards) => StableShards.Of(userKey, shards);

    /// <summary>Records what one ingest call made of its events (after they were made durable).</summary>
    public void Record(string userKey, IReadOnlyList<UserEvent> batch, IReadOnlyList<EventOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (!Enabled || batch.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        // One counter add per (source, outcome) of each run of same-source events, not one per event.
        Span<long> perOutcome = stackalloc long[OutcomeNames.Length];
        var runSource = batch[0].Source;
        for (var i = 0; i < batch.Count; i++)
        {
            if (!string.Equals(batch[i].Source, runSource, StringComparison.Ordinal))
            {
                AddOutcomes(runSource, perOutcome);
                runSource = batch[i].Source;
            }

            perOutcome[(int)outcomes[i].Kind]++;
            if (batch[i].OccurredAt != default)
            {
                Freshness.Record(Math.Max(0, (now - batch[i].OccurredAt).TotalSeconds));
            }
        }

        AddOutcomes(runSource, perOutcome);

        var shard = _shards[ShardOf(userKey, _shards.Length)];
        bool due;
        lock (shard)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                shard.SketchOf(batch[i].Source).Add(batch[i], outcomes[i], now);
            }

            shard.Events += batch.Count;
            due = shard.Events >= options.Value.FlushEvents;
        }

        if (due)
        {
            _due.Release();
        }
    }

    /// <summary>Source name the catalogue's cleaning is counted under.</summary>
    public const string CatalogueSource = QualitySources.Catalogue;

    /// <summary>Records what a catalogue source's cleaning made of a batch of records (after it was made durable).</summary>
    public void RecordCatalogue(string catalogueSource, IReadOnlyList<Catalogue.CatalogueRecord> records, IReadOnlyList<Catalogue.CatalogueOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(catalogueSource);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (!Enabled || records.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        Span<long> perOutcome = stackalloc long[OutcomeNames.Length];
        foreach (var outcome in outcomes)
        {
            perOutcome[(int)outcome.Kind]++;
        }

        AddOutcomes(CatalogueSource, perOutcome);
        var shard = _shards[ShardOf(CatalogueSource + "/" + catalogueSource, _shards.Length)];
        bool due;
        lock (shard)
        {
            var sketch = shard.SketchOf(CatalogueSource);
            for (var i = 0; i < records.Count; i++)
            {
                sketch.AddCatalogueRecord(records[i], outcomes[i], now);
            }

            shard.Events += records.Count;
            due = shard.Events >= options.Value.FlushEvents;
        }

        if (due)
        {
            _due.Release();
        }
    }

    private void AddOutcomes(string source, Span<long> perOutcome)
    {
        // Metric tags are bounded like the sketches: a caller cannot mint time series.
        if (!_metricSources.ContainsKey(source))
        {
            source = source.Length <= options.Value.MaxSourceLength && _metricSources.Count < options.Value.MaxSources && _metricSources.TryAdd(source, 0)
                ? source
                : QualityOptions.OtherSource;
        }

        for (var kind = 0; kind < perOutcome.Length; kind++)
        {
            if (perOutcome[kind] > 0)
            {
                Events.Add(perOutcome[kind], new TagList { { "source", source }, { "outcome", OutcomeNames[kind] } });
                perOutcome[kind] = 0;
            }
        }
    }

    /// <summary>Records the tagger's answer for a user's events of one source.</summary>
    public void RecordTagging(string userKey, string source, long tagged, long untagged, IEnumerable<string> labels)
    {
        if (!Enabled)
        {
            return;
        }

        var shard = _shards[ShardOf(userKey, _shards.Length)];
        lock (shard)
        {
            shard.SketchOf(source).AddTagging(tagged, untagged, labels);
        }
    }

    /// <summary>Sends everything gathered to the shard grains now.</summary>
    public async Task FlushAsync()
    {
        await _sending.WaitAsync();
        try
        {
            await Task.WhenAll(_shards.Select((shard, index) => SendAsync(index, shard)));
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Merges sketches per source into <paramref name="into"/>.</summary>
    public static void MergeInto(Dictionary<string, QualitySketch> into, Dictionary<string, QualitySketch> from)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(from);
        foreach (var (source, sketch) in from)
        {
            if (into.TryGetValue(source, out var mine))
            {
                mine.Merge(sketch);
            }
            else
            {
                into[source] = sketch;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _due.WaitAsync(options.Value.FlushInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushAsync();
        }
    }

    /// <summary>
    /// The host calls every service's <c>StoppingAsync</c> before any <c>StopAsync</c>, so this runs while the silo still
    /// takes calls: what this collector gathered goes to the shards, and every shard pushes to the aggregator, which
    /// writes it when it deactivates. Later, on the last silo of a cluster, a shard's push from its deactivation would
    /// find no silo to activate the aggregator on, and what it held would be lost.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            await Task.WhenAll(Enumerable.Range(0, _shards.Length).Select(i => grains.Reference<IQualityShardGrain>(i).FlushAsync()))
                .WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception ex)
        {
            // Stopping goes on whatever happened here; what was not pushed is what the log names.
            LogWarningStopFlushIncomplete(logger, ex);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // What arrived after StoppingAsync, while the silo still runs (a host that stops this service alone).
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SendAsync(int index, Shard shard)
    {
        long sequence;
        Dictionary<string, QualitySketch> batch;
        lock (shard)
        {
            if (shard.Delivering is null)
            {
                if (shard.BySource.Count == 0)
                {
                    return;
                }

                shard.Delivering = (++shard.Sequence, shard.BySource);
                (shard.BySource, shard.Events) = (new(StringComparer.Ordinal), 0);
            }

            (sequence, batch) = shard.Delivering.Value;
        }

        try
        {
            await grains.Reference<IQualityShardGrain>(index).MergeAsync(_sender, sequence, batch);
            lock (shard)
            {
                shard.Delivering = null;
            }
        }
        catch (Exception ex)
        {
            // The same numbered delivery goes again next time; newer events wait in BySource.
            LogWarningSendFailed(logger, ex, index);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing the quality sketches to the shards and the aggregator did not finish while the silo stopped; what they held is lost")]
    private static partial void LogWarningStopFlushIncomplete(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending quality sketches to shard {Shard} failed; kept for the next flush")]
    private static partial void LogWarningSendFailed(ILogger logger, Exception exception, int shard);

    private sealed class Shard(QualityOptions options)
    {
        public Dictionary<string, QualitySketch> BySource { get; set; } = new(StringComparer.Ordinal);

        /// <summary>The delivery being sent (and re-sent until it is answered), with its number.</summary>
        public (long Sequence, Dictionary<string, QualitySketch> Sketches)? Delivering { get; set; }

        public long Sequence { get; set; }

        public long Events { get; set; }

        public QualitySketch SketchOf(string source)
        {
            if (BySource.TryGetValue(source, out var sketch))
            {
                return sketch;
            }

            if (source.Length > options.MaxSourceLength || BySource.Count >= options.MaxSources)
            {
                source = QualityOptions.OtherSource;
                if (BySource.TryGetValue(source, out sketch))
                {
                    return sketch;
                }
            }

            BySource[source] = sketch = new QualitySketch();
            return sketch;
        }
    }
}
