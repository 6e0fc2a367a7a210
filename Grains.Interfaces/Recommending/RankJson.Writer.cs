using System.Buffers;
using System.Text.Json;

namespace Esrs.Recommending;

/// <summary>The rank call's JSON, written: an answer rendered as the gateway returns it.</summary>
public static partial class RankJson
{
    private const int MaxKeptBuffer = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes a rank or recommendation result as the gateway answers it (the same bytes its JSON options give).</summary>
    public static byte[] Write(RankResult result)
    {
        ArgumentNullException.ThrowIfNull(result);

        // One buffer and writer per thread, reset for each result: the only allocation is the answer itself.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(32 * 1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        {
            writer.WriteStartObject();
            writer.WriteBoolean("personalised"u8, result.Personalised);
            writer.WriteStartArray("items"u8);
            foreach (var item in result.Items)
            {
                writer.WriteStartObject();
                writer.WriteString("itemId"u8, item.ItemId);
                writer.WriteNumber("score"u8, item.Score);
                writer.WriteStartArray("because"u8);
                foreach (var because in item.Because)
                {
                    writer.WriteStartObject();
                    writer.WriteString("signal"u8, because.Signal);
                    writer.WriteString("value"u8, because.Value);
                    writer.WriteNumber("weight"u8, because.Weight);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
        }

        var answer = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxKeptBuffer)
        {
            // A rare huge answer (500 items of escaped text) does not pin its buffer to the thread for good.
            (t_buffer, t_writer) = (null, null);
        }

        return answer;
    }
}
