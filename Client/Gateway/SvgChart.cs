using System.Globalization;
using System.Net;
using System.Text;
using Esrs.Quality;

namespace Esrs.Client.Gateway;

/// <summary>Draws a metric series as a self-contained SVG line chart (no script, no external fonts), so any browser or tool can show it.</summary>
public static class SvgChart
{
    private const int Width = 560;
    private const int Height = 180;
    private const int Left = 56;
    private const int Right = 12;
    private const int Top = 26;
    private const int Bottom = 28;

    public static string Render(string metric, string source, IReadOnlyList<QualityPoint> points, DateTime from, DateTime to)
    {
        ArgumentNullException.ThrowIfNull(points);
        var values = points.Where(p => !double.IsNaN(p.Value) && !double.IsInfinity(p.Value)).ToList();
        var svg = new StringBuilder(2_048);
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-metric="{Escape(metric)}" data-points="{values.Count}" viewBox="0 0 {Width} {Height}" width="{Width}" height="{Height}" role="img" aria-label="{Escape(metric)} of {Escape(source)}">""");
        svg.Append("""<style>text{font:11px system-ui,sans-serif;fill:#555}.t{font-weight:600;fill:#222}.l{fill:none;stroke:#2563eb;stroke-width:2}.g{stroke:#e5e7eb}.o{fill:#fff;stroke:#2563eb;stroke-width:2}.p{fill:#2563eb}</style>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text class="t" x="{Left}" y="16">{Escape(metric)} · {Escape(source == QualitySources.All ? "all sources" : source)}</text>""");
        if (values.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Height / 2}">no data between {from:HH:mm} and {to:HH:mm} UTC</text></svg>""");
            return svg.ToString();
        }

        var (min, max) = (values.Min(p => p.Value), values.Max(p => p.Value));
        if (max - min < 1e-12)
        {
            (min, max) = (min - (Math.Abs(min) * 0.1) - 1e-9, max + (Math.Abs(max) * 0.1) + 1e-9);
        }

        var start = Math.Min(from.Ticks, values[0].Start.Ticks);
        var end = Math.Max(Math.Min(to.Ticks, values[^1].Start.Ticks + TimeSpan.TicksPerMinute), start + TimeSpan.TicksPerMinute);
        double X(DateTime t) => Left + ((t.Ticks - start) / (double)(end - start) * (Width - Left - Right));
        double Y(double v) => Top + ((max - v) / (max - min) * (Height - Top - Bottom));

        foreach (var v in new[] { min, (min + max) / 2, max })
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="g" x1="{Left}" x2="{Width - Right}" y1="{Y(v):F1}" y2="{Y(v):F1}"/><text x="{Left - 6}" y="{Y(v) + 4:F1}" text-anchor="end">{Format(v)}</text>""");
        }

        svg.Append(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{Height - 8}">{new DateTime(start, DateTimeKind.Utc):MM-dd HH:mm}</text><text x="{Width - Right}" y="{Height - 8}" text-anchor="end">{new DateTime(end, DateTimeKind.Utc):MM-dd HH:mm} UTC</text>""");
        svg.Append("""<polyline class="l" points=" """);
        foreach (var p in values)
        {
            svg.Append(CultureInfo.InvariantCulture, $"{X(p.Start):F1},{Y(p.Value):F1} ");
        }

        svg.Append("\"/>");
        foreach (var p in values)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<circle class="{(p.Open ? "o" : "p")}" cx="{X(p.Start):F1}" cy="{Y(p.Value):F1}" r="3"><title>{p.Start:yyyy-MM-dd HH:mm}{(p.Open ? " (open)" : "")}: {Format(p.Value)} ({p.Events} events)</title></circle>""");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Format(double v) => Math.Abs(v) switch
    {
        >= 1e6 => (v / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        >= 10 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
