using System.Diagnostics.Metrics;

namespace Esrs.Tagging;

/// <summary>Instruments of the tagger and its callers, on meter <see cref="MeterName"/>.</summary>
public static class TaggingMetrics
{
    public const string MeterName = "Esrs.Tagger";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> Batches { get; } = Meter.CreateCounter<long>("esrs.tagger.batches", description: "Model batches run");

    public static Counter<long> Texts { get; } = Meter.CreateCounter<long>("esrs.tagger.texts", description: "Texts tagged");

    public static Histogram<int> BatchSize { get; } = Meter.CreateHistogram<int>("esrs.tagger.batch_size", description: "Texts per model batch");

    public static Counter<long> FailedTexts { get; } = Meter.CreateCounter<long>("esrs.tagger.failed_texts", description: "Texts the model failed on alone (tagged as having no attributes)");

    public static Counter<long> CachedTexts { get; } = Meter.CreateCounter<long>("esrs.tagger.cached_texts", description: "Texts answered from the silo's tag cache without the model");

    public static Counter<long> AbandonedTexts { get; } = Meter.CreateCounter<long>("esrs.tagger.abandoned_texts", description: "Texts taken out of the queue unrun because their caller gave up");

    public static Counter<long> RefusedTexts { get; } = Meter.CreateCounter<long>("esrs.tagger.refused_texts", description: "Texts refused at the queue (too far behind, or full)");

    public static Counter<long> UntaggedEvents { get; } = Meter.CreateCounter<long>("esrs.tagger.untagged_events", description: "Accepted events whose text could not be tagged");
}
