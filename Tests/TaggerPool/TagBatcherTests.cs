using Esrs.Tagging;
using Esrs.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Esrs.Tests.TaggerPool;

public sealed class TagBatcherTests
{
    private static TagBatcher Batcher(ITagModel model, Action<TaggerOptions>? configure = null)
    {
        var options = new TaggerOptions { MaxBatchSize = 16, MaxDelay = TimeSpan.FromMilliseconds(200) };
        configure?.Invoke(options);
        return new TagBatcher(model, Options.Create(options), NullLogger<TagBatcher>.Instance);
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
        Assert.Equal(["COLOR", "MATERIAL"], tags[2].Select(t => t.Label));
        // The batch of three failed, then each text ran alone.
        Assert.Equal([3, 1, 1, 1], model.BatchSizes);
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
