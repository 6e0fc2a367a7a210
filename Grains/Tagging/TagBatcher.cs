using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Tagging;

/// <summary>
/// The dynamic batcher in front of a silo's one model (like Triton's): callers tokenise their texts on their own threads
/// (<see cref="ITagModel.Prepare"/>), requests queue, and one loop on its own thread runs the model on a batch as soon as it
/// holds <see cref="TaggerOptions.MaxBatchSize"/> texts or <see cref="TaggerOptions.MaxDelay"/> after its first text arrived;
/// callers then decode their own results. The model never runs on the grain scheduler and never runs twice at once; a
/// text the model fails on alone is tagged as having nothing, without costing the other texts of its batch. Under more
/// texts than the model can take, the queue is kept to what it can run within <see cref="TaggerOptions.MaxQueueWait"/>
/// (more is refused at once), and requests whose callers gave up leave the queue unrun.
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

    // Texts per second of model time, a moving average over recent full batches (0 until one ran): a batch of one text
    // costs far more a text than a full one, so a quiet spell's small batches would make a burst look hopeless.
    private double _textsPerSecond;
    private readonly TimeProvider _time;

    public TagBatcher(ITagModel model, IOptions<TaggerOptions> options, ILogger<TagBatcher> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _loop = model.IsAvailable ? Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap() : Task.CompletedTask;
    }

    public ITagModel Model => _model;

    /// <summary>
    /// Marks a text the model could not tag (it failed to prepare, run alone or decode) among the results of
    /// <see cref="TagAsync"/>: empty like a text with nothing to tag, but told apart by reference, so callers do not take
    /// it for the model's answer.
    /// </summary>
#pragma warning disable CA1825 // A distinct instance is the point: Array.Empty would be every other empty answer too.
    public static readonly AttributeTag[] FailedText = new AttributeTag[0];
