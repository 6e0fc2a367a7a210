using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Esrs.Events;

namespace Esrs.Cleaning;

/// <summary>
/// Stable 64-bit hashes of an event's id and of its content: the business fact it records (user, type, item, query,
/// quantity, price, rating, occurred-at to the second, source, and the source's own reference of the fact: order,
/// invoice or session). The content hash catches the same fact re-sent under a new id; the source reference keeps
/// equal lines of different orders apart, and the user keeps apart the events of different (invalid) user ids that
/// share an unattributed grain. XxHash64 with a fixed seed: identical across processes and machines.
/// </summary>
public static class EventFingerprint
{
    private const ulong IdSeed = 0x45535253_49440001; // "ESRSID"
    private const ulong ContentSeed = 0x45535253_46500002; // "ESRSFP", version 2 (rating and source reference)

    [ThreadStatic]
    private static XxHash64? t_hasher;

    /// <summary>Hash of the event id; 0 is reserved for "no id".</summary>
    public static ulong OfId(string? eventId)
    {
        if (string.IsNullOrWhiteSpace(eventId))
        {
            return 0;
        }

        var hash = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(eventId.AsSpan()), unchecked((long)IdSeed));
        return hash == 0 ? 1 : hash;
    }

    /// <summary>
    /// Hash of the event's business content; independent of the event id and the free attributes, except that an event the
    /// gateway could not read (<see cref="UserEventWire.UnreadableAttribute"/>) is told by the hash of the JSON it arrived as.
    /// </summary>
    public static ulong OfContent(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var hasher = t_hasher ??= new XxHash64(unchecked((long)ContentSeed));
        hasher.Reset();
        Span<byte> scalars = stackalloc byte[8 + 8 + 4 + 16 + 8 + 3];
        BinaryPrimitives.WriteInt64LittleEndian(scalars, (long)e.Type);
        BinaryPrimitives.WriteInt64LittleEndian(scalars[8..], e.OccurredAt.Ticks / TimeSpan.TicksPerSecond);
        BinaryPrimitives.WriteInt32LittleEndian(scalars[16..], e.Quantity ?? int.MinValue);
        if (e.UnitPrice is { } price)
        {
            // Normalise the scale so 2.50 and 2.5 hash alike.
            decimal.GetBits(price / 1.000000000000000000000000000000000m, MemoryMarshal.Cast<byte, int>(scalars.Slice(20, 16)));
        }

        BinaryPrimitives.WriteDoubleLittleEndian(scalars[36..], e.Rating ?? double.NaN);
        scalars[44] = e.Quantity.HasValue ? (byte)1 : (byte)0;
        scalars[45] = e.UnitPrice.HasValue ? (byte)1 : (byte)0;
        scalars[46] = e.Rating.HasValue ? (byte)1 : (byte)0;
        hasher.Append(scalars);
        AppendField(hasher, e.UserId);
        AppendField(hasher, e.ItemId);
        AppendField(hasher, e.Query);
        AppendField(hasher, e.Source);
        AppendField(hasher, string.IsNullOrWhiteSpace(e.SourceRef) ? null : e.SourceRef);
        if (e.Attributes is { } attributes && attributes.ContainsKey(UserEventWire.UnreadableAttribute) && attributes.TryGetValue(UserEventWire.RawHashAttribute, out var raw))
        {
            // An event the gateway could not read has none of the fields above: the JSON it arrived as is its content.
            // (Only then: every other event's hash is as before.)
            AppendField(hasher, raw);
        }

        return hasher.GetCurrentHashAsUInt64();
    }

    private static void AppendField(XxHash64 hasher, string? value)
    {
        // Length-prefixed so ("ab", "c") and ("a", "bc") differ; -1 marks null.
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, value?.Length ?? -1);
        hasher.Append(length);
        if (value is not null)
        {
            hasher.Append(MemoryMarshal.AsBytes(value.AsSpan()));
        }
    }
}
