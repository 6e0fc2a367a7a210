using Esrs.Tagging;
using Microsoft.Extensions.Logging;

namespace Esrs.Users;

/// <summary>The user grain's side of tagging: texts go out after the write, tags come back in a later turn.</summary>
public sealed partial class UserGrain
{
    /// <summary>Sends the texts of the events just made durable to a tagger pool member; the ingest does not wait for it.</summary>
    private void StartTagging()
    {
        if (_processor.TagRequests.Count == 0)
        {
            return;
        }

        var requests = _processor.TagRequests.ToArray();
        var task = TagAsync(requests);
        _tagging.Add(task);
        _ = task.ContinueWith(t => _tagging.Remove(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Current);
        _flushTimer ??= this.RegisterGrainTimer(FlushTagsAsync, new GrainTimerCreationOptions(taggerOptions.Value.FlushInterval, taggerOptions.Value.FlushInterval) { Interleave = false });
    }

    private async Task TagAsync(TagRequest[] requests)
    {
        var generation = _tagGeneration;
        var texts = requests.Select(r => r.Text).Distinct(StringComparer.Ordinal).ToArray();
        TagBatchResult? result = null;
        try
        {
            result = await tagger.TagAsync(texts);
        }
        catch (Exception ex)
        {
            LogDebugUntagged(logger, ex, Key, requests.Length);
        }

        if (result is null)
        {
            TaggingMetrics.UntaggedEvents.Add(requests.Length);
        }

        // Runs on this activation's scheduler: applied in the next turn, never in the middle of one (and not at all when
        // the profile the texts came from was rebuilt meanwhile: the rebuilt one asked again).
        if (generation == _tagGeneration)
        {
            _arrived.Add(new ArrivedTags(requests, texts, result));
        }
    }

    /// <summary>Applies the tag results that came back since the last turn; true when the state changed.</summary>
    private bool ApplyArrivedTags()
    {
        if (_arrived.Count == 0)
        {
            return false;
        }

        foreach (var arrived in _arrived)
        {
            _processor.ApplyTags(arrived.Requests, arrived.Texts, arrived.Result, taggerOptions.Value.MinScore);
            AfterWrite(() => RecordTagging(arrived), "quality");
        }

        _arrived.Clear();
        return true;
    }

    private void RecordTagging(ArrivedTags arrived)
    {
        foreach (var bySource in arrived.Requests.GroupBy(r => r.Source, StringComparer.Ordinal))
        {
            var count = bySource.Count();
            var labels = arrived.Result is null ? [] : bySource.SelectMany(r => TagsOf(arrived, r.Text)).Select(t => t.Label);
            quality.RecordTagging(Key, bySource.Key, arrived.Result is null ? 0 : count, arrived.Result is null ? count : 0, labels);
        }
    }

    private static IEnumerable<AttributeTag> TagsOf(ArrivedTags arrived, string text)
    {
        var index = Array.IndexOf(arrived.Texts, text);
        return index < 0 || arrived.Result is null ? [] : arrived.Result.Tags[index];
    }

    private async Task FlushTagsAsync(CancellationToken cancellationToken)
    {
        if (_faulted)
        {
            return;
        }

        if (ApplyArrivedTags() || _dirty)
        {
            await PersistAsync();
        }

        if (_tagging.Count == 0 && _arrived.Count == 0)
        {
            _flushTimer?.Dispose();
            _flushTimer = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tagging {Events} events of {UserId} failed; counted untagged")]
    private static partial void LogDebugUntagged(ILogger logger, Exception exception, string userId, int events);

    private sealed record ArrivedTags(TagRequest[] Requests, string[] Texts, TagBatchResult? Result);
}
