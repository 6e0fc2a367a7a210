using Esrs.Hosting;
using Esrs.Profiles;
using Esrs.Silo.Tagging;
using Esrs.Tagging;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tests.Support;
using Esrs.Tests.Tagging;
using Orleans.TestingHost;
using static TorchSharp.torch;

namespace Esrs.Tests.TaggerPool;

/// <summary>
/// The real TorchSharp model (a 2-layer slice of MiniLM saved as a checkpoint) behind the grain pool: what reaches callers
/// and profiles is exactly what the model gives when called directly, whatever the text.
/// </summary>
public sealed class TorchModelPoolTests : IDisposable
{
    private static readonly string[] Texts =
    [
        "Nike Air Zoom Pegasus 39 Men's Running Shoes, Black",
        "organic green tea 100 bags",
        "Nike Air\tZoom\t",
        "Cafe\u0301 Cre\u0300me 500 ml \U0001F600 ＢＩＯ",
        "\u0001ctrl\u0007 char",
        "",
        string.Join(' ', Enumerable.Repeat("verylongwordpiecesequence", 80)),
    ];

    private readonly TempDirectory _directory = new();

    public TorchModelPoolTests()
    {
        manual_seed(5);
        var labels = TaggerData.Labels;
        using var model = new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = 2 }, labels);
        using (no_grad())
        {
            BertWeights.LoadInto(model, TaggerData.MiniLm, prefix: "bert.");
        }

        TaggerCheckpoint.Save(ModelDirectory, new Checkpoint(model, labels, TaggerData.Tokenizer, "torch-slice-2", DecodingMode.Viterbi));
    }

    private string ModelDirectory => Path.Combine(_directory.Path, "tagger");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ConcurrentCallersGetWhatTheModelGivesWhenCalledDirectly()
    {
        var expected = Direct(Texts);
        await using var cluster = await StartAsync();

        // 28 callers at once, one text each, over the pool: their texts share batches.
        var calls = Enumerable.Range(0, 28).Select(i => cluster.Client.GetGrain<ITaggerGrain>(i % 4).TagAsync([Texts[i % Texts.Length]])).ToList();
        var results = await Task.WhenAll(calls);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal("torch-slice-2", results[i].ModelVersion);
            var tags = Assert.Single(results[i].Tags);
            Assert.Equal(expected[i % Texts.Length], tags.Select(t => (t.Start, t.End, t.Label, t.Text)));
        }

        Assert.NotEmpty(expected.SelectMany(e => e));
    }

    [Fact]
    public async Task TagsOfTheRealModelEnterTheProfile()
    {
        string[] queries = ["organic green tea 100 bags", "red cotton shirt"];
        const string Title = "Nike Air Zoom Pegasus 39 Men's Running Shoes";
        var expected = Direct([.. queries, Title]).SelectMany(spans => spans)
            .Select(s => $"{s.Label}={string.Join(' ', s.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant()}")
            .Distinct().Order(StringComparer.Ordinal).ToList();
        await using var cluster = await StartAsync();
        var user = "user-" + Guid.NewGuid().ToString("N");
        var grain = cluster.Client.GetGrain<IUserGrain>(user);

        await grain.IngestAsync([TestEvents.Search(user, queries[0]), TestEvents.Search(user, queries[1]), TestEvents.Purchase(user, "sku-9") with { ItemTitle = Title }]);
        var profile = await grain.GetProfileAsync();
        for (var i = 0; i < 400 && profile.Ingest.TaggedEvents < 3; i++)
        {
            await Task.Delay(50);
            profile = await grain.GetProfileAsync();
        }

        Assert.Equal(3, profile.Ingest.TaggedEvents);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, profile.Attributes.Select(a => $"{a.Label}={a.Value}").Order(StringComparer.Ordinal));
        Assert.Equal("torch-slice-2", profile.Provenance[ProfileFields.Attributes].ModelVersion);
    }

    /// <summary>The spans of the checkpoint called directly, outside any grain or batcher.</summary>
    private List<List<(int Start, int End, string Label, string Text)>> Direct(IReadOnlyList<string> texts)
    {
        using var tagger = new Tagger(TaggerCheckpoint.Load(ModelDirectory), CPU);
        return [.. tagger.Tag(texts, batchSize: 1).Select(spans => spans.Select(s => (s.Start, s.End, s.Label, s.Text)).ToList())];
    }

    private Task<InProcessTestCluster> StartAsync()
    {
        void Tagger(TaggerOptions t)
        {
            (t.Enabled, t.PoolSize, t.MinScore, t.MaxBatchSize, t.MaxDelay) = (true, 4, 0, 8, TimeSpan.FromMilliseconds(20));
            (t.FlushInterval, t.CallTimeout) = (TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2));
            (t.ModelDirectory, t.Device) = (ModelDirectory, "cpu");
        }

        return EsrsCluster.StartAsync(
            EsrsCluster.Sqlite(_directory.Path),
            "esrs-torch-pool-" + Guid.NewGuid().ToString("N"),
            o => o.Tagger.Configure(Tagger),
            1,
            (_, silo) => silo.AddEsrsTagging(false, sp =>
            {
                var options = new TaggerOptions();
                Tagger(options);
                return TorchTagModel.Load(options, ModelDirectory);
            }, o => o.Configure(Tagger)));
    }
}
