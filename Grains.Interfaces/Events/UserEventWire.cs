using MessagePack;

namespace Esrs.Events;

/// <summary>
/// Reading the MessagePack wire contract of <see cref="UserEvent"/> from untrusted producers: with
/// MessagePack's untrusted-data security (bounded depth, collision-resistant hashing), and with the
/// attribute map rebuilt as a plain ordinal dictionary, since the hardened one cannot travel
/// between grains or into grain state.
/// </summary>
public static class UserEventWire
{
    private static readonly MessagePackSerializerOptions Untrusted = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>One event; null when the payload is a MessagePack nil. Throws <see cref="MessagePackSerializationException"/> on anything else that is not an event.</summary>
    public static UserEvent? Deserialize(ReadOnlyMemory<byte> payload) => Plain(MessagePackSerializer.Deserialize<UserEvent?>(payload, Untrusted));

    /// <summary>An array of events (nil entries stay null for the caller to refuse).</summary>
    public static UserEvent?[] DeserializeBatch(ReadOnlyMemory<byte> payload)
    {
        var events = MessagePackSerializer.Deserialize<UserEvent?[]>(payload, Untrusted) ?? [];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = Plain(events[i]);
        }

        return events;
    }

    public static byte[] Serialize(UserEvent e) => MessagePackSerializer.Serialize(e);

    private static UserEvent? Plain(UserEvent? e) =>
        e?.Attributes is { } attributes ? e with { Attributes = new Dictionary<string, string>(attributes, StringComparer.Ordinal) } : e;
}
