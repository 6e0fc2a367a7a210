using Esrs.Cli;
using System.CommandLine;
using System.Globalization;
using System.Text;
using Esrs.Tagging.Data;
using Esrs.Tagging.Evaluation;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Training;

namespace Esrs.Tagging.Commands;

/// <summary>
/// <c>compare</c>: is setting A better than setting B? Each side is one or more checkpoints (the seeds of a setting);
/// on dev, test and each out-of-shop check, their pooled strict-span F1 and a paired bootstrap interval of A − B
/// (<see cref="PairedComparison"/>). This is the rule the default was chosen by, runnable by anyone.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var a = Side("--a", "Checkpoint directories of setting A (its seeds)");
        var b = Side("--b", "Checkpoint directories of setting B, compared with A");
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var resamples = CommonOptions.Positive("--resamples", "Bootstrap resamples of the titles", 1000);
        var boundaryCheck = new Option<bool>("--boundary-check") { Description = "Apply each checkpoint's boundary check against known values", DefaultValueFactory = _ => true };
        var aTyped = new Option<bool>("--a-typed") { Description = "Tag A's OA-Mine titles (dev, test) with their product type given: spans limited to its attributes, and shown to a model trained with --typed-share (--a and --b may then name the same checkpoints)" };
        var bTyped = new Option<bool>("--b-typed") { Description = "The same for B" };
        var command = new Command("compare-taggers", "Setting A against setting B (each one or more checkpoints, e.g. its seeds): pooled strict-span F1 on dev, test and the out-of-shop checks, with a 95 % paired bootstrap interval of A − B over the titles")
        {
            a, b, data, device, resamples, boundaryCheck, aTyped, bTyped,
        };
        command.Aliases.Add("compare"); // the name scripts and earlier notes call it by (Esrs.Tagger.Cli compare)
        command.SetAction(parse => Run(parse.GetRequiredValue(a), parse.GetRequiredValue(b), parse.GetRequiredValue(data), parse.GetValue(device), parse.GetValue(resamples), parse.GetValue(boundaryCheck), (parse.GetValue(aTyped), parse.GetValue(bTyped)), Console.Out));
        return command;
    }

    private static Option<string[]> Side(string name, string description) => new(name)
    {
        Description = description,
        Required = true,
        AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.OneOrMore,
    };

    private static int Run(string[] aDirs, string[] bDirs, string dataDir, string? deviceName, int resamples, bool boundaryCheck, (bool A, bool B) typed, TextWriter output)
    {
        // Every checkpoint is there before minutes of tagging start.
        if (aDirs.Concat(bDirs).FirstOrDefault(d => !Model.TaggerCheckpoint.Exists(d)) is { } missing)
        {
            throw CommonOptions.NoCheckpoint(missing);
        }

        var device = CommonOptions.ToDevice(deviceName);
        var titles = CommonOptions.ReadOaMine(dataDir);
        var (train, dev) = DevSplit.Split(titles);
        // Only OA-Mine titles have a product type of the schema; the out-of-shop checks decode over every attribute either way.
        var checks = new List<(string Name, List<OaMineTitle> Titles, string? Label, bool Typed)>
        {
            ("dev (carved from OA-Mine train)", dev, null, true),
            ("OA-Mine test", [.. titles.Where(t => t.Split == "test")], null, true),
            ("out of shop: BRAND, held-out brands", OutOfShopCheck.Titles(CommonOptions.FlipkartPath(dataDir)), "BRAND", false),
        };
        checks.AddRange(OutOfShopCheck.SpecificationTitles(CommonOptions.FlipkartPath(dataDir), CommonOptions.FlipkartDetailsPath(dataDir))
            .Select(c => ($"out of shop: {c.Label}", c.Titles, (string?)c.Label, false)));
        var comparisons = checks.Select(c => PairedComparison.For(c.Titles.Count)).ToList();
        var gold = checks.Select(c => (IReadOnlyList<IReadOnlyList<LabeledSpan>>)[.. c.Titles.Select(t => t.Spans)]).ToList();
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (dir, isA) in aDirs.Select(d => (d, true)).Concat(bDirs.Select(d => (d, false))))
        {
            Console.Error.WriteLine($"tagging with {dir} ({(isA ? "A" : "B")})...");
            using var tagger = new Tagger(CommonOptions.LoadCheckpoint(dir), device, boundaryCheck: boundaryCheck, productTypes: Scoring.ProductTypesOf(train));
            versions[dir] = tagger.Version;
            var sideTyped = isA ? typed.A : typed.B;
            for (var i = 0; i < checks.Count; i++)
            {
                var label = checks[i].Label;
                Func<LabeledSpan, bool>? keep = label is null ? null : s => s.Label == label;
                var predicted = Scoring.Predict(tagger, checks[i].Titles, sideTyped && checks[i].Typed);
                if (isA)
                {
                    comparisons[i].AddA(gold[i], predicted, keep);
                }
                else
                {
                    comparisons[i].AddB(gold[i], predicted, keep);
                }
            }
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"A: {Describe(aDirs, versions)}{(typed.A ? "; OA-Mine titles tagged with their product type given" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"B: {Describe(bDirs, versions)}{(typed.B ? "; OA-Mine titles tagged with their product type given" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Strict-span micro F1 pooled over each side's checkpoints; A − B with a 95 % paired bootstrap interval over the titles ({resamples:N0} resamples); out-of-shop checks score their label only.");
        text.AppendLine();
        text.AppendLine("| check | titles | A | B | A − B | 95 % interval | |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|");
        for (var i = 0; i < checks.Count; i++)
        {
            var (fa, fb, difference, low, high) = comparisons[i].Compare(resamples);
            var verdict = low > 0 ? "A better" : high < 0 ? "B better" : "not shown";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {checks[i].Name} | {checks[i].Titles.Count:N0} | {fa:F4} | {fb:F4} | {difference:+0.0000;-0.0000;+0.0000} | [{low:+0.0000;-0.0000;+0.0000}, {high:+0.0000;-0.0000;+0.0000}] | {verdict} |");
        }

        output.Write(text.ToString());
        return ExitCodes.Success;
    }

    private static string Describe(string[] dirs, Dictionary<string, string> versions) =>
        $"{dirs.Length} checkpoint{(dirs.Length == 1 ? "" : "s")} ({string.Join(", ", dirs.Select(d => $"{d}: {versions[d]}"))})";
}
