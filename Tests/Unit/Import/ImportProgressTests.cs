using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Esrs.Tests.Unit.Import;

/// <summary>The import's progress line: a bar towards a known end, counts alone when the end is unknown (never a bar of '?').</summary>
public sealed class ImportProgressTests
{
    /// <summary>Takes every batch; once midway (after <paramref name="pauseAt"/> events) the clock moves on 400 ms, long enough for a progress line.</summary>
    private sealed class CountingSink(int pauseAt, FakeTimeProvider time) : IEventSink
    {
        public int Sent { get; private set; }

        public Task SendAsync(IReadOnlyList<UserEvent> batch, ImportSummary summary, CancellationToken cancellationToken)
        {
            Sent += batch.Count;
            if (Sent == pauseAt)
            {
                time.Advance(TimeSpan.FromMilliseconds(400));
            }

            return Task.CompletedTask;
        }

        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static IEnumerable<UserEvent> Stream(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return TestEvents.View("u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task AListOfKnownLengthFillsTheBarAndAStreamShowsItsCounts()
    {
        var (list, stream) = (new StringWriter(), new StringWriter());
        var time = new FakeTimeProvider();
        var (listSink, streamSink) = (new CountingSink(1_200, time), new CountingSink(1_200, time));

        await Importer.RunAsync(Stream(2_500).ToList(), listSink, list, batchSize: 100, time: time);
        await Importer.RunAsync(Stream(2_500), streamSink, stream, batchSize: 100, time: time);

        Assert.Equal((2_500, 2_500), (listSink.Sent, streamSink.Sent));
        var (listLines, streamLines) = (list.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries), stream.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("?", list.ToString() + stream.ToString(), StringComparison.Ordinal);
        // Midway (1,200 of 2,500 read): 14 of the list's 30 marks, 48 %; the stream's counts alone. At the end both are done.
        Assert.Contains(listLines, line => line.StartsWith("[" + new string('#', 14) + new string('.', 16) + "]  48%", StringComparison.Ordinal));
        Assert.Contains(streamLines, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s*1,200 read"));
        Assert.All([listLines[^1], streamLines[^1]], line => Assert.StartsWith("[" + new string('#', 30) + "] 100%", line, StringComparison.Ordinal));
    }
}
