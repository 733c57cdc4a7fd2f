using System.Buffers.Binary;

namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// Reads protocol primitives from a payload. Any read past the end throws <see cref="WireFormatException"/>:
/// a malformed frame is answered with an error, never trusted.
/// </summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public int Remaining => _data.Length - _position;

    public bool AtEnd => _position == _data.Length;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining) throw new WireFormatException("frame payload truncated");
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte ReadByte() => Take(1)[0];

    public bool ReadBool() => ReadByte() != 0;

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong ReadULong() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>Reads u32 length + bytes; the NULL marker is rejected.</summary>
    public byte[] ReadBytes() => ReadNullableBytes() ?? throw new WireFormatException("unexpected NULL byte string");

    /// <summary>Reads u32 length + bytes, or null for the NULL marker.</summary>
    public byte[]? ReadNullableBytes()
    {
        var length = ReadUInt32();
        if (length == Frame.NullBytes) return null;
        if (length > (uint)Remaining) throw new WireFormatException("byte string longer than frame");
        return Take((int)length).ToArray();
    }

    /// <summary>Reads u32 length + bytes without copying; the NULL marker is rejected.</summary>
    public ReadOnlySpan<byte> ReadBytesSpan()
    {
        var length = ReadUInt32();
        if (length == Frame.NullBytes) throw new WireFormatException("unexpected NULL byte string");
        if (length > (uint)Remaining) throw new WireFormatException("byte string longer than frame");
        return Take((int)length);
    }

    public ReadOnlySpan<byte> ReadRaw(int count) => Take(count);

    public ulong[] ReadULongs()
    {
        var count = ReadUInt32();
        if (count > (uint)(Remaining / 8)) throw new WireFormatException("array longer than frame");
        var values = new ulong[count];
        for (var i = 0; i < values.Length; i++) values[i] = ReadULong();
        return values;
    }

    public WireAttribute[] ReadTemplate()
    {
        var count = ReadUInt32();
        if (count > (uint)(Remaining / 12)) throw new WireFormatException("template longer than frame");
        var template = new WireAttribute[count];
        for (var i = 0; i < template.Length; i++)
        {
            var type = ReadULong();
            template[i] = new WireAttribute(type, ReadNullableBytes());
        }

        return template;
    }

    public WireMechanism ReadMechanism()
    {
        var type = ReadULong();
        return new WireMechanism(type, ReadNullableBytes());
    }

    /// <summary>Fixed-width space-padded text, trailing spaces removed.</summary>
    public string ReadPadded(int width) => System.Text.Encoding.UTF8.GetString(Take(width)).TrimEnd(' ', '\0');

    /// <summary>Throws unless the whole payload was consumed.</summary>
    public readonly void ExpectEnd()
    {
        if (_position != _data.Length) throw new WireFormatException("trailing bytes in frame payload");
    }
}

/// <summary>A frame that does not follow docs/wire-protocol.md.</summary>
public sealed class WireFormatException(string message) : Exception(message);

/// <summary>One CK_ATTRIBUTE on the wire: type and value in its native LP64 layout (NULL when pValue was NULL).</summary>
public readonly record struct WireAttribute(ulong Type, byte[]? Value);

/// <summary>One CK_MECHANISM on the wire: type and its parameter in canonical form (see MechanismParams).</summary>
public readonly record struct WireMechanism(ulong Type, byte[]? Parameter);
