using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Esrs.Events;

namespace Esrs.Cleaning;

/// <summary>
/// Stable 64-bit hashes of an event's id and of its content (type, item, query, quantity, price,
/// occurred-at to the second, source). The content hash catches the same event re-sent under a
/// new id. XxHash64 with a fixed seed: identical across processes and machines.
/// </summary>
public static class EventFingerprint
{
    private const ulong IdSeed = 0x45535253_49440001; // "ESRSID"
    private const ulong ContentSeed = 0x45535253_46500001; // "ESRSFP"

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

    /// <summary>Hash of the event's identifying content; independent of the event id and the free attributes.</summary>
    public static ulong OfContent(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var hasher = t_hasher ??= new XxHash64(unchecked((long)ContentSeed));
        hasher.Reset();
        Span<byte> scalars = stackalloc byte[8 + 8 + 4 + 16 + 1 + 1];
        BinaryPrimitives.WriteInt64LittleEndian(scalars, (long)e.Type);
        BinaryPrimitives.WriteInt64LittleEndian(scalars[8..], e.OccurredAt.Ticks / TimeSpan.TicksPerSecond);
        BinaryPrimitives.WriteInt32LittleEndian(scalars[16..], e.Quantity ?? int.MinValue);
        if (e.UnitPrice is { } price)
        {
            // Normalise the scale so 2.50 and 2.5 hash alike.
            decimal.GetBits(price / 1.000000000000000000000000000000000m, MemoryMarshal.Cast<byte, int>(scalars.Slice(20, 16)));
        }

        scalars[36] = e.Quantity.HasValue ? (byte)1 : (byte)0;
        scalars[37] = e.UnitPrice.HasValue ? (byte)1 : (byte)0;
        hasher.Append(scalars);
        AppendField(hasher, e.ItemId);
        AppendField(hasher, e.Query);
        AppendField(hasher, e.Source);
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
