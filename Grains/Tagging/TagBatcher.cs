using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// The dynamic batcher in front of a silo's one model (like Triton's): requests queue, and one loop on its own thread
/// runs a batch as soon as it holds <see cref="TaggerOptions.MaxBatchSize"/> texts or <see cref="TaggerOptions.MaxDelay"/>
/// after its first text arrived. The model never runs on the grain scheduler and never runs twice at once.
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

    /// <summary>Queues the texts and completes with their tags once the batch they joined has run.</summary>
    public Task<AttributeTag[][]> TagAsync(string[] texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!_model.IsAvailable)
        {
            return Task.FromException<AttributeTag[][]>(new TaggerUnavailableException(_model is UnavailableTagModel none ? none.Reason : "No tagger model on this silo."));
        }

        if (texts.Length == 0)
        {
            return Task.FromResult(Array.Empty<AttributeTag[]>());
        }

        if (Interlocked.Add(ref _queuedTexts, texts.Length) > _options.MaxQueuedTexts)
        {
            Interlocked.Add(ref _queuedTexts, -texts.Length);
            return Task.FromException<AttributeTag[][]>(new TaggerUnavailableException($"Tagger queue full ({_options.MaxQueuedTexts} texts waiting); retry later."));
        }

        var request = new Request(texts, new TaskCompletionSource<AttributeTag[][]>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(request))
        {
            Interlocked.Add(ref _queuedTexts, -texts.Length);
            return Task.FromException<AttributeTag[][]>(new TaggerUnavailableException("Tagger is shutting down."));
        }

        return request.Result.Task;
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
            request.Result.TrySetException(new TaggerUnavailableException("Tagger stopped."));
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>();
        var texts = new List<string>(_options.MaxBatchSize);
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
                        request.Result.TrySetException(new TaggerUnavailableException("Tagger stopped."));
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

    private void Run(List<Request> batch, List<string> texts)
    {
        AttributeTag[][] tags;
        try
        {
            // A request larger than the batch size still runs whole, in chunks of the batch size.
            tags = new AttributeTag[texts.Count][];
            for (var offset = 0; offset < texts.Count; offset += _options.MaxBatchSize)
            {
                var count = Math.Min(_options.MaxBatchSize, texts.Count - offset);
                var chunk = _model.Tag(texts.GetRange(offset, count));
                Array.Copy(chunk, 0, tags, offset, count);
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
                request.Result.TrySetException(new TaggerUnavailableException($"The tagger model failed: {ex.Message}"));
            }

            return;
        }

        TaggingMetrics.Texts.Add(texts.Count);
        Interlocked.Add(ref _texts, texts.Count);
        var at = 0;
        foreach (var request in batch)
        {
            request.Result.TrySetResult(tags[at..(at + request.Texts.Length)]);
            at += request.Texts.Length;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Tagger model failed on a batch of {Texts} texts; its requests are refused")]
    private static partial void LogModelFailed(ILogger logger, Exception exception, int texts);

    private sealed record Request(string[] Texts, TaskCompletionSource<AttributeTag[][]> Result);
}
