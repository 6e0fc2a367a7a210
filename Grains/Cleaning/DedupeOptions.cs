namespace Esrs.Cleaning;

/// <summary>The per-user dedupe window (configuration section <c>Esrs:Dedupe</c>).</summary>
public sealed class DedupeOptions
{
    public const string SectionName = "Esrs:Dedupe";
    public const int DefaultMaxEvents = 10_000;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    /// <summary>Most event ids remembered per user; the oldest are forgotten first.</summary>
    public int MaxEvents { get; set; } = DefaultMaxEvents;

    /// <summary>
    /// How far behind the user's newest event (by occurred-at) an event is still remembered.
    /// Measured on event time, not wall time, so historic imports dedupe as well as live traffic.
    /// </summary>
    public TimeSpan Window { get; set; } = DefaultWindow;
}
