using System.Globalization;
using Esrs.Events;

namespace Esrs.Client.Import;

/// <summary>Streams events into a sink in batches, drawing a progress bar with events/s.</summary>
public static class Importer
{
    public const int DefaultBatchSize = 500;

    /// <summary>
    /// Sends every event; <paramref name="fraction"/> says how far through the input the reader is (0..1), and
    /// <paramref name="expected"/>, when the caller limits the events, how many will be read at most; the progress line is
    /// drawn at most every 250 ms of <paramref name="time"/> (the system clock unless given).
    /// </summary>
    public static async Task<ImportSummary> RunAsync(
        IEnumerable<UserEvent> events, IEventSink sink, TextWriter progress, Func<double>? fraction = null, int batchSize = DefaultBatchSize, long? expected = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(progress);
        // An in-memory list (the bench, import --via orleans of a read file) knows its end: the bar fills towards it.
        expected ??= fraction is null && events.TryGetNonEnumeratedCount(out var count) ? count : null;
        var summary = new ImportSummary();
        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        var lastDraw = TimeSpan.Zero;
        var batch = new List<UserEvent>(batchSize);
        foreach (var e in events)
        {
            summary.CountRead();
            batch.Add(e);
            if (batch.Count == batchSize)
            {
                await sink.SendAsync(batch, summary, cancellationToken);
                batch = new List<UserEvent>(batchSize);
            }

            if (time.GetElapsedTime(started) - lastDraw > TimeSpan.FromMilliseconds(250))
            {
                lastDraw = time.GetElapsedTime(started);
                var done = fraction?.Invoke();
                if (expected is > 0 and var limit)
                {
                    // With a limit the file's position understates progress: the limit is the end.
                    done = Math.Max(done ?? 0, (double)summary.Read / limit);
                }

                Draw(progress, summary, time.GetElapsedTime(started), done);
            }
        }

        if (batch.Count > 0)
        {
            await sink.SendAsync(batch, summary, cancellationToken);
        }

        await sink.FlushAsync(cancellationToken);
        summary.Elapsed = time.GetElapsedTime(started);
        Draw(progress, summary, time.GetElapsedTime(started), 1);
        progress.WriteLine();
        return summary;
    }

    private static void Draw(TextWriter progress, ImportSummary summary, TimeSpan elapsed, double? fraction)
    {
        const int Width = 30;
        // With no known end (a stream of unknown length) there is no bar to draw, only the counts.
        var bar = fraction is { } f ? "[" + new string('#', (int)(Math.Clamp(f, 0, 1) * Width)).PadRight(Width, '.') + "] " : "";
        var percent = fraction is { } p ? (p * 100).ToString("0", CultureInfo.InvariantCulture) + "%" : "";
        progress.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{bar}{percent,4} {summary.Read,11:N0} read {summary.Sent,11:N0} sent {summary.Sent / Math.Max(elapsed.TotalSeconds, 1e-9),9:N0} events/s"));
    }
}
