using Esrs.Cli;
using System.CommandLine;
using System.Globalization;
using Esrs.Tagging.Data;
using Esrs.Tagging.Evaluation;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tagging.Training;

namespace Esrs.Tagging.Commands;

/// <summary><c>eval</c>: strict-span scores of the checkpoint on OA-Mine test and dev, and on the out-of-shop check beside a dictionary of the train values.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var decoding = new Option<DecodingMode?>("--decoding") { Description = "Override the checkpoint's decoding: Viterbi or Argmax" };
        var ensemble = new Option<string[]>("--ensemble") { Description = "More checkpoint directories: their label probabilities are averaged with --model's", AllowMultipleArgumentsPerToken = true };
        var soup = new Option<string[]>("--soup") { Description = "More checkpoint directories: their weights are averaged with --model's into one model (a soup)", AllowMultipleArgumentsPerToken = true };
        var boundaryCheck = new Option<bool>("--boundary-check") { Description = "Apply the checkpoint's boundary check against known values (--boundary-check false: measure without it)", DefaultValueFactory = _ => true };
        var errors = new Option<bool>("--errors") { Description = "Also print where the test errors are per coarse label (boundary, type, missed, spurious) and the train annotations' agreement" };
        var command = new Command("eval-tagger", "Strict-span P/R/F1 of the checkpoint on OA-Mine test (per label and coarse), dev, the same with each title's product type known, and the out-of-shop BRAND, GENDER and MATERIAL checks against a dictionary of the train values")
        {
            model, data, device, decoding, ensemble, soup, boundaryCheck, errors,
        };
        command.Aliases.Add("eval"); // the name scripts and earlier notes call it by (Esrs.Tagger.Cli eval)
        command.SetAction(parse => Run(parse.GetRequiredValue(model), parse.GetValue(ensemble) ?? [], parse.GetValue(soup) ?? [], parse.GetRequiredValue(data), parse.GetValue(device), parse.GetValue(decoding), parse.GetValue(boundaryCheck), parse.GetValue(errors)));
        return command;
    }

    private static int Run(string modelDir, string[] ensembleDirs, string[] soupDirs, string dataDir, string? deviceName, DecodingMode? decoding, bool boundaryCheck, bool errors)
    {
        var device = CommonOptions.ToDevice(deviceName);
        var titles = CommonOptions.ReadOaMine(dataDir);
        var test = titles.Where(t => t.Split == "test").ToList();
        var (train, dev) = DevSplit.Split(titles);
        // A checkpoint from before training kept its product types: those of the titles it was trained on.
        using var tagger = new Tagger(WithMembers(Load(modelDir, soupDirs), ensembleDirs), device, decoding, boundaryCheck: boundaryCheck, productTypes: Scoring.ProductTypesOf(train));
        var shop = OutOfShopCheck.Titles(CommonOptions.FlipkartPath(dataDir));
        var specificationChecks = OutOfShopCheck.SpecificationTitles(CommonOptions.FlipkartPath(dataDir), CommonOptions.FlipkartDetailsPath(dataDir));
        var testPredicted = Scoring.Predict(tagger, test);
        var (full, coarse) = Scoring.Score(test, testPredicted);
        var devF1 = Scoring.Score(dev, Scoring.Predict(tagger, dev)).Full.Micro.F1;
        var (typedFull, typedCoarse) = Scoring.Score(test, Scoring.Predict(tagger, test, typed: true));
        var typedDevF1 = Scoring.Score(dev, Scoring.Predict(tagger, dev, typed: true)).Full.Micro.F1;
        var types = tagger.ProductTypes!;
        var shopScore = OutOfShopCheck.Score(shop, Scoring.Predict(tagger, shop));
        var dictionary = new ValueDictionary(train);
        var dictTest = Scoring.Score(test, [.. test.Select(t => (IReadOnlyList<LabeledSpan>)dictionary.Tag(t.Title))]).Full.Micro;
        var dictShop = OutOfShopCheck.Score(shop, [.. shop.Select(t => (IReadOnlyList<LabeledSpan>)dictionary.Tag(t.Title))]).Micro;

        Console.WriteLine($"model {tagger.Version}{(tagger.Members > 1 ? $" ({tagger.Members} models)" : "")}, {tagger.Decoding} decoding{(tagger.ChecksBoundaries ? ", boundary check" : "")}, OA-Mine test split ({test.Count} titles), strict span match");
        Console.WriteLine();
        Console.WriteLine(full.ToTable());
        Console.WriteLine("coarse labels:");
        Console.WriteLine(coarse.ToTable());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dev split ({dev.Count} titles, carved from OA-Mine train): micro F1 {devF1:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"with each title's product type given ({types.Names.Count} types; spans limited to the attributes train labels the type with{(types.InInput ? ", the type shown to the model before the title" : "")}; as the issue's GPT-4 and fine-tuned references are given each type's attributes): " +
            $"test micro P/R/F1 {typedFull.Micro.Precision:F3} / {typedFull.Micro.Recall:F3} / {typedFull.Micro.F1:F4} (coarse {typedCoarse.Micro.F1:F4}), dev micro F1 {typedDevF1:F4}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"out-of-shop check ({shop.Count} Flipkart titles, held-out brands, BRAND only): model P/R/F1 {shopScore.Micro.Precision:F3} / {shopScore.Micro.Recall:F3} / {shopScore.Micro.F1:F3}; " +
            $"dictionary of the {dictionary.Count:N0} train values {dictShop.Precision:F3} / {dictShop.Recall:F3} / {dictShop.F1:F3}"));
        var specificationScores = new List<(string Label, double Model, double Dictionary)>();
        foreach (var (label, checkTitles) in specificationChecks)
        {
            var model = OutOfShopCheck.Score(checkTitles, Scoring.Predict(tagger, checkTitles), label).Micro;
            var dict = OutOfShopCheck.Score(checkTitles, [.. checkTitles.Select(t => (IReadOnlyList<LabeledSpan>)dictionary.Tag(t.Title))], label).Micro;
            specificationScores.Add((label, model.F1, dict.F1));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"out-of-shop check ({checkTitles.Count} Flipkart titles that spell out their {string.Join(" / ", OutOfShopCheck.SpecificationKeys[label])} specification, {label} only): " +
                $"model P/R/F1 {model.Precision:F3} / {model.Recall:F3} / {model.F1:F3}; dictionary of the train values {dict.Precision:F3} / {dict.Recall:F3} / {dict.F1:F3}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dictionary of the train values on OA-Mine test: micro P/R/F1 {dictTest.Precision:F3} / {dictTest.Recall:F3} / {dictTest.F1:F3}"));
        if (errors)
        {
            Console.WriteLine();
            Console.WriteLine(ErrorAnalysis.Table(test, testPredicted));
            Console.WriteLine(ErrorAnalysis.Agreement(train));
        }

        var specificationSummary = string.Concat(specificationScores.Select(p =>
            string.Create(CultureInfo.InvariantCulture, $" shop-{p.Label.ToLowerInvariant()} {p.Model:F4} dict-shop-{p.Label.ToLowerInvariant()} {p.Dictionary:F4}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"summary dev {devF1:F4} test {full.Micro.F1:F4} test-coarse {coarse.Micro.F1:F4} shop-brand {shopScore.Micro.F1:F4} dict-test {dictTest.F1:F4} dict-shop-brand {dictShop.F1:F4}{specificationSummary} dev-typed {typedDevF1:F4} test-typed {typedFull.Micro.F1:F4}"));

        return ExitCodes.Success;
    }

    /// <summary>
    /// <paramref name="checkpoint"/> with every model of the checkpoints in <paramref name="ensembleDirs"/> as further members:
    /// the tagger averages their label probabilities, as it does for a checkpoint saved with <c>--ensemble</c>.
    /// </summary>
    private static Checkpoint WithMembers(Checkpoint checkpoint, string[] ensembleDirs)
    {
        if (ensembleDirs.Length == 0)
        {
            return checkpoint;
        }

        var more = ensembleDirs.Select(CommonOptions.LoadCheckpoint).ToList();
        if (more.FirstOrDefault(o => !o.Labels.Labels.SequenceEqual(checkpoint.Labels.Labels)) is { } other)
        {
            more.ForEach(o => o.Members.ToList().ForEach(m => m.Dispose()));
            throw new UsageException($"--ensemble: {other.Version} has other labels than {checkpoint.Version}; an ensemble averages models of one label set.");
        }

        // A model trained with product types before titles reads its input otherwise: one ensemble, one way of reading.
        if (more.FirstOrDefault(o => (o.ProductTypes?.InInput ?? false) != (checkpoint.ProductTypes?.InInput ?? false)) is { } reader)
        {
            more.ForEach(o => o.Members.ToList().ForEach(m => m.Dispose()));
            throw new UsageException($"--ensemble: {reader.Version} was {((reader.ProductTypes?.InInput ?? false) ? "" : "not ")}trained with product types before titles (--typed-share) and {checkpoint.Version} was{((checkpoint.ProductTypes?.InInput ?? false) ? "" : " not")}; an ensemble averages models that read the same input.");
        }

        return checkpoint with
        {
            Version = $"ensemble of {checkpoint.Version} and {string.Join(", ", more.Select(o => o.Version))}",
            Others = [.. checkpoint.Others ?? [], .. more.SelectMany(o => o.Members)],
        };
    }

    private static Checkpoint Load(string modelDir, string[] soupDirs)
    {
        var checkpoint = CommonOptions.LoadCheckpoint(modelDir);
        if (soupDirs.Length == 0)
        {
            return checkpoint;
        }

        var others = soupDirs.Select(CommonOptions.LoadCheckpoint).ToList();
        try
        {
            if (others.FirstOrDefault(o => !o.Labels.Labels.SequenceEqual(checkpoint.Labels.Labels)) is { } other)
            {
                throw new UsageException($"--soup: {other.Version} has other labels than {checkpoint.Version}; a soup averages models of one label set.");
            }

            TaggerSoup.Average(checkpoint.Model, [.. others.Select(o => o.Model)]);
            return checkpoint with { Version = $"soup of {checkpoint.Version} and {string.Join(", ", others.Select(o => o.Version))}" };
        }
        finally
        {
            others.ForEach(o => o.Model.Dispose());
        }
    }
}
