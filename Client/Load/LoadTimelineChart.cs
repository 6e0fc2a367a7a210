using System.Globalization;
using System.Text;

namespace Esrs.Client.Load;

/// <summary>
/// A load run second by second as a self-contained SVG: acknowledged events per second (blue) and failed attempts per second
/// (red, own scale on the right), with marks at given instants (a fault, a restart). What a fault did is seen, not read.
/// </summary>
public static class LoadTimelineChart
{
    private const int Width = 720;
    private const int Height = 240;
    private const int Left = 56;
    private const int Right = 56;
    private const int Top = 28;
    private const int Bottom = 30;

    public static string Render(string title, IReadOnlyList<long> acknowledged, IReadOnlyList<long> errors, IReadOnlyList<(double Second, string Label)>? marks = null)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        ArgumentNullException.ThrowIfNull(errors);
        var seconds = Math.Max(1, Math.Max(acknowledged.Count, errors.Count));
        var ackMax = Math.Max(1, acknowledged.DefaultIfEmpty(0).Max());
        var errMax = Math.Max(1, errors.DefaultIfEmpty(0).Max());
        double X(double s) => Left + (s / seconds * (Width - Left - Right));
        double Y(double v, double max) => Top + ((max - v) / max * (Height - Top - Bottom));
        var svg = new StringBuilder(8_192);
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {Width} {Height}" width="{Width}" height="{Height}" role="img" aria-label="{Escape(title)}">""");
        svg.Append("""<style>text{font:11px system-ui,sans-serif;fill:#555}.t{font-weight:600;fill:#222}.a{fill:none;stroke:#2563eb;stroke-width:2}.e{fill:none;stroke:#dc2626;stroke-width:1.5}.g{stroke:#e5e7eb}.m{stroke:#111;stroke-dasharray:4 3}</style>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text class="t" x="{Left}" y="16">{Escape(title)}</text>""");
        foreach (var f in new[] { 0.0, 0.5, 1.0 })
        {
            var y = Y(f * ackMax, ackMax);
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="g" x1="{Left}" x2="{Width - Right}" y1="{y:F1}" y2="{y:F1}"/><text x="{Left - 6}" y="{y + 4:F1}" text-anchor="end" style="fill:#2563eb">{f * ackMax:0}</text><text x="{Width - Right + 6}" y="{y + 4:F1}" style="fill:#dc2626">{f * errMax:0}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Height - 8}">0 s</text><text x="{Width - Right}" y="{Height - 8}" text-anchor="end">{seconds} s</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left + 60}" y="{Height - 8}" style="fill:#2563eb">acknowledged events/s</text><text x="{Left + 220}" y="{Height - 8}" style="fill:#dc2626">failed attempts/s (right scale)</text>""");
        foreach (var (second, label) in marks ?? [])
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="m" x1="{X(second):F1}" x2="{X(second):F1}" y1="{Top}" y2="{Height - Bottom}"/><text x="{X(second) + 4:F1}" y="{Top + 10}">{Escape(label)}</text>""");
        }

        Line(svg, "e", errors, s => X(s + 0.5), v => Y(v, errMax));
        Line(svg, "a", acknowledged, s => X(s + 0.5), v => Y(v, ackMax));
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Line(StringBuilder svg, string css, IReadOnlyList<long> values, Func<double, double> x, Func<double, double> y)
    {
        svg.Append(CultureInfo.InvariantCulture, $"""<polyline class="{css}" points=" """);
        for (var i = 0; i < values.Count; i++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"{x(i):F1},{y(values[i]):F1} ");
        }

        svg.Append("\"/>");
    }

    private static string Escape(string text) => System.Net.WebUtility.HtmlEncode(text);
}
