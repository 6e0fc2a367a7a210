using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Esrs.Bench.Evaluation;

/// <summary>The evaluation report as markdown (stdout, docs), JSON (<c>--json</c>) and an SVG chart of the dirt curve (<c>--svg</c>).</summary>
public static class EvaluationOutput
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Markdown(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"UCI Online Retail: {report.Rows:N0} rows, {report.TrainEvents:N0} before 2011-10-01; {report.Products:N0} products ranked in full for {report.Customers:N0} customers");
        s.AppendLine(c, $"Esrs applied {report.CleanedApplied:N0} training events, dropped {report.CleanedDuplicates:N0} duplicates, quarantined {report.CleanedQuarantined:N0}. Means with 95 % bootstrap intervals over customers ({report.Resamples:N0} resamples, seed {report.Seed}).");
        s.AppendLine(c, $"esrs+rank: the esrs scores of every product re-ranked by the customer's profile as the rank endpoint does (engine share {report.RankBlend:0.##}).");
        s.AppendLine(report.Tags is { } tags
            ? string.Create(c, $"esrs+rank+tags: the same profiles with the tagger's attributes ({tags.ModelVersion}): {tags.Texts:N0} titles tagged, {tags.TextsWithTags:N0} with a span; {tags.TagsKept:N0} of {tags.Tags:N0} spans at or above the silo's minimum confidence; {tags.ProfilesWithAttributes:N0} of {tags.Profiles:N0} profiles with attributes.")
            : "esrs+rank+tags: left out (no tagger checkpoint; ./esrs train-tagger makes one).");
        foreach (var target in new[] { "all", "new" })
        {
            s.AppendLine();
            s.AppendLine(target == "all" ? "All test purchases:" : "Items new to the customer (what they had bought is not ranked):");
            s.AppendLine();
            s.AppendLine("| system | customers | HR@10 | NDCG@10 | Recall@20 | MRR |");
            s.AppendLine("|---|---:|---|---|---|---|");
            foreach (var r in report.Systems.Where(r => r.Target == target))
            {
                s.AppendLine(c, $"| {r.System} | {r.Customers:N0} | {r.HitRate10} | {r.Ndcg10} | {r.Recall20} | {r.Mrr} |");
            }

            s.AppendLine();
            foreach (var d in report.Differences.Where(d => d.Target == target))
            {
                var verdict = d.Ndcg10Difference.Low > 0 ? "better" : d.Ndcg10Difference.High < 0 ? "worse" : "no difference shown";
                s.AppendLine(c, $"- NDCG@10 {d.A} − {d.B}, paired over the same customers: {Signed(d.Ndcg10Difference)} ({verdict})");
            }
        }

        if (report.Dirt.Count > 0)
        {
            var raw0 = report.Dirt[0].Raw.Mean;
            var esrs0 = report.Dirt[0].Cleaned.Mean;
            s.AppendLine();
            s.AppendLine(c, $"Injected dirt (NDCG@10, all test purchases; kept: share of the same pipeline's NDCG@10 at {report.Dirt[0].Rate:P0}):");
            s.AppendLine();
            s.AppendLine("| dirt | dirty events | raw | raw kept | Esrs | Esrs kept | Esrs dropped as duplicates | quarantined |");
            s.AppendLine("|---:|---:|---|---:|---|---:|---:|---:|");
            foreach (var d in report.Dirt)
            {
                s.AppendLine(c, $"| {d.Rate:P0} | {d.DirtyEvents:N0} | {d.Raw} | {d.Raw.Mean / raw0:P1} | {d.Cleaned} | {d.Cleaned.Mean / esrs0:P1} | {d.Duplicates:N0} | {d.Quarantined:N0} |");
            }

            if (report.DirtByKind.Count > 0)
            {
                s.AppendLine();
                s.AppendLine(c, $"One kind of dirt at a time, at {report.DirtByKind[0].Rate:P0} (kept: share of the pipeline's NDCG@10 at {report.Dirt[0].Rate:P0} dirt; extra applied: dirty events Esrs let into the profile):");
                s.AppendLine();
                s.AppendLine("| kind | dirty events | raw | raw kept | Esrs | Esrs kept | duplicates | quarantined | extra applied |");
                s.AppendLine("|---|---:|---|---:|---|---:|---:|---:|---:|");
                var clean = report.CleanedApplied;
                foreach (var d in report.DirtByKind)
                {
                    s.AppendLine(c, $"| {d.Kind} | {d.DirtyEvents:N0} | {d.Raw} | {d.Raw.Mean / raw0:P1} | {d.Cleaned} | {d.Cleaned.Mean / esrs0:P1} | {d.Duplicates:N0} | {d.Quarantined:N0} | {d.Applied - clean:N0} |");
                }
            }
        }

        if (report.Taobao is { Count: > 0 } taobao)
        {
            s.AppendLine();
            s.AppendLine(c, $"Taobao slice, next-category prediction (leave-last-out): {taobao[0].Users:N0} users with two or more events, {taobao[0].Categories:N0} categories ranked in full; the slice is clean, dirt injected as above:");
            s.AppendLine();
            s.AppendLine("| dirt | popularity NDCG@10 | raw NDCG@10 | Esrs NDCG@10 | raw HR@10 | Esrs HR@10 |");
            s.AppendLine("|---:|---|---|---|---|---|");
            foreach (var t in taobao)
            {
                s.AppendLine(c, $"| {t.Rate:P0} | {t.PopularityNdcg10} | {t.RawNdcg10} | {t.EsrsNdcg10} | {t.RawHitRate10} | {t.EsrsHitRate10} |");
            }
        }

        s.AppendLine();
        s.AppendLine(c, $"{report.Seconds:0} s");
        return s.ToString();
    }

    private static string Signed(Interval i) => string.Create(CultureInfo.InvariantCulture, $"{i.Mean:+0.0000;-0.0000} [{i.Low:+0.0000;-0.0000}, {i.High:+0.0000;-0.0000}]");

    public static string ToJson(EvaluationReport report) => JsonSerializer.Serialize(report, Json);

    /// <summary>NDCG@10 against the injected dirt rate, raw and Esrs, with their intervals as bands.</summary>
    public static string DirtChart(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        const double width = 640, height = 400, left = 70, right = 20, top = 40, bottom = 60;
        var dirt = report.Dirt;
        var maxRate = Math.Max(dirt.Count == 0 ? 0.5 : dirt.Max(d => d.Rate), 0.01);
        var values = dirt.SelectMany(d => new[] { d.Raw.Low, d.Raw.High, d.Cleaned.Low, d.Cleaned.High }).Where(double.IsFinite).ToList();
        var yMax = values.Count == 0 ? 1 : Math.Ceiling(values.Max() * 1.1 * 50) / 50;
        double X(double rate) => left + ((width - left - right) * rate / maxRate);
        double Y(double v) => height - bottom - ((height - top - bottom) * v / yMax);
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">");
        s.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        s.AppendLine(c, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">NDCG@10 on UCI Online Retail against injected dirt</text>");
        for (var i = 0; i <= 5; i++)
        {
            var v = yMax * i / 5;
            s.AppendLine(c, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{Y(v):0.0}\" y2=\"{Y(v):0.0}\" stroke=\"#ddd\"/><text x=\"{left - 8}\" y=\"{Y(v) + 4:0.0}\" text-anchor=\"end\">{v:0.000}</text>");
        }

        foreach (var d in dirt)
        {
            s.AppendLine(c, $"<text x=\"{X(d.Rate):0.0}\" y=\"{height - bottom + 18}\" text-anchor=\"middle\">{d.Rate:P0}</text>");
        }

        s.AppendLine(c, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{height - bottom}\" y2=\"{height - bottom}\" stroke=\"#333\"/><line x1=\"{left}\" x2=\"{left}\" y1=\"{top}\" y2=\"{height - bottom}\" stroke=\"#333\"/>");
        s.AppendLine(c, $"<text x=\"{(left + width - right) / 2}\" y=\"{height - 18}\" text-anchor=\"middle\">injected dirt (extra events per clean training event)</text>");
        s.AppendLine(c, $"<text transform=\"translate(18 {(top + height - bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">NDCG@10 (95 % interval)</text>");
        Series(s, dirt.Select(d => (d.Rate, d.Raw)).ToList(), "#d62728", "raw rows", 0, X, Y, top);
        Series(s, dirt.Select(d => (d.Rate, d.Cleaned)).ToList(), "#1f77b4", "Esrs cleaned", 1, X, Y, top);
        s.AppendLine("</svg>");
        return s.ToString();
    }

    private static void Series(StringBuilder s, List<(double Rate, Interval Value)> points, string colour, string name, int legend, Func<double, double> x, Func<double, double> y, double top)
    {
        var c = CultureInfo.InvariantCulture;
        if (points.Count > 0)
        {
            var band = string.Join(' ', points.Select(p => string.Create(c, $"{x(p.Rate):0.0},{y(p.Value.High):0.0}"))
                .Concat(points.AsEnumerable().Reverse().Select(p => string.Create(c, $"{x(p.Rate):0.0},{y(p.Value.Low):0.0}"))));
            s.AppendLine(c, $"<polygon points=\"{band}\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\"/>");
            s.AppendLine(c, $"<polyline points=\"{string.Join(' ', points.Select(p => string.Create(c, $"{x(p.Rate):0.0},{y(p.Value.Mean):0.0}")))}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"/>");
            foreach (var p in points)
            {
                s.AppendLine(c, $"<circle cx=\"{x(p.Rate):0.0}\" cy=\"{y(p.Value.Mean):0.0}\" r=\"4\" fill=\"{colour}\"><title>{name} {p.Rate:P0}: {p.Value}</title></circle>");
            }
        }

        // Legend at mid height on the right, between the curves of a dirt chart.
        var ly = ((y(0) + top) / 2) - 9 + (legend * 18);
        var lx = x(points.Count == 0 ? 1 : points.Max(p => p.Rate)) - 150;
        s.AppendLine(c, $"<line x1=\"{lx:0.0}\" x2=\"{lx + 24:0.0}\" y1=\"{ly:0.0}\" y2=\"{ly:0.0}\" stroke=\"{colour}\" stroke-width=\"2.5\"/><text x=\"{lx + 30:0.0}\" y=\"{ly + 4:0.0}\">{name}</text>");
    }
}
