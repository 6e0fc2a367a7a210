using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// The dynamic batcher in front of a silo's one model (like Triton's): callers tokenise their texts on their own threads
/// (<see cref="ITagModel.Prepare"/>), requests queue, and one loop on its own thread runs the model on a batch as soon as it
/// holds <see cref="TaggerOptions.MaxBatchSize"/> texts or <see cref="TaggerOptions.MaxDelay"/> after its first text arrived;
/// callers then decode their own results. The model never runs on the grain scheduler and never runs twice at once; a
/// text the model fails on alone is tagged as having nothing, without costing the other texts of its batch.
/// </summary>
public sealed partial class TagBatcher : IAsyncDisposable
{
    private readonly ITagModel _model;
    private readonly TaggerOptions _options;
    private readonly ILogger<TagBatcher> _logger;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _queuedTexts;
    private long _batches;
    private long _texts;

    public TagBatcher(ITagModel model, IOptions<TaggerOptions> options, ILogger<TagBatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options.Value;
        _logger = logger;
        _loop = model.IsAvailable ? Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap() : Task.CompletedTask;
    }

    public ITagModel Model => _model;

    /// <summary>Batches run and texts tagged since start (for benchmarks and the quality view).</summary>
    public (long Batches, long Texts) Totals => (Interlocked.Read(ref _batches), Interlocked.Read(ref _texts));

    /// <summary>Tokenises the texts here, queues them, and once the batch they joined has run, decodes their tags here.</summary>
    public async Task<AttributeTag[][]> TagAsync(string[] texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!_model.IsAvailable)
        {
            throw new TaggerUnavailableException(_model is UnavailableTagModel none ? none.Reason : "No tagger model on this silo.");
        }

        if (texts.Length == 0)
        {
            return [];
        }

        if (Interlocked.Add(ref _queuedTexts, texts.Length) > _options.MaxQueuedTexts)
        {
            Interlocked.Add(ref _queuedTexts, -texts.Length);
            throw new TaggerUnavailableException($"Tagger queue full ({_options.MaxQueuedTexts} texts waiting); retry later.");
        }

        var prepared = new PreparedText[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            prepared[i] = Guard(() => _model.Prepare(texts[i])) ?? new Unprepared(texts[i]);
        }

        var runnable = prepared.Where(p => !p.Failed).ToArray();
        Interlocked.Add(ref _queuedTexts, runnable.Length - texts.Length);
        if (runnable.Length > 0)
        {
            var request = new Request(runnable, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_queue.Writer.TryWrite(request))
            {
                Interlocked.Add(ref _queuedTexts, -runnable.Length);
                throw new TaggerUnavailableException("Tagger is shutting down.");
            }

            await request.Done.Task.ConfigureAwait(false);
        }

        var tags = new AttributeTag[prepared.Length][];
        for (var i = 0; i < prepared.Length; i++)
        {
            tags[i] = prepared[i].Failed ? [] : Guard(() => _model.Decode(prepared[i])) ?? [];
        }

        return tags;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        while (_queue.Reader.TryRead(out var request))
        {
            request.Done.TrySetException(new TaggerUnavailableException("Tagger stopped."));
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>();
        var texts = new List<PreparedText>(_options.MaxBatchSize);
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            batch.Clear();
            texts.Clear();
            if (!reader.TryRead(out var first))
            {
                continue;
            }

            Add(first);
            if (texts.Count < _options.MaxBatchSize && _options.MaxDelay > TimeSpan.Zero)
            {
                // Gather until the batch is full or the first request has waited MaxDelay.
                using var window = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                window.CancelAfter(_options.MaxDelay);
                try
                {
                    while (texts.Count < _options.MaxBatchSize)
                    {
                        if (reader.TryRead(out var next))
                        {
                            Add(next);
                        }
                        else if (!await reader.WaitToReadAsync(window.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }

                if (_stopping.IsCancellationRequested)
                {
                    foreach (var request in batch)
                    {
                        request.Done.TrySetException(new TaggerUnavailableException("Tagger stopped."));
                    }

                    return;
                }
            }
            else
            {
                while (texts.Count < _options.MaxBatchSize && reader.TryRead(out var next))
                {
                    Add(next);
                }
            }

            Run(batch, texts);
        }

        void Add(Request request)
        {
            batch.Add(request);
            texts.AddRange(request.Texts);
            Interlocked.Add(ref _queuedTexts, -request.Texts.Length);
        }
    }

    private void Run(List<Request> batch, List<PreparedText> texts)
    {
        try
        {
            // A request larger than the batch size still runs whole, in chunks of the batch size.
            for (var offset = 0; offset < texts.Count; offset += _options.MaxBatchSize)
            {
                var count = Math.Min(_options.MaxBatchSize, texts.Count - offset);
                RunChunk(texts.GetRange(offset, count));
                TaggingMetrics.Batches.Add(1);
                TaggingMetrics.BatchSize.Record(count);
                Interlocked.Increment(ref _batches);
            }
        }
        catch (Exception ex)
        {
            LogModelFailed(_logger, ex, texts.Count);
            foreach (var request in batch)
            {
                request.Done.TrySetException(new TaggerUnavailableException($"The tagger model failed: {ex.Message}"));
            }

            return;
        }

        TaggingMetrics.Texts.Add(texts.Count);
        Interlocked.Add(ref _texts, texts.Count);
        foreach (var request in batch)
        {
            request.Done.TrySetResult();
        }
    }

    /// <summary>Runs a caller-side step for one text; a failure costs that text only (null, counted and logged).</summary>
    private T? Guard<T>(Func<T> step) where T : class
    {
        try
        {
            return step();
        }
        catch (Exception ex) when (ex is not TaggerUnavailableException)
        {
            TaggingMetrics.FailedTexts.Add(1);
            LogTextsFailed(_logger, ex, 1, 1);
            return null;
        }
    }

    /// <summary>
    /// Runs one chunk; when it fails, each text alone, so a text the model cannot take costs only itself. A model that fails
    /// on every text alone too is down: that throws, and the chunk's requests are refused.
    /// </summary>
    private void RunChunk(List<PreparedText> chunk)
    {
        try
        {
            _model.Run(chunk);
            return;
        }
        catch (Exception ex) when (chunk.Count > 1)
        {
            LogBatchRetried(_logger, ex, chunk.Count);
        }

        Exception? last = null;
        var failed = 0;
        foreach (var text in chunk)
        {
            try
            {
                _model.Run([text]);
            }
            catch (Exception ex)
            {
                (last, text.Failed) = (ex, true);
                failed++;
            }
        }

        if (failed == chunk.Count && last is not null)
        {
            throw last;
        }

        if (failed > 0)
        {
            TaggingMetrics.FailedTexts.Add(failed);
            LogTextsFailed(_logger, last!, failed, chunk.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Tagger model failed on a batch of {Texts} texts; its requests are refused")]
    private static partial void LogModelFailed(ILogger logger, Exception exception, int texts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tagger model failed on a batch of {Texts} texts; running them one at a time")]
    private static partial void LogBatchRetried(ILogger logger, Exception exception, int texts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tagger model failed on {Failed} of {Texts} texts alone; they are tagged as having no attributes")]
    private static partial void LogTextsFailed(ILogger logger, Exception exception, int failed, int texts);

    private sealed record Request(PreparedText[] Texts, TaskCompletionSource Done);

    /// <summary>A text the model could not prepare: not queued, tagged as having nothing.</summary>
    private sealed class Unprepared : PreparedText
    {
        public Unprepared(string text) : base(text) => Failed = true;
    }
}