#pragma warning restore CA1825

    /// <summary>Texts waiting for a batch now (those whose callers gave up are out of it at once).</summary>
    public int QueuedTexts => Volatile.Read(ref _queuedTexts);

    /// <summary>Batches run and texts tagged since start (for benchmarks and the quality view).</summary>
    public (long Batches, long Texts) Totals => (Interlocked.Read(ref _batches), Interlocked.Read(ref _texts));

    /// <summary>
    /// Tokenises the texts here, queues them, and once the batch they joined has run, decodes their tags here. Cancelling
    /// <paramref name="cancellationToken"/> ends the wait, and the texts leave the queue unrun if no batch took them yet.
    /// </summary>
    public async Task<AttributeTag[][]> TagAsync(string[] texts, CancellationToken cancellationToken = default)
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

        cancellationToken.ThrowIfCancellationRequested();
        Admit(texts.Length);

        var prepared = new PreparedText[texts.Length];
        try
        {
            for (var i = 0; i < texts.Length; i++)
            {
                prepared[i] = Guard(() => _model.Prepare(texts[i])) ?? new Unprepared(texts[i]);
            }
        }
        catch
        {
            Interlocked.Add(ref _queuedTexts, -texts.Length);
            throw;
        }

        var runnable = prepared.Where(p => !p.Failed).ToArray();
        Interlocked.Add(ref _queuedTexts, runnable.Length - texts.Length);
        if (runnable.Length > 0)
        {
            var request = new Request(this, runnable, cancellationToken);
            if (!_queue.Writer.TryWrite(request))
            {
                Interlocked.Add(ref _queuedTexts, -runnable.Length);
                throw new TaggerUnavailableException("Tagger is shutting down.");
            }

            // A caller that gives up takes its texts out of the queue at once, if no batch has taken them yet.
            using var abandon = cancellationToken.UnsafeRegister(static state => ((Request)state!).Abandon(), request);
            await request.Done.Task.ConfigureAwait(false);
        }

        var tags = new AttributeTag[prepared.Length][];
        for (var i = 0; i < prepared.Length; i++)
        {
            tags[i] = prepared[i].Failed ? FailedText : Guard(() => _model.Decode(prepared[i])) ?? FailedText;
        }

        return tags;
    }

    /// <summary>
    /// Counts <paramref name="count"/> texts into the queue, or refuses them: past <see cref="TaggerOptions.MaxQueuedTexts"/>,
    /// or when the texts already waiting would take the model longer than <see cref="TaggerOptions.MaxQueueWait"/> to run
    /// (an empty queue always takes a request, so a model slower than the limit still tags).
    /// </summary>
    private void Admit(int count)
    {
        var queued = Interlocked.Add(ref _queuedTexts, count);
        var ahead = queued - count;
        var rate = Volatile.Read(ref _textsPerSecond);
        var wait = rate > 0 ? ahead / rate : 0;
        string? refusal = null;
        if (queued > _options.MaxQueuedTexts)
        {
            refusal = string.Create(CultureInfo.InvariantCulture, $"Tagger queue full ({_options.MaxQueuedTexts} texts waiting); retry later.");
        }
        else if (ahead > 0 && _options.MaxQueueWait > TimeSpan.Zero && wait > _options.MaxQueueWait.TotalSeconds)
        {
            refusal = string.Create(CultureInfo.InvariantCulture,
                $"Tagger behind: {ahead} texts waiting, about {wait:0.0} s at {rate:0} texts/s (MaxQueueWait {_options.MaxQueueWait.TotalSeconds:0.#} s); retry later.");
        }

        if (refusal is not null)
        {
            Interlocked.Add(ref _queuedTexts, -count);
            TaggingMetrics.RefusedTexts.Add(count);
            // Half the allowed wait: by then the queue has drained that far, and the model has not run dry meanwhile.
            throw new TaggerUnavailableException(refusal) { RetryAfter = _options.MaxQueueWait > TimeSpan.Zero ? _options.MaxQueueWait / 2 : null };
        }
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
            if (!reader.TryRead(out var first) || !Add(first))
            {
                continue;
            }

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

        // False when the request's caller gave up while it waited: it left the queue then, unrun.
        bool Add(Request request)
        {
            if (!request.TryTake())
            {
                return false;
            }

            Interlocked.Add(ref _queuedTexts, -request.Texts.Length);
            batch.Add(request);
            texts.AddRange(request.Texts);
            return true;
        }
    }

    private void Run(List<Request> batch, List<PreparedText> texts)
    {
        var started = _time.GetTimestamp();
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
        var seconds = _time.GetElapsedTime(started).TotalSeconds;
        if (seconds > 0 && texts.Count >= _options.MaxBatchSize)
        {
            // Only this thread writes the rate; callers read it to admit.
            var sample = texts.Count / seconds;
            var rate = Volatile.Read(ref _textsPerSecond);
            Volatile.Write(ref _textsPerSecond, rate == 0 ? sample : rate + (0.2 * (sample - rate)));
        }

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

    /// <summary>Texts of one caller waiting for a batch: taken by the loop, or abandoned by their caller, whichever comes first.</summary>
    private sealed class Request(TagBatcher owner, PreparedText[] texts, CancellationToken abandoned)
    {
        private const int Waiting = 0, Taken = 1, Gone = 2;
        private int _state;

        public PreparedText[] Texts => texts;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Waiting) == Waiting;

        /// <summary>The caller gave up: out of the queue's count now; the loop will pass over it.</summary>
        public void Abandon()
        {
            if (Interlocked.CompareExchange(ref _state, Gone, Waiting) == Waiting)
            {
                Interlocked.Add(ref owner._queuedTexts, -texts.Length);
                TaggingMetrics.AbandonedTexts.Add(texts.Length);
                Done.TrySetCanceled(abandoned);
            }
        }
    }

    /// <summary>A text the model could not prepare: not queued, tagged as having nothing.</summary>
    private sealed class Unprepared : PreparedText
    {
        public Unprepared(string text) : base(text) => Failed = true;
    }
}
