using System.Text.Json;
using Esrs.Cli;
using Esrs.Tagging.Commands;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tagging.Training;
using Esrs.Tests.Support;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>
/// A title tagged with its product type given: spans of that type's attributes only, the type shown to a model trained
/// with it, and every span in the title's own offsets. The model here answers the same scores for every word whatever the
/// text (its classifier's weights are zero, its bias chosen), so the expected spans follow from the bias by hand.
/// </summary>
public sealed class ProductTypesTests : IDisposable
{
    // Words and their offsets, by hand: "Dove" 0-4, "Shampoo" 5-12, "Lavender" 13-21.
    private const string Title = "Dove Shampoo Lavender";
    private static readonly (int Start, int End)[] Words = [(0, 4), (5, 12), (13, 21)];

    private static readonly ProductTypes Types = new(new Dictionary<string, IReadOnlyCollection<string>>
    {
        ["Conditioner"] = ["BRAND", "SCENT"],
        ["Coffee"] = ["BRAND", "FLAVOR", "ITEM_FORM"],
    });

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ATitleOfAKnownTypeIsTaggedOverThatTypesAttributesOnly()
    {
        using var tagger = ConstantTagger(Types);

        var spans = tagger.Tag([Title, Title, Title, Title, Title], typeNames: [null, "Conditioner", "conditioner", "Coffee", "Shoes"]);

        // Every word's best label is B-FLAVOR, then B-SCENT, then O (the bias): a word is a span of its own.
        Assert.Equal(Expected("FLAVOR"), Describe(spans[0]));
        Assert.Equal(Expected("SCENT"), Describe(spans[1])); // a conditioner has no flavour: its next best label
        Assert.Equal(Expected("SCENT"), Describe(spans[2])); // type names compare without case
        Assert.Equal(Expected("FLAVOR"), Describe(spans[3])); // coffee has one
        Assert.Equal(Expected("FLAVOR"), Describe(spans[4])); // a type the schema does not know: every attribute
        Assert.Equal(Expected("FLAVOR"), Describe(tagger.Tag([Title])[0]));
    }

