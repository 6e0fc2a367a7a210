using System.Text.RegularExpressions;
using Esrs.Client.Load;

namespace Esrs.Tests.Load;

public sealed partial class LoadTimelineChartTests
{
    [Fact]
    public void EachSecondIsAPointAndTheBusiestSecondTouchesTheTop()
    {
        var svg = LoadTimelineChart.Render("t <&>", [10, 40, 0, 20], [0, 5, 5, 0], [(2.0, "kill")]);

        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("t &lt;&amp;&gt;", svg, StringComparison.Ordinal);
        var points = PolylineA().Match(svg).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(',')).ToArray();
        Assert.Equal(4, points.Length);
        // Top margin 28, plot height 240 - 28 - 30 = 182: 40/s at the top, 0/s at the bottom, 10/s three quarters down.
        Assert.Equal("28.0", points[1][1]);
        Assert.Equal("210.0", points[2][1]);
        Assert.Equal("164.5", points[0][1]);
        Assert.Contains(">kill</text>", svg, StringComparison.Ordinal);
    }

    [GeneratedRegex("<polyline class=\"a\" points=\"([^\"]*)\"")]
    private static partial Regex PolylineA();
}
