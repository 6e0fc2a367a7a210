namespace Esrs.Silo.Ingest;

/// <summary>The Redis Streams consumer of the silos (configuration section <c>Esrs:Redis</c>). Off unless a connection string is set.</summary>
public sealed class RedisIngestOptions
{
    public const string SectionName = "Esrs:Redis";

    /// <summary>StackExchange.Redis configuration string (<c>host:port,...</c>); null or empty turns the consumer off. May hold a password: never logged.</summary>
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

    /// <summary>Deliveries of an entry whose grain call keeps failing before it is dead-lettered (kept, with the last error).</summary>
    public int MaxAttempts { get; set; } = 5;

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

        if (ClaimIdle <= TimeSpan.Zero || ClaimInterval <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}: ClaimIdle, ClaimInterval and PollInterval must be positive.");
        }

        return errors;
    }
}
