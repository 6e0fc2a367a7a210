using Esrs.Tagging;
using Esrs.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Esrs.Tests.TaggerPool;

public sealed class TagBatcherTests
{
    private static TagBatcher Batcher(ITagModel model, Action<TaggerOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new TaggerOptions { MaxBatchSize = 16, MaxDelay = TimeSpan.FromMilliseconds(200) };
        configure?.Invoke(options);
        return new TagBatcher(model, Options.Create(options), NullLogger<TagBatcher>.Instance, time);
    }

    [Fact]
    public async Task ConcurrentRequestsShareBatchesAndEachGetsItsOwnTags()
    {
        var model = new DictionaryTagModel();
        await using var batcher = Batcher(model);

        // 64 callers at once, one text each: the first batch waits up to 200 ms and fills to 16.
        var texts = Enumerable.Range(0, 64).Select(i => i % 2 == 0 ? $"red shirt {i}" : $"blue cotton sock {i}").ToArray();
        var results = await Task.WhenAll(texts.Select(t => batcher.TagAsync([t])));

        for (var i = 0; i < texts.Length; i++)
        {
            var tags = Assert.Single(results[i]);
            Assert.All(tags, tag => Assert.Equal(tag.Text, texts[i][tag.Start..tag.End]));
            Assert.Equal(i % 2 == 0 ? ["COLOR"] : ["COLOR", "MATERIAL"], tags.Select(t => t.Label));
        }

        Assert.Equal(64, model.BatchSizes.Sum());
        Assert.True(model.BatchSizes.Count < 64, $"expected shared batches, got {model.BatchSizes.Count} batches for 64 requests");
        Assert.All(model.BatchSizes, size => Assert.InRange(size, 1, 16));
        Assert.Equal((model.BatchSizes.Count, 64L), batcher.Totals);
    }

