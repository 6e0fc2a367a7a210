using System.Text.Json;
using Esrs.Bench;
using Esrs.Bench.Evaluation;
using Esrs.Cli;
using Esrs.Recommending;
using Esrs.Tests.Support;

namespace Esrs.Tests.Recommending;

/// <summary><c>./esrs evaluate</c>: bad command lines, and the claim it exists to check, on the whole UCI file.</summary>
public sealed class EvaluateTests
{
    [Theory]
    [InlineData("evaluate --dirt abc", "--dirt needs a comma list")]
    [InlineData("evaluate --dirt 0,-1", "--dirt needs a comma list")]
    [InlineData("evaluate --kind-rate -0.5", "--kind-rate must be from 0 to 10")]
    [InlineData("evaluate --resamples 0", "--resamples needs a positive whole number")]
    [InlineData("evaluate --limit abc", "--limit")]
    [InlineData("evaluate --data /nonexistent", "data file not found")]
    public async Task ABadCommandLineExitsWithTwoAndSaysWhatWasWrong(string line, string said)
    {
        var error = new StringWriter();

        var code = await BenchCommandLine.RunAsync(line.Split(' '), error);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(said, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TooFewRowsForTheSplitIsAUsageError()
    {
        var evaluation = new OfflineEvaluation(new RecommendOptions(), seed: 1, resamples: 10, rates: [0], kindRate: 0, TextWriter.Null);

        var error = Assert.Throws<UsageException>(() => evaluation.Run(UciExpectations.DataFile, limit: 1_000));

        Assert.Contains("read more rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task OnTheWholeFileEsrsBeatsPopularityAndHoldsItsRankingUnderDirtWhereRawDoesNot()
    {
        // As the README shows it: ./esrs evaluate, here with fewer resamples and two dirt rates to save time.
        using var folder = new TempDirectory();
        var json = Path.Combine(folder.Path, "report.json");
        var svg = Path.Combine(folder.Path, "dirt.svg");
        // A tagger checkpoint (a 2-layer slice of MiniLM, not fine-tuned: its tags are poor, the path is the real one).
        var tagger = Path.Combine(folder.Path, "tagger");
        TinyCheckpoint(tagger);
        var (code, stdout, stderr) = await EsrsScript.RunAsync(
            ["evaluate", "--resamples", "300", "--dirt", "0,0.3", "--kind-rate", "0", "--json", json, "--svg", svg, "--tagger", tagger], TimeSpan.FromMinutes(12));

        Assert.True(code == 0, stderr);
        Assert.Contains("| esrs |", stdout, StringComparison.Ordinal);
        Assert.Contains("done", stderr, StringComparison.Ordinal);
        Assert.StartsWith("<svg", await File.ReadAllTextAsync(svg), StringComparison.Ordinal);
        var report = JsonSerializer.Deserialize<EvaluationReport>(await File.ReadAllTextAsync(json), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        // The split and the customers follow from the file alone (UciSplit's definitions).
        Assert.Equal(541_909, report.Rows);
        Assert.True(report.Customers > 1_000, $"{report.Customers} test customers");

        // Esrs's recommender ranks the customers' later purchases better than popularity, paired over the same customers.
        var overPopularity = report.Differences.Single(d => d.Target == "all" && d.B == "popularity");
        Assert.True(overPopularity.Ndcg10Difference.Low > 0, $"esrs - popularity: {overPopularity.Ndcg10Difference}");

        // Per request: every product re-ranked by each customer's profile, without and with the tagger's attributes.
        foreach (var target in new[] { "all", "new" })
        {
            Assert.Single(report.Systems, r => r.System == "esrs+rank" && r.Target == target);
            Assert.Single(report.Differences, d => d.A == "esrs+rank" && d.B == "esrs" && d.Target == target);
            Assert.Single(report.Systems, r => r.System == "esrs+rank+tags" && r.Target == target);
            Assert.Single(report.Differences, d => d.A == "esrs+rank+tags" && d.B == "esrs+rank" && d.Target == target);
        }

        Assert.Contains("| esrs+rank+tags |", stdout, StringComparison.Ordinal);
        var tags = report.Tags!;
        Assert.StartsWith("evaluate-slice", tags.ModelVersion, StringComparison.Ordinal);
        Assert.True(tags.Texts > 3_000, $"{tags.Texts} titles tagged");
        Assert.InRange(tags.TagsKept, 0, tags.Tags);

        // With 30 % injected dirt Esrs keeps at least 95 % of its NDCG@10 and raw keeps less than Esrs does.
        var clean = report.Dirt.Single(d => d.Rate == 0);
        var dirty = report.Dirt.Single(d => d.Rate == 0.3);
        var esrsKept = dirty.Cleaned.Mean / clean.Cleaned.Mean;
        var rawKept = dirty.Raw.Mean / clean.Raw.Mean;
        Assert.True(esrsKept >= 0.95, $"Esrs kept {esrsKept:P1}");
        Assert.True(rawKept < esrsKept, $"raw kept {rawKept:P1}, Esrs {esrsKept:P1}");

        // The Taobao slice: users with two or more events and categories as its data README counts them.
        var taobao = report.Taobao!;
        Assert.Equal([0, 0.3], taobao.Select(t => t.Rate));
        Assert.All(taobao, t => Assert.Equal((23_779, 3_913), (t.Users, t.Categories)));
        var (taobaoClean, taobaoDirty) = (taobao[0], taobao[1]);
        Assert.True(taobaoClean.EsrsNdcg10.Low > taobaoClean.PopularityNdcg10.High, $"Esrs {taobaoClean.EsrsNdcg10}, popularity {taobaoClean.PopularityNdcg10}");
        Assert.True(taobaoDirty.EsrsNdcg10.Mean / taobaoClean.EsrsNdcg10.Mean >= 0.95, $"Esrs kept {taobaoDirty.EsrsNdcg10.Mean / taobaoClean.EsrsNdcg10.Mean:P1} on Taobao");
    }

    private static void TinyCheckpoint(string directory)
    {
        TorchSharp.torch.manual_seed(11);
        var labels = Tagging.TaggerData.Labels;
        using var model = new Esrs.Tagging.Model.BertTokenClassifier(Esrs.Tagging.Model.BertConfig.MiniLmL6 with { Layers = 2 }, labels, crf: true);
        using (TorchSharp.torch.no_grad())
        {
            Esrs.Tagging.Model.BertWeights.LoadInto(model, Tagging.TaggerData.MiniLm, prefix: "bert.");
        }

        Esrs.Tagging.Model.TaggerCheckpoint.Save(directory, new Esrs.Tagging.Model.Checkpoint(model, labels, Tagging.TaggerData.Tokenizer, "evaluate-slice", Esrs.Tagging.Inference.DecodingMode.Viterbi));
    }
}
