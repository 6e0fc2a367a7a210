using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Esrs;

/// <summary>
/// The shard of a key: XxHash32 of its UTF-16 code units, modulo the shard count. The same on every silo and across
/// restarts, so every sharded grain family (quality, item graph, catalogue) places keys with it.
/// </summary>
public static class StableShards
{
    public static int Of(string key, int shards)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (int)(XxHash32.HashToUInt32(MemoryMarshal.AsBytes(key.AsSpan())) % (uint)shards);
    }
}