    [Fact]
    public async Task BatchSizeOneRunsEveryRequestAlone()
    {
        var model = new DictionaryTagModel();
        await using var batcher = Batcher(model, o => o.MaxBatchSize = 1);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => batcher.TagAsync([$"red {i}"])));

        Assert.Equal(Enumerable.Repeat(1, 20), model.BatchSizes);
    }

    [Fact]
    public async Task ARequestLargerThanTheBatchRunsInChunksAndKeepsItsOrder()
    {
        var model = new DictionaryTagModel();
        await using var batcher = Batcher(model, o => o.MaxBatchSize = 4);
        var texts = Enumerable.Range(0, 10).Select(i => i == 7 ? "nike" : $"plain {i}").ToArray();

        var tags = await batcher.TagAsync(texts);

        Assert.Equal(10, tags.Length);
        Assert.Equal("BRAND", Assert.Single(tags[7]).Label);
        Assert.All(tags.Where((_, i) => i != 7), Assert.Empty);
        Assert.Equal([4, 4, 2], model.BatchSizes);
    }

    [Fact]
    public async Task AFullQueueRefusesInsteadOfGrowing()
    {
        using var gate = new ManualResetEventSlim();
        var model = new DictionaryTagModel { Gate = gate };
        await using var batcher = Batcher(model, o => (o.MaxQueuedTexts, o.MaxBatchSize, o.MaxDelay) = (4, 1, TimeSpan.Zero));

        var running = batcher.TagAsync(["red"]);
        await WaitUntil(() => !model.BatchSizes.IsEmpty);
        var queued = batcher.TagAsync(["a", "b", "c", "d"]);
        var refused = await Assert.ThrowsAsync<TaggerUnavailableException>(() => batcher.TagAsync(["one too many"]));

        Assert.Contains("queue full", refused.Message, StringComparison.Ordinal);
        gate.Set();
        Assert.Single((await running)[0]);
        Assert.Equal(4, (await queued).Length);
    }

    [Fact]
    public async Task ARequestWhoseCallerGaveUpLeavesTheQueueUnrun()
    {
        using var gate = new ManualResetEventSlim();
        var model = new DictionaryTagModel { Gate = gate };
        await using var batcher = Batcher(model, o => (o.MaxBatchSize, o.MaxDelay) = (1, TimeSpan.Zero));
        using var giveUp = new CancellationTokenSource();

        var running = batcher.TagAsync(["red"]);
        await WaitUntil(() => !model.BatchSizes.IsEmpty);
        var abandoned = batcher.TagAsync(["blue", "cotton", "nike"], giveUp.Token);
        var after = batcher.TagAsync(["red sock"]);
        Assert.Equal(4, batcher.QueuedTexts);
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        // Out of the queue's count at once, not when the loop reaches it.
        Assert.Equal(1, batcher.QueuedTexts);
        gate.Set();
        Assert.Single((await running)[0]);
        Assert.Single((await after)[0]);
        // The model ran the first and the last request only; the three texts nobody waited for never reached it.
        Assert.Equal(["red", "red sock"], model.RunTexts);
        Assert.Equal((2L, 2L), batcher.Totals);
    }

    [Fact]
    public async Task ABatcherFurtherBehindThanTheWaitLimitRefusesAtOnceAndSaysWhenToAskAgain()
    {
        using var gate = new ManualResetEventSlim();
        var model = new DictionaryTagModel { Gate = gate };
        var clock = new FakeTimeProvider();
        await using var batcher = Batcher(model, o => (o.MaxBatchSize, o.MaxDelay, o.MaxQueueWait) = (1, TimeSpan.Zero, TimeSpan.FromSeconds(10)), clock);

        // One full batch (of one text) held in the model for 200 ms of the batcher's clock: its rate is 5 texts/s.
        var first = batcher.TagAsync(["red"]);
        await WaitUntil(() => model.BatchSizes.Count == 1);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        gate.Set();
        await first;
        gate.Reset();

        var running = batcher.TagAsync(["blue"]);
        await WaitUntil(() => model.BatchSizes.Count == 2);
        // Nothing waits yet: taken whatever its size. Then 3 texts ahead at 5 texts/s is 0.6 s, under 10 s: taken.
        var small = batcher.TagAsync(["a", "b", "c"]);
        var big = batcher.TagAsync([.. Enumerable.Range(0, 200).Select(i => $"text {i}")]);
        // 203 texts ahead at 5 texts/s is 40.6 s: refused now, with half the limit as the time to ask again.
        var refused = await Assert.ThrowsAsync<TaggerUnavailableException>(() => batcher.TagAsync(["one more"]));

        Assert.StartsWith("Tagger behind: 203 texts waiting, about 40.6 s at 5 texts/s", refused.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.RetryAfter);
        gate.Set();
        await running;
        Assert.Equal(3, (await small).Length);
        Assert.Equal(200, (await big).Length);
        Assert.DoesNotContain("one more", model.RunTexts);
    }

    [Fact]
    public async Task AFailingModelFailsItsBatchAndTheNextBatchRunsAgain()
    {
        var model = new DictionaryTagModel { Fail = true };
        await using var batcher = Batcher(model, o => o.MaxDelay = TimeSpan.Zero);

        var error = await Assert.ThrowsAsync<TaggerUnavailableException>(() => batcher.TagAsync(["red"]));
        Assert.Contains("model failed on purpose", error.Message, StringComparison.Ordinal);

        model.Fail = false;
        Assert.Single((await batcher.TagAsync(["red"]))[0]);
    }

    [Fact]
    public async Task ATextTheModelFailsOnAloneCostsOnlyItselfNotItsBatch()
    {
        var model = new DictionaryTagModel { FailOn = "poison" };
        await using var batcher = Batcher(model, o => o.MaxDelay = TimeSpan.Zero);

        var tags = await batcher.TagAsync(["red shirt", "poison pill", "blue cotton sock"]);

        Assert.Equal(["COLOR"], tags[0].Select(t => t.Label));
        Assert.Empty(tags[1]);
        // Told apart from a text with nothing to tag, so it is not taken for the model's answer.
        Assert.Same(TagBatcher.FailedText, tags[1]);
        Assert.Equal(["COLOR", "MATERIAL"], tags[2].Select(t => t.Label));
        // The batch of three failed, then each text ran alone.
        Assert.Equal([3, 1, 1, 1], model.BatchSizes);
        Assert.NotSame(TagBatcher.FailedText, (await batcher.TagAsync(["plain words"]))[0]);
    }

    [Fact]
    public async Task CallersTokeniseWhileTheBatchThreadIsBusyRunningTheModel()
    {
        using var gate = new ManualResetEventSlim();
        var model = new DictionaryTagModel { Gate = gate };
        await using var batcher = Batcher(model, o => (o.MaxBatchSize, o.MaxDelay) = (1, TimeSpan.Zero));

        var first = batcher.TagAsync(["red"]);
        await WaitUntil(() => !model.BatchSizes.IsEmpty);
        var second = batcher.TagAsync(["blue cotton", "nike"]);

        // The batch thread is held inside the model on the first text, yet the second request's texts are prepared.
        Assert.Equal(3, model.PrepareThreads.Count);
        Assert.Single(model.BatchSizes);
        gate.Set();
        Assert.Equal("COLOR", Assert.Single((await first)[0]).Label);
        Assert.Equal(["BRAND"], (await second)[1].Select(t => t.Label));
    }

    [Fact]
    public async Task ASiloWithoutAModelSaysWhy()
    {
        await using var batcher = Batcher(new UnavailableTagModel("no checkpoint in /x"));

        var error = await Assert.ThrowsAsync<TaggerUnavailableException>(() => batcher.TagAsync(["red"]));

        Assert.Equal("no checkpoint in /x", error.Message);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