    [Fact]
    public void AModelTrainedWithTypesIsShownTheTypeBeforeTheTitleAndItsSpansStayInTheTitlesOffsets()
    {
        var typed = new ProductTypes(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["Conditioner"] = ["BRAND", "SCENT"],
        }, inInput: true);
        using (var model = ConstantModel())
        {
            TaggerCheckpoint.Save(_directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "typed", DecodingMode.Viterbi, ProductTypes: typed));
        }

        var loaded = TaggerCheckpoint.Load(_directory.Path);
        Assert.True(loaded.ProductTypes!.InInput);
        Assert.Equal(["Conditioner"], loaded.ProductTypes.Names);
        Assert.Equal(["BRAND", "SCENT"], loaded.ProductTypes.AttributesOf("Conditioner")!.Order(StringComparer.Ordinal));
        using var tagger = new Esrs.Tagging.Inference.Tagger(loaded, CPU);

        Assert.Equal(("Conditioner | " + Title, 14), tagger.ModelInput(Title, "Conditioner"));
        Assert.Equal(("Conditioner | " + Title, 14), tagger.ModelInput(Title, "CONDITIONER")); // as training spelled it
        Assert.Equal((Title, 0), tagger.ModelInput(Title, "Shoes"));
        Assert.Equal((Title, 0), tagger.ModelInput(Title, null));
        // "Conditioner" and "|" are tagged too (every word is), and left out: what comes back is the title's.
        var spans = tagger.Tag([Title, Title], typeNames: ["Conditioner", null]);
        Assert.Equal(Expected("SCENT"), Describe(spans[0]));
        Assert.Equal(Expected("FLAVOR"), Describe(spans[1]));
        Assert.All(spans[0], s => Assert.Equal(Title[s.Start..s.End], s.Text));
    }

    [Fact]
    public void ASpanThatRunsFromTheTypeIntoTheTitleStartsWhereTheTitleDoes()
    {
        var typed = new ProductTypes(new Dictionary<string, IReadOnlyCollection<string>> { ["Conditioner"] = ["SCENT"] }, inInput: true);
        // I-SCENT 5, B-SCENT 4, O 3: valid BIO makes the first word B and every later one I, one span over everything shown.
        using var tagger = new Esrs.Tagging.Inference.Tagger(
            new Checkpoint(ConstantModel(("I-SCENT", 5), ("B-SCENT", 4)), TaggerData.Labels, TaggerData.Tokenizer, "across", DecodingMode.Viterbi, ProductTypes: typed), CPU);

        var span = Assert.Single(tagger.Tag([Title], typeNames: ["Conditioner"])[0]);

        Assert.Equal((0, 21, "SCENT", Title), (span.Start, span.End, span.Label, span.Text));
        Assert.InRange(span.Score, 0.01, 1);
        Assert.Equal((0, 21, "SCENT"), Describe(tagger.Tag([Title])[0]).Single());
    }

    [Fact]
    public void TypeNamesMeetWithoutCaseAndAttributesAreReadAsTheLabelMapWritesThem()
    {
        var schema = new ProductTypes(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["Tea"] = ["Tea variety", "BRAND"],
            ["tea"] = ["Flavor"],
        });

        Assert.Equal(["Tea"], schema.Names);
        Assert.Equal("Tea", schema.NameOf("TEA"));
        Assert.Equal(["BRAND", "FLAVOR", "TEA_VARIETY"], schema.AttributesOf("tea")!.Order(StringComparer.Ordinal));
        Assert.Equal(["BRAND", "FLAVOR", "TEA_VARIETY"], schema.ToSorted()["Tea"]);
    }

    [Fact]
    public async Task TagTakesTheProductTypeOfItsLinesAndRefusesATypeTheCheckpointDoesNotKnow()
    {
        using (var model = ConstantModel())
        {
            TaggerCheckpoint.Save(_directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "typed", DecodingMode.Viterbi, ProductTypes: Types));
        }

        using var output = new StringWriter();
        var code = await TagCommand.RunAsync(_directory.Path, "cpu", batchSize: 2, new StringReader($"{Title}\n{Title}\n"), output, "Conditioner", CancellationToken.None);

        Assert.Equal(ExitCodes.Success, code);
        var answers = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.Equal(Expected("SCENT"), [.. a.GetProperty("spans").EnumerateArray().Select(s => (s.GetProperty("start").GetInt32(), s.GetProperty("end").GetInt32(), s.GetProperty("label").GetString()!))]));
        var unknown = await Assert.ThrowsAsync<UsageException>(() => TagCommand.RunAsync(_directory.Path, "cpu", 2, new StringReader(Title), TextWriter.Null, "Teapot", CancellationToken.None));
        Assert.Equal("--product-type: 'Teapot' is not a type typed was trained on (Coffee, Conditioner).", unknown.Message);

        using (var model = ConstantModel())
        {
            TaggerCheckpoint.Save(_directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "older", DecodingMode.Viterbi));
        }

        var older = await Assert.ThrowsAsync<UsageException>(() => TagCommand.RunAsync(_directory.Path, "cpu", 2, new StringReader(Title), TextWriter.Null, "Conditioner", CancellationToken.None));
        Assert.StartsWith("--product-type: older was trained before checkpoints kept their product types", older.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEvaluationEnsembleOfAReaderTrainedWithTypesAndOneWithoutIsRefused()
    {
        // An ensemble averages label probabilities of models shown the same input: one shown "Conditioner | Dove ..."
        // and one shown "Dove ..." disagree on where every word is.
        using var plainDirectory = new TempDirectory();
        using (var model = ConstantModel())
        {
            TaggerCheckpoint.Save(_directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "typed", DecodingMode.Viterbi,
                ProductTypes: new ProductTypes(new Dictionary<string, IReadOnlyCollection<string>> { ["Conditioner"] = ["SCENT"] }, inInput: true)));
        }

        using (var model = ConstantModel())
        {
            TaggerCheckpoint.Save(plainDirectory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "plain", DecodingMode.Viterbi, ProductTypes: Types));
        }

        var data = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, ".."));
        foreach (var (model, member, said) in new[]
        {
            (_directory.Path, plainDirectory.Path, "--ensemble: plain was not trained with product types before titles (--typed-share) and typed was;"),
            (plainDirectory.Path, _directory.Path, "--ensemble: typed was trained with product types before titles (--typed-share) and plain was not;"),
        })
        {
            using var error = new StringWriter();
            var code = await CommandLineRunner.RunAsync(TaggerCommandLine.Create(), ["eval-tagger", "--model", model, "--ensemble", member, "--data", data], error: error, program: "./esrs");

            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains(said, error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ACheckpointWithoutTypesTagsEveryTitleOverEveryAttributeUnlessGivenTypes()
    {
        using (var model = ConstantModel())
        {
            TaggerCheckpoint.Save(_directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "untyped", DecodingMode.Viterbi));
        }

        var loaded = TaggerCheckpoint.Load(_directory.Path);
        Assert.Null(loaded.ProductTypes);
        using (var plain = new Esrs.Tagging.Inference.Tagger(loaded, CPU))
        {
            Assert.Equal(Expected("FLAVOR"), Describe(plain.Tag([Title], typeNames: ["Conditioner"])[0]));
        }

        // An evaluation of an older checkpoint gives the schema of the titles it was trained on.
        using var given = new Esrs.Tagging.Inference.Tagger(TaggerCheckpoint.Load(_directory.Path), CPU, productTypes: Types);
        Assert.Equal(Expected("SCENT"), Describe(given.Tag([Title], typeNames: ["Conditioner"])[0]));
        Assert.Equal((Title, 0), given.ModelInput(Title, "Conditioner")); // not trained with types: not shown them
    }

    [Fact]
    public void TheSchemaIsEveryAttributeTheTitlesOfATypeCarry()
    {
        var schema = ProductTypes.FromTitles(
        [
            ("Tea", ["BRAND", "TEA_VARIETY"]),
            ("tea", ["FLAVOR"]),
            ("Shoes", ["BRAND", "GENDER", "BRAND"]),
            ("Vitamin", []),
        ]);

        Assert.Equal(["Shoes", "Tea", "Vitamin"], schema.Names);
        Assert.Equal(["BRAND", "FLAVOR", "TEA_VARIETY"], schema.AttributesOf("TEA")!.Order(StringComparer.Ordinal));
        Assert.Equal(["BRAND", "GENDER"], schema.AttributesOf("Shoes")!.Order(StringComparer.Ordinal));
        Assert.Empty(schema.AttributesOf("Vitamin")!);
        Assert.Null(schema.AttributesOf("Coffee"));
        Assert.Null(schema.AttributesOf(null));
        Assert.False(schema.InInput);
    }

    [Fact]
    public void ATrainingTitleShownWithItsTypeKeepsItsSpansOnTheSameWords()
    {
        var example = new TrainingExample("Lipton Green Tea, 100 ct", [new LabeledSpan(0, 6, "BRAND"), new LabeledSpan(7, 16, "TEA_VARIETY")], ProductType: "Tea");

        var typed = Augmenter.Typed(example);

        Assert.Equal("Tea | Lipton Green Tea, 100 ct", typed.Text);
        Assert.Equal([new LabeledSpan(6, 12, "BRAND"), new LabeledSpan(13, 22, "TEA_VARIETY")], typed.Spans);
        Assert.Equal(["Lipton", "Green Tea"], typed.Spans.Select(s => typed.Text[s.Start..s.End]));
        Assert.Equal("Tea", typed.ProductType);
    }

    [Fact]
    public void AnEpochShowsAboutTheAskedShareOfTitlesBehindTheirTypeAndNoneWhenOff()
    {
        List<TrainingExample> titles = [.. TaggerData.Titles.Where(t => t.Split == "train").Take(400).Select(t => new TrainingExample(t.Title, t.Spans, ProductType: t.Category))];

        var half = new Augmenter(titles, new AugmentationOptions { TypedShare = 0.5 }).Epoch(new Random(5));
        var off = new Augmenter(titles, AugmentationOptions.None).Epoch(new Random(5));

        var typed = half.Count(e => !titles.Any(t => t.Text == e.Text));
        Assert.InRange(typed, 150, 250); // 400 draws at 0.5: 200 ± 2.5 standard deviations
        Assert.All(half.Zip(titles), p => Assert.True(p.First.Text == p.Second.Text || p.First.Text == ProductTypes.Prefix(p.Second.ProductType!) + p.Second.Text));
        Assert.Equal(titles, off);
    }

    private static Esrs.Tagging.Inference.Tagger ConstantTagger(ProductTypes types) =>
        new(new Checkpoint(ConstantModel(), TaggerData.Labels, TaggerData.Tokenizer, "constant", DecodingMode.Viterbi), CPU, productTypes: types);

    /// <summary>
    /// A one-layer softmax model whose every word scores the same whatever the text: by default B-FLAVOR 5, B-SCENT 4, O 3
    /// and every other label 0 (or the scores given, with O 3).
    /// </summary>
    private static BertTokenClassifier ConstantModel(params (string Label, float Score)[] scores)
    {
        var labels = TaggerData.Labels;
        var model = new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = 1 }, labels);
        using var noGrad = no_grad();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters["classifier.weight"].zero_();
        var bias = new float[labels.Count];
        foreach (var (label, score) in scores.Length > 0 ? scores : [("B-FLAVOR", 5f), ("B-SCENT", 4f)])
        {
            bias[labels.Labels.ToList().IndexOf(label)] = score;
        }

        bias[0] = 3;
        using var values = tensor(bias);
        parameters["classifier.bias"].copy_(values);
        model.eval();
        return model;
    }

    private static List<(int, int, string)> Expected(string label) => [.. Words.Select(w => (w.Start, w.End, label))];

    private static List<(int, int, string)> Describe(IReadOnlyList<TaggedSpan> spans) => [.. spans.Select(s => (s.Start, s.End, s.Label))];
}
