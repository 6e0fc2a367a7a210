using Esrs.Compliance;

namespace Esrs.Silo.Ingest;

/// <summary>The Redis Streams consumer of the silos (configuration section <c>Esrs:Redis</c>). Off unless a connection string is set.</summary>
public sealed class RedisIngestOptions
{
    public const string SectionName = "Esrs:Redis";

    /// <summary>StackExchange.Redis configuration string (<c>host:port,...</c>); null or empty turns the consumer off. May hold a password: never logged.</summary>
    [SecretData]
    public string? ConnectionString { get; set; }

    /// <summary>Stream the producers append events to (one entry per event, field <c>e</c>: MessagePack <c>UserEvent</c>).</summary>
    public string Stream { get; set; } = "esrs:events";

    /// <summary>Consumer group shared by all silos: each entry goes to one silo.</summary>
    public string Group { get; set; } = "esrs-silos";

    /// <summary>This silo's consumer name; defaults to machine name and silo port.</summary>
    public string? Consumer { get; set; }

    /// <summary>Entries read per round.</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>Rounds processed at once: reading goes on while earlier rounds' grain calls run.</summary>
    public int MaxRoundsInFlight { get; set; } = 4;

    /// <summary>Pending entries idle this long (their consumer died or failed) are claimed by another consumer.</summary>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often pending entries are checked for claiming.</summary>
    public TimeSpan ClaimInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause after a read that found nothing.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Stream undecodable entries are copied to, with the reason, before they are acknowledged.</summary>
    public string DeadLetterStream { get; set; } = "esrs:events:dead";

    /// <summary>
    /// Deliveries of an entry whose own grain call keeps failing with a non-transient error before it is dead-lettered
    /// (kept, with the last error; <c>./esrs redrive</c> puts it back). Transient failures (storage down, timeouts,
    /// overload) never count: the consumer backs off and retries them.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First pause after a round hit a transient failure; it doubles while failures go on, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest pause while the grid is unhealthy.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often acknowledged entries are trimmed from the stream (XTRIM MINID below the oldest entry any group still needs); zero turns trimming off.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Source of events that arrive without one.</summary>
    public string DefaultSource { get; set; } = "redis";

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }

        if (string.IsNullOrWhiteSpace(Stream) || string.IsNullOrWhiteSpace(Group) || string.IsNullOrWhiteSpace(DeadLetterStream) || Stream == DeadLetterStream)
        {
            errors.Add($"{SectionName}: Stream, Group and DeadLetterStream must be set, and the dead-letter stream must differ from the stream.");
        }

        if (MaxRoundsInFlight is < 1 or > 64)
        {
            errors.Add($"{SectionName}:MaxRoundsInFlight must be within 1..64.");
        }

        if (MaxAttempts < 1)
        {
            errors.Add($"{SectionName}:MaxAttempts must be at least 1.");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            errors.Add($"{SectionName}:BatchSize must be within 1..10000.");
        }

        if (ClaimIdle <= TimeSpan.Zero || ClaimInterval <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero || Backoff <= TimeSpan.Zero || MaxBackoff < Backoff)
        {
            errors.Add($"{SectionName}: ClaimIdle, ClaimInterval, PollInterval and Backoff must be positive, MaxBackoff at least Backoff.");
        }

        if (TrimInterval < TimeSpan.Zero || string.IsNullOrWhiteSpace(DefaultSource))
        {
            errors.Add($"{SectionName}: TrimInterval must not be negative and DefaultSource must be set.");
        }

        return errors;
    }
}
