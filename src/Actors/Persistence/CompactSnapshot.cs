using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.State;

namespace OpenCryptokiActors.Actors.Persistence;

/// <summary>
/// The compact snapshot layout, TokenSnapshot.v3 (a token of a million objects is one snapshot row):
/// <code>
/// u32 headerLength | header: the TokenSnapshot.v2 fields before the objects (chain head, initialized, label, PIN
///                    records, failure counters, next object id) in their v2 encoding
/// varint shapeCount | per shape: varint n, n × varint attribute type
/// varint objectCount | per object: varint id, varint shape index, per attribute of its shape: varint length, bytes
/// </code>
/// Varints are unsigned LEB128. Objects of one kind share one shape (their list of attribute types), so a stored
/// attribute costs its value and a length byte or two. The size is computed first and the bytes written into one
/// array of exactly that size (no growing buffer: a snapshot can be hundreds of megabytes). Decoded sets share their
/// shape's interned types array and the shared instances of small values (<see cref="AttributeSet.SharedOrCopy"/>).
/// </summary>
public static class CompactSnapshot
{
    public const string Manifest = "TokenSnapshot.v3";

    /// <summary>Above this many attributes per object or shapes per snapshot the bytes are not a snapshot (damage).</summary>
    private const ulong MaxAttributes = 4096;

    public static byte[] Encode(TokenSnapshot s, Action<WireWriter, TokenSnapshot> writeHeader)
    {
        using var header = new WireWriter();
        writeHeader(header, s);
        var shapes = new Dictionary<ulong[], int>(ShapeComparer.Instance);
        var order = new List<ulong[]>();
        var shapeOf = new int[s.Objects.Count];
        long size = 4 + header.Length;
        for (var i = 0; i < s.Objects.Count; i++)
        {
            var (id, attrs) = s.Objects[i];
            var types = attrs.SharedTypes ?? attrs.TypeSpan.ToArray();
            if (!shapes.TryGetValue(types, out var shape))
            {
                shapes[types] = shape = order.Count;
                order.Add(types);
            }

            shapeOf[i] = shape;
            size += VarSize(id) + VarSize((ulong)shape);
            foreach (var (_, value) in attrs) size += VarSize((ulong)value.Length) + value.Length;
        }

        size += VarSize((ulong)order.Count) + VarSize((ulong)s.Objects.Count);
        foreach (var types in order)
        {
            size += VarSize((ulong)types.Length);
            foreach (var t in types) size += VarSize(t);
        }

        if (size > Array.MaxLength) throw new InvalidOperationException($"a token snapshot of {size} bytes is beyond the largest array");
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)header.Length);
        header.WrittenSpan.CopyTo(span[4..]);
        var at = 4 + header.Length;
        Put(span, ref at, (ulong)order.Count);
        foreach (var types in order)
        {
            Put(span, ref at, (ulong)types.Length);
            foreach (var t in types) Put(span, ref at, t);
        }

        Put(span, ref at, (ulong)s.Objects.Count);
        for (var i = 0; i < s.Objects.Count; i++)
        {
            var (id, attrs) = s.Objects[i];
            Put(span, ref at, id);
            Put(span, ref at, (ulong)shapeOf[i]);
            foreach (var (_, value) in attrs)
            {
                Put(span, ref at, (ulong)value.Length);
                value.CopyTo(span[at..]);
                at += value.Length;
            }
        }

        if (at != bytes.Length) throw new InvalidOperationException("token snapshot size mismatch (changed while encoded)");
        return bytes;
    }

    /// <summary>Decodes v3 bytes; <paramref name="readHeader"/> reads the header and builds the snapshot around the objects.</summary>
    public static TokenSnapshot Decode(byte[] bytes, ReadHeader readHeader)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.Length < 4) throw new WireFormatException("token snapshot too short");
        var headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span);
        if (headerLength > (uint)(span.Length - 4)) throw new WireFormatException("token snapshot header longer than the snapshot");
        var at = 4 + (int)headerLength;
        var shapeCount = Get(span, ref at);
        if (shapeCount > (ulong)span.Length) throw new WireFormatException("token snapshot: bad shape count");
        var shapes = new ulong[shapeCount][];
        var scratch = new List<ulong>();
        for (var i = 0UL; i < shapeCount; i++)
        {
            var n = Get(span, ref at);
            if (n > MaxAttributes) throw new WireFormatException("token snapshot: bad attribute count");
            scratch.Clear();
            for (var j = 0UL; j < n; j++)
            {
                var t = Get(span, ref at);
                if (scratch.Contains(t)) throw new WireFormatException($"token snapshot: attribute 0x{t:X} twice in one shape");
                scratch.Add(t);
            }

            shapes[i] = AttributeSet.InternTypes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch));
        }

        var count = Get(span, ref at);
        if (count > (ulong)span.Length) throw new WireFormatException("token snapshot: bad object count");
        var objects = new List<KeyValuePair<ulong, AttributeSet>>((int)count);
        for (var i = 0UL; i < count; i++)
        {
            var id = Get(span, ref at);
            var shape = Get(span, ref at);
            if (shape >= shapeCount) throw new WireFormatException("token snapshot: bad shape index");
            var types = shapes[shape];
            var values = new byte[types.Length][];
            for (var j = 0; j < values.Length; j++)
            {
                var length = Get(span, ref at);
                if (length > (ulong)(span.Length - at)) throw new WireFormatException("token snapshot: value longer than the snapshot");
                values[j] = AttributeSet.SharedOrCopy(span.Slice(at, (int)length));
                at += (int)length;
            }

            objects.Add(new(id, AttributeSet.OfShape(types, values)));
        }

        if (at != span.Length) throw new WireFormatException("token snapshot: trailing bytes");
        var r = new WireReader(span.Slice(4, (int)headerLength));
        var snapshot = readHeader(ref r, objects);
        r.ExpectEnd();
        return snapshot;
    }

    public delegate TokenSnapshot ReadHeader(ref WireReader header, List<KeyValuePair<ulong, AttributeSet>> objects);

    private static int VarSize(ulong v)
    {
        var n = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            n++;
        }

        return n;
    }

    private static void Put(Span<byte> span, ref int at, ulong v)
    {
        while (v >= 0x80)
        {
            span[at++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[at++] = (byte)v;
    }

    private static ulong Get(ReadOnlySpan<byte> span, ref int at)
    {
        ulong v = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= span.Length) throw new WireFormatException("token snapshot truncated");
            var b = span[at++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
        }

        throw new WireFormatException("token snapshot: varint too long");
    }

    /// <summary>Attribute-type lists compared by content (interned ones hit by reference first).</summary>
    private sealed class ShapeComparer : IEqualityComparer<ulong[]>
    {
        public static readonly ShapeComparer Instance = new();

        public bool Equals(ulong[]? x, ulong[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(ulong[] types)
        {
            var h = new HashCode();
            foreach (var t in types) h.Add(t);
            return h.ToHashCode();
        }
    }
}
