namespace Esrs.Client.Gateway;

/// <summary>The HTTP gateway (configuration section <c>Esrs:Gateway</c>; environment <c>Esrs__Gateway__...</c>).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Esrs:Gateway";

    /// <summary>Address Kestrel listens on.</summary>
    public string Url { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Silo gateway endpoints (host:port) the Orleans client connects to.</summary>
    public IList<string> SiloGateways { get; set; } = ["127.0.0.1:30000"];

    /// <summary>Orleans service id and cluster id of the silos.</summary>
    public string ServiceId { get; set; } = "esrs";

    public string ClusterId { get; set; } = "esrs";

    /// <summary>Keys allowed to write events and replay quarantines (and to read).</summary>
    public IList<ApiKey> WriteKeys { get; set; } = [];

    /// <summary>Keys allowed to read profiles and quarantines only.</summary>
    public IList<ApiKey> ReadKeys { get; set; } = [];

    /// <summary>Keys of operators: the quality snapshot, alerts, history and page (<c>/v1/quality*</c>), nothing else.</summary>
    public IList<ApiKey> OperatorKeys { get; set; } = [];

    /// <summary>
    /// Keys of the registry's pseudonyms (HMAC), newest first: <c>Name</c> is the key's id, stored with each record;
    /// <c>Key</c> the secret (at least 32 characters), never stored with the data. Records are pseudonymised under the
    /// first; README "Registry, pseudonyms and links" gives the rotation procedure. None: the registry endpoint refuses.
    /// </summary>
    public IList<ApiKey> PseudonymKeys { get; set; } = [];

    /// <summary>Largest accepted request body, in bytes; larger bodies get 413.</summary>
    public int MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>Most events in one request; more get 413.</summary>
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>
    /// Whether events for a user that arrive while a call for that user is in flight join the next call (one grain turn and
    /// one write for them all: <see cref="UserIngestCoalescer"/>); false sends one call per user per request.
    /// </summary>
    public bool CoalesceUserCalls { get; set; } = true;

    /// <summary>Ingest requests served at once; beyond it and the queue, requests get 503 with Retry-After.</summary>
    public int MaxConcurrentIngests { get; set; } = 64;

    /// <summary>Ingest requests waiting for a slot at most.</summary>
    public int IngestQueueLimit { get; set; } = 256;

    /// <summary>Seconds a shed request is told to wait (Retry-After).</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// How long the gateway waits for a grain call before answering 503 with Retry-After (Orleans' client response
    /// timeout, 30 s by default). When a silo dies, calls already sent to it wait this long; with 30 s they held every
    /// ingest slot and stopped all writers for about 30 s after a SIGKILL. Retrying is safe: events are deduplicated by id.
    /// </summary>
    public TimeSpan GrainCallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an operator's browser session (the cookie <c>POST /v1/session</c> sets) lasts without use.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// A JSON file holding keys in this section's shape (<c>{"Esrs":{"Gateway":{"WriteKeys":[...]}}}</c>), read at start;
    /// how <c>./esrs run</c> passes its development keys (never on the command line, where <c>ps</c> shows them).
    /// </summary>
    public string? KeysFile { get; set; }

    /// <summary>Validation errors; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(Url, UriKind.Absolute, out _))
        {
            errors.Add($"{SectionName}:Url must be an absolute URL.");
        }

        if (SiloGateways.Count == 0 || SiloGateways.Any(g => !System.Net.IPEndPoint.TryParse(g, out var ep) || ep.Port == 0))
        {
            errors.Add($"{SectionName}:SiloGateways must list ip:port endpoints.");
        }

        if (WriteKeys.Count == 0)
        {
            errors.Add($"{SectionName}:WriteKeys must hold at least one key (./esrs run makes development keys).");
        }

        foreach (var key in WriteKeys.Concat(ReadKeys).Concat(OperatorKeys))
        {
            if (string.IsNullOrWhiteSpace(key.Name) || key.Key.Length < 16)
            {
                errors.Add($"{SectionName}: every key needs a name and a secret of at least 16 characters ({key.Name}).");
            }
        }

        if (PseudonymKeys.Any(k => string.IsNullOrWhiteSpace(k.Name) || System.Text.Encoding.UTF8.GetByteCount(k.Key) < 32)
            || PseudonymKeys.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count() != PseudonymKeys.Count)
        {
            errors.Add($"{SectionName}:PseudonymKeys: every key needs a unique name (its id) and a secret of at least 32 characters.");
        }

        if (GrainCallTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:GrainCallTimeout must be positive.");
        }

        if (SessionLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:SessionLifetime must be positive.");
        }

        if (MaxBodyBytes < 1024 || MaxBatchSize < 1 || MaxConcurrentIngests < 1 || IngestQueueLimit < 0 || RetryAfterSeconds < 1)
        {
            errors.Add($"{SectionName}: MaxBodyBytes >= 1024, MaxBatchSize, MaxConcurrentIngests, RetryAfterSeconds >= 1, IngestQueueLimit >= 0.");
        }

        return errors;
    }
}
