using System.Buffers.Binary;
using System.Text;

namespace Esrs.Tagging.Onnx;

/// <summary>A forward-only reader of the protobuf wire format: just what reading ONNX initializers and nodes needs.</summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    /// <summary>Reads the next field key: its number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).</summary>
    public (int Field, int WireType) ReadKey()
    {
        var key = ReadVarint();
        return ((int)(key >> 3), (int)(key & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException("Malformed protobuf varint.");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = checked((int)ReadVarint());
        var bytes = _data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: _position += 8; break;
            case 2: ReadBytes(); break;
            case 5: _position += 4; break;
            default: throw new FormatException($"Unsupported protobuf wire type {wireType}.");
        }
    }

    /// <summary>Reads a repeated int64 field occurrence, packed or not, into <paramref name="into"/>.</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0)
        {
            into.Add((long)ReadVarint());
            return;
        }

        var packed = new ProtoReader(ReadBytes());
        while (!packed.End)
        {
            into.Add((long)packed.ReadVarint());
        }
    }

    /// <summary>Reads a repeated float field occurrence, packed or not.</summary>
    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == 5)
        {
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(_data.Slice(_position, 4)));
            _position += 4;
            return;
        }

        var bytes = ReadBytes();
        for (var i = 0; i + 4 <= bytes.Length; i += 4)
        {
            into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i, 4)));
        }
    }
}
