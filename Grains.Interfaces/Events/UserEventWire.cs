using MessagePack;

namespace Esrs.Events;

/// <summary>
/// Reading the MessagePack wire contract of <see cref="UserEvent"/> from untrusted producers: with
/// MessagePack's untrusted-data security (bounded depth, collision-resistant hashing), and with the
/// attribute map rebuilt as a plain ordinal dictionary, since the hardened one cannot travel
/// between grains or into grain state. <see cref="Normalise"/> gives every wire form the same defaults.
/// </summary>
public static class UserEventWire
{
    /// <summary>
    /// Attribute of an event a batch held that could not be read as one (a value of the wrong kind, an unknown field): what
    /// was wrong and where. Such an event is quarantined as <see cref="RuleIds.EventUnreadable"/> with the JSON it arrived
    /// as under <see cref="RawAttribute"/>, and the batch's other events go on.
    /// </summary>
    public const string UnreadableAttribute = "~unreadable";

    /// <summary>
    /// The JSON an unreadable event arrived as: its first <see cref="MaxRawLength"/> characters (never half a surrogate
    /// pair); when it was longer, <see cref="RawLengthAttribute"/> gives the whole length.
    /// </summary>
    public const string RawAttribute = "~raw";

    /// <summary>The whole length, in characters, of an unreadable event's JSON that <see cref="RawAttribute"/> holds the start of.</summary>
    public const string RawLengthAttribute = "~raw-length";

    /// <summary>
    /// XxHash64 (hex) of the whole JSON of an unreadable event: its content for deduplication, so two different unreadable
    /// events of one user are two quarantine entries, and the same bytes sent again one.
    /// </summary>
    public const string RawHashAttribute = "~raw-hash";

    /// <summary>Longest JSON kept of an unreadable event.</summary>
    public const int MaxRawLength = 4096;

    private static readonly MessagePackSerializerOptions Untrusted = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>One event; null when the payload is a MessagePack nil. Throws <see cref="MessagePackSerializationException"/> on anything else that is not an event.</summary>
    public static UserEvent? Deserialize(ReadOnlyMemory<byte> payload) => MessagePackSerializer.Deserialize<UserEvent?>(payload, Untrusted);

    /// <summary>An array of events (nil entries stay null for the caller to refuse).</summary>
    public static UserEvent?[] DeserializeBatch(ReadOnlyMemory<byte> payload) => MessagePackSerializer.Deserialize<UserEvent?[]>(payload, Untrusted) ?? [];

    public static byte[] Serialize(UserEvent e) => MessagePackSerializer.Serialize(e);

    /// <summary>
    /// The event with the defaults every wire form shares, so nothing downstream meets a null where the contract has none:
    /// a missing id or user becomes blank (the rules quarantine it), a missing source becomes <paramref name="defaultSource"/>,
    /// a type number outside <see cref="EventType"/> becomes <see cref="EventType.Unknown"/> with the number kept as
    /// attribute <c>type</c> (quarantined as <see cref="RuleIds.TypeUnknown"/>), and the attribute map becomes a plain
    /// ordinal dictionary without null keys or values. Returns <paramref name="e"/> itself when nothing needed a default.
    /// </summary>
    public static UserEvent Normalise(UserEvent e, string defaultSource)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultSource);
        var attributes = e.Attributes;
        // A plain dictionary with ordinal (or the default, also ordinal) keys passes as it is; MessagePack's hardened one,
        // which cannot travel between grains, is rebuilt.
        var rebuild = attributes is not null
            && (attributes is not Dictionary<string, string> { Comparer: var comparer }
                || (!ReferenceEquals(comparer, StringComparer.Ordinal) && !ReferenceEquals(comparer, EqualityComparer<string>.Default))
                || HasNulls(attributes));
        var typeUndefined = !Enum.IsDefined(e.Type);
        if (e.EventId is not null && e.UserId is not null && !string.IsNullOrWhiteSpace(e.Source) && !typeUndefined && !rebuild)
        {
            return e;
        }

        if (rebuild || typeUndefined)
        {
            var plain = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in attributes ?? new Dictionary<string, string>())
            {
                if (key is not null)
                {
                    plain[key] = value ?? "";
                }
            }

            if (typeUndefined)
            {
                plain["type"] = ((int)e.Type).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            attributes = plain;
        }

        return e with
        {
            EventId = e.EventId ?? "",
            UserId = e.UserId ?? "",
            Source = string.IsNullOrWhiteSpace(e.Source) ? defaultSource : e.Source,
            Type = typeUndefined ? EventType.Unknown : e.Type,
            Attributes = attributes,
        };
    }

    private static bool HasNulls(IReadOnlyDictionary<string, string> attributes)
    {
        foreach (var (key, value) in attributes)
        {
            if (key is null || value is null)
            {
                return true;
            }
        }

        return false;
    }
}
