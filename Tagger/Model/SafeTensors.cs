using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Esrs.Tagging.Onnx;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>
/// The safetensors format (8-byte little-endian header length, a JSON header of name → dtype/shape/offsets, raw
/// little-endian data), for float32 tensors: what checkpoints are saved as.
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// Writes every parameter and buffer of <paramref name="module"/> under the names <c>named_parameters</c> and
    /// <c>named_buffers</c> give (the ones <see cref="BertWeights.LoadInto"/> reads); <paramref name="metadata"/> goes into
    /// <c>__metadata__</c>. Not <c>state_dict</c>: TorchSharp names a tensor there once per field that reaches it (a
    /// module's private field as well as its registered name, at each level), the same weights up to four times.
    /// </summary>
    public static void Save(string path, nn.Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers())
            .DistinctBy(p => p.Item1, StringComparer.Ordinal).OrderBy(p => p.Item1, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            header["__metadata__"] = metadata;
        }

        long offset = 0;
        var blobs = new List<float[]>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            using var cpu = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
            var values = cpu.data<float>().ToArray();
            blobs.Add(values);
            var bytes = (long)values.Length * sizeof(float);
            header[name] = new Dictionary<string, object> { ["dtype"] = "F32", ["shape"] = cpu.shape, ["data_offsets"] = new[] { offset, offset + bytes } };
            offset += bytes;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        file.Write(length);
        file.Write(json);
        foreach (var values in blobs)
        {
            file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>Reads float32 tensors by name, and the metadata.</summary>
    public static (Dictionary<string, OnnxTensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var data = bytes.AsSpan(8 + headerLength);
        var tensors = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var m in entry.Value.EnumerateObject())
                {
                    metadata[m.Name] = m.Value.GetString() ?? "";
                }

                continue;
            }

            if (entry.Value.GetProperty("dtype").GetString() != "F32")
            {
                throw new FormatException($"{path}: tensor {entry.Name} is not F32.");
            }

            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var range = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var values = MemoryMarshal.Cast<byte, float>(data[(int)range[0]..(int)range[1]]).ToArray();
            tensors[entry.Name] = new OnnxTensor(entry.Name, shape, values);
        }

        return (tensors, metadata);
    }
}
