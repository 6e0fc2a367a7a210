using System.Runtime.InteropServices;

namespace Esrs.Tagging.Onnx;

/// <summary>The parts of an ONNX model that weight import needs: float initializers (name, shape, values) and nodes (op, inputs, outputs).</summary>
public sealed class OnnxGraph
{
    // ONNX field numbers (onnx.proto): ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
    // NodeProto.input = 1, output = 2, name = 3, op_type = 4; TensorProto.dims = 1, data_type = 2,
    // float_data = 4, name = 8, raw_data = 9. TensorProto.DataType FLOAT = 1.
    private const int FloatType = 1;

    public Dictionary<string, OnnxTensor> Initializers { get; } = new(StringComparer.Ordinal);

    public List<OnnxNode> Nodes { get; } = [];

    public static OnnxGraph Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public static OnnxGraph Read(ReadOnlySpan<byte> model)
    {
        var graph = new OnnxGraph();
        var reader = new ProtoReader(model);
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            if (field == 7 && wire == 2)
            {
                graph.ReadGraph(reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return graph;
    }

    private void ReadGraph(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 2:
                    Nodes.Add(ReadNode(reader.ReadBytes()));
                    break;
                case 5 when wire == 2:
                    if (ReadTensor(reader.ReadBytes()) is { } tensor)
                    {
                        Initializers[tensor.Name] = tensor;
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private static OnnxNode ReadNode(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        List<string> inputs = [], outputs = [];
        string name = "", op = "";
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            switch (field)
            {
                case 1: inputs.Add(reader.ReadString()); break;
                case 2: outputs.Add(reader.ReadString()); break;
                case 3: name = reader.ReadString(); break;
                case 4: op = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxNode(name, op, inputs, outputs);
    }

    private static OnnxTensor? ReadTensor(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        var dims = new List<long>();
        var floats = new List<float>();
        var name = "";
        var type = 0;
        float[]? raw = null;
        while (!reader.End)
        {
            var (field, wire) = reader.ReadKey();
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, dims); break;
                case 2: type = (int)reader.ReadVarint(); break;
                case 4: reader.ReadFloats(wire, floats); break;
                case 8: name = reader.ReadString(); break;
                case 9: raw = MemoryMarshal.Cast<byte, float>(reader.ReadBytes()).ToArray(); break;
                default: reader.Skip(wire); break;
            }
        }

        return type == FloatType ? new OnnxTensor(name, [.. dims], raw ?? [.. floats]) : null;
    }
}

/// <summary>A float initializer: row-major values of the given shape.</summary>
public sealed record OnnxTensor(string Name, long[] Shape, float[] Values);

/// <summary>A graph node.</summary>
public sealed record OnnxNode(string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
