using System.Buffers;
using System.Buffers.Binary;

namespace OpenCryptokiActors.Cryptoki.Wire;

/// <summary>
/// Appends protocol primitives to a pooled, growable buffer. Not thread-safe; dispose to return the buffer.
/// </summary>
public sealed class WireWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public WireWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Reset() => _length = 0;

    /// <summary>Zeroes what was written (it may hold PINs or data) and forgets it, keeping the buffer.</summary>
    public void Clear()
    {
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, _length));
        _length = 0;
    }

    private Span<byte> Grow(int count)
    {
        if (_length + count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer, clearArray: true);
            _buffer = bigger;
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    /// <summary>Reserves <paramref name="count"/> bytes to be filled later (e.g. a length prefix); returns their offset.</summary>
    public int Reserve(int count)
    {
        Grow(count);
        return _length - count;
    }

    public void PatchUInt32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

    public void PatchUInt64(int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(offset, 8), value);

    public void WriteByte(byte value) => Grow(1)[0] = value;

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Grow(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), value);

    public void WriteULong(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), value);

    /// <summary>u32 length + bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        value.CopyTo(Grow(value.Length));
    }

    /// <summary>u32 length + bytes, or the NULL marker.</summary>
    public void WriteNullableBytes(byte[]? value)
    {
        if (value is null) WriteUInt32(Frame.NullBytes);
        else WriteBytes(value);
    }

    /// <summary>Raw bytes without a length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> value) => value.CopyTo(Grow(value.Length));

    /// <summary>u32 count + u64 each.</summary>
    public void WriteULongs(ReadOnlySpan<ulong> values)
    {
        WriteUInt32((uint)values.Length);
        foreach (var v in values) WriteULong(v);
    }

    /// <summary>A template: u32 count, then per attribute u64 type and bytes value (NULL marker for a NULL pValue).</summary>
    public void WriteTemplate(IReadOnlyList<WireAttribute> template)
    {
        WriteUInt32((uint)template.Count);
        foreach (var a in template)
        {
            WriteULong(a.Type);
            WriteNullableBytes(a.Value);
        }
    }

    /// <summary>A mechanism: u64 type, bytes parameter (canonical form, see MechanismParams; NULL marker when absent).</summary>
    public void WriteMechanism(WireMechanism mechanism)
    {
        WriteULong(mechanism.Type);
        WriteNullableBytes(mechanism.Parameter);
    }

    /// <summary>Fixed-width, space-padded UTF-8 text as used in CK_INFO/CK_TOKEN_INFO (raw, no prefix).</summary>
    public void WritePadded(string text, int width)
    {
        var span = Grow(width);
        span.Fill((byte)' ');
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        bytes.AsSpan(0, Math.Min(bytes.Length, width)).CopyTo(span);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, Array.Empty<byte>());
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        _length = 0;
    }
}
