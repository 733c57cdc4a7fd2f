using System.Buffers.Binary;
using System.Collections;
using System.Collections.Concurrent;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// The attributes of one object (or one template): CKA type → value in its native LP64 layout
/// (CK_ULONG = 8 bytes little-endian, CK_BBOOL = 1 byte). Mutable while being built; treat as
/// immutable once stored (copy with <see cref="Clone"/> before changing a stored set).
/// A stored key's instance also carries the crypto objects prepared from it (<see cref="Prepared{T}"/>): they live
/// and die with the instance, so a changed key (a new instance) starts with none and a destroyed key drops them.
/// <para>
/// Held compactly, since a token may hold millions of sets: two parallel arrays (types, values) in insertion order,
/// searched linearly (an object has a few dozen attributes at most). <see cref="Compact"/> (done when a set is
/// stored in an <see cref="OpenCryptokiActors.Tokens.State.ObjectIndex"/>) trims them, shares the types array with
/// every other stored set of the same attribute types (copied again before a type is added or removed), and
/// replaces small values (CK_BBOOLs, small CK_ULONGs, empty values) by shared instances of the same bytes.
/// </para>
/// </summary>
public sealed class AttributeSet : IEnumerable<KeyValuePair<ulong, byte[]>>
{
    private ulong[] _types;
    private byte[][] _values;
    private int _count;

    /// <summary>Whether <see cref="_types"/> is an interned array shared with other sets (copied before a change).</summary>
    private bool _sharedTypes;

    /// <summary>Prepared crypto objects by slot; created on first use, cleared by any change of the values. Never serialized.</summary>
    [NonSerialized]
    private ConcurrentDictionary<object, object>? _prepared;

    /// <summary>Set by <see cref="Freeze"/>: the set is shared (handed to another actor) and no longer changes.</summary>
    private bool _frozen;

    public AttributeSet()
        : this(4)
    {
    }

    /// <summary>An empty set with room for <paramref name="capacity"/> attributes.</summary>
    public AttributeSet(int capacity)
    {
        _types = capacity == 0 ? [] : new ulong[capacity];
        _values = capacity == 0 ? [] : new byte[capacity][];
    }

    /// <summary>A set of <paramref name="values"/>; a type given twice is an <see cref="ArgumentException"/>.</summary>
    public AttributeSet(IEnumerable<KeyValuePair<ulong, byte[]>> values)
        : this(values.TryGetNonEnumeratedCount(out var n) ? n : 4)
    {
        foreach (var (type, value) in values)
        {
            if (IndexOf(type) >= 0) throw new ArgumentException($"attribute 0x{type:X} given twice", nameof(values));
            Append(type, value);
        }
    }

    /// <summary>Builds a set from a wire template. Duplicate types or NULL values: CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_VALUE_INVALID.</summary>
    public static AttributeSet FromTemplate(IEnumerable<WireAttribute> template)
    {
        var set = new AttributeSet(template.TryGetNonEnumeratedCount(out var n) ? n : 4);
        foreach (var a in template)
        {
            if (a.Value is null) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"attribute 0x{a.Type:X} has no value");
            if (set.IndexOf(a.Type) >= 0) throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"attribute 0x{a.Type:X} given twice");
            set.Append(a.Type, a.Value);
        }

        return set;
    }

    public int Count => _count;

    public IEnumerable<ulong> Types => _types.AsSpan(0, _count).ToArray();

    public bool Has(ulong type) => IndexOf(type) >= 0;

    public bool TryGet(ulong type, out byte[] value)
    {
        var i = IndexOf(type);
        value = i >= 0 ? _values[i] : null!;
        return i >= 0;
    }

    public byte[]? Get(ulong type)
    {
        var i = IndexOf(type);
        return i >= 0 ? _values[i] : null;
    }

    public byte[] this[ulong type]
    {
        get => Get(type) ?? throw new KeyNotFoundException($"attribute 0x{type:X} is not in the set");
        set => Set(type, value);
    }

    /// <summary>
    /// Makes the set read-only (every change throws <see cref="InvalidOperationException"/>) before it crosses to another
    /// actor; <see cref="Clone"/> gives a changeable copy. Returns the set itself.
    /// </summary>
    public AttributeSet Freeze()
    {
        _frozen = true;
        return this;
    }

    public bool IsFrozen => _frozen;

    private void CheckChangeable()
    {
        if (_frozen) throw new InvalidOperationException("a frozen attribute set does not change (clone it)");
    }

    public void Set(ulong type, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckChangeable();
        var i = IndexOf(type);
        if (i >= 0) _values[i] = value;
        else Append(type, value);
        Changed();
    }

    public void SetULong(ulong type, ulong value) => Set(type, Attr.ULong(value));

    public void SetBool(ulong type, bool value) => Set(type, Attr.Bool(value));

    public bool Remove(ulong type)
    {
        CheckChangeable();
        Changed();
        var i = IndexOf(type);
        if (i < 0) return false;
        OwnTypes(_types.Length);
        Array.Copy(_types, i + 1, _types, i, _count - i - 1);
        Array.Copy(_values, i + 1, _values, i, _count - i - 1);
        _count--;
        _values[_count] = null!;
        return true;
    }

    /// <summary>CK_ULONG value; CKR_ATTRIBUTE_VALUE_INVALID when the length is not 8.</summary>
    public ulong? GetULong(ulong type) => TryGet(type, out var v) ? Attr.AsULong(type, v) : null;

    /// <summary>CK_BBOOL value; CKR_ATTRIBUTE_VALUE_INVALID when the length is not 1.</summary>
    public bool? GetBool(ulong type) => TryGet(type, out var v) ? Attr.AsBool(type, v) : null;

    public bool IsTrue(ulong type) => GetBool(type) == true;

    /// <summary>
    /// The object prepared from these attributes for <paramref name="slot"/> (an imported RSA key, a curve point, key
    /// parameters ...), made by <paramref name="create"/> on first use and shared by every thread using this instance,
    /// so it must be safe for concurrent use (immutable, or a pool). A clone starts without prepared objects.
    /// When two threads race to create it, one result is kept and the other disposed.
    /// </summary>
    public T Prepared<T>(object slot, Func<AttributeSet, T> create)
        where T : class
    {
        var cache = Volatile.Read(ref _prepared);
        if (cache is null)
        {
            var fresh = new ConcurrentDictionary<object, object>();
            cache = Interlocked.CompareExchange(ref _prepared, fresh, null) ?? fresh;
        }

        if (cache.TryGetValue(slot, out var found)) return (T)found;
        var made = create(this);
        var kept = cache.GetOrAdd(slot, made);
        if (!ReferenceEquals(kept, made)) (made as IDisposable)?.Dispose();
        return (T)kept;
    }

    /// <summary>Number of prepared objects (tests).</summary>
    internal int PreparedCount => Volatile.Read(ref _prepared)?.Count ?? 0;

    /// <summary>A set is only changed while being built; a change still drops whatever was prepared from the old values.</summary>
    private void Changed()
    {
        if (Volatile.Read(ref _prepared) is not null) Volatile.Write(ref _prepared, null);
    }

    public AttributeSet Clone()
    {
        var copy = new AttributeSet(_count);
        for (var i = 0; i < _count; i++) copy.Append(_types[i], (byte[])_values[i].Clone());
        return copy;
    }

    /// <summary>
    /// Makes a stored set small: arrays trimmed to its attributes, the types array shared with every other set of the same
    /// attribute types, small values shared (<see cref="Shared"/>). The content is unchanged (concurrent readers see the same
    /// types and bytes throughout). Called once a set is stored; values of a stored set are never changed in place.
    /// </summary>
    public void Compact()
    {
        if (!_sharedTypes)
        {
            var types = Shapes.Intern(_types.AsSpan(0, _count));
            if (types is not null)
            {
                _types = types;
                _sharedTypes = true;
            }
            else if (_types.Length != _count) _types = _types.AsSpan(0, _count).ToArray();
        }

        var values = _values.Length == _count ? _values : _values.AsSpan(0, _count).ToArray();
        for (var i = 0; i < _count; i++) values[i] = Shared(values[i]);
        _values = values;
    }

    /// <summary>
    /// An instance with the same bytes that every caller shares when <paramref name="value"/> is small and common (empty,
    /// one byte, a CK_ULONG below 2^16), else <paramref name="value"/> itself. Such instances must never be written to.
    /// </summary>
    public static byte[] Shared(byte[] value)
    {
        switch (value.Length)
        {
            case 0: return SharedValues.Empty;
            case 1: return SharedValues.Bytes[value[0]];
            case 8:
                var v = BinaryPrimitives.ReadUInt64LittleEndian(value);
                return v < SharedValues.ULongLimit ? SharedValues.ULong(v) : value;
            default: return value;
        }
    }

    /// <summary>
    /// A shared instance with the bytes of <paramref name="value"/> when it is small and common (as <see cref="Shared(byte[])"/>),
    /// else a copy of it.
    /// </summary>
    public static byte[] SharedOrCopy(ReadOnlySpan<byte> value)
    {
        switch (value.Length)
        {
            case 0: return SharedValues.Empty;
            case 1: return SharedValues.Bytes[value[0]];
            case 8:
                var v = BinaryPrimitives.ReadUInt64LittleEndian(value);
                return v < SharedValues.ULongLimit ? SharedValues.ULong(v) : value.ToArray();
            default: return value.ToArray();
        }
    }

    /// <summary>The interned array of these attribute types (the one stored sets of these types share), or a copy beyond the intern table's bound.</summary>
    public static ulong[] InternTypes(ReadOnlySpan<ulong> types) => Shapes.Intern(types) ?? types.ToArray();

    /// <summary>
    /// A set of <paramref name="types"/> (from <see cref="InternTypes"/>, distinct, shared: never written to) and
    /// <paramref name="values"/> (one per type, owned by the set from now on); for decoders of stored sets.
    /// </summary>
    public static AttributeSet OfShape(ulong[] types, byte[][] values)
    {
        if (values.Length != types.Length) throw new ArgumentException("one value per attribute type", nameof(values));
        foreach (var v in values) ArgumentNullException.ThrowIfNull(v, nameof(values));
        return new AttributeSet(0) { _types = types, _values = values, _count = types.Length, _sharedTypes = true };
    }

    /// <summary>The attribute types, in order, as a span (no copy).</summary>
    public ReadOnlySpan<ulong> TypeSpan => _types.AsSpan(0, _count);

    /// <summary>The types array itself when it is shared with other sets of the same types (after <see cref="Compact"/>), else null.</summary>
    public ulong[]? SharedTypes => _sharedTypes ? _types : null;

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<ulong, byte[]>> IEnumerable<KeyValuePair<ulong, byte[]>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(ulong type)
    {
        var types = _types;
        for (var i = 0; i < _count; i++)
            if (types[i] == type) return i;
        return -1;
    }

    private void Append(ulong type, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_count == _types.Length || _sharedTypes) OwnTypes(Math.Max(4, _count == _types.Length ? _count * 2 : _types.Length));
        if (_count == _values.Length) Array.Resize(ref _values, Math.Max(4, _count * 2));
        _types[_count] = type;
        _values[_count] = value;
        _count++;
    }

    /// <summary>A types array of this set's own (copied from a shared one), of at least <paramref name="capacity"/>.</summary>
    private void OwnTypes(int capacity)
    {
        if (!_sharedTypes && _types.Length >= capacity) return;
        var own = new ulong[Math.Max(capacity, _count)];
        _types.AsSpan(0, _count).CopyTo(own);
        _types = own;
        _sharedTypes = false;
    }

    /// <summary>Walks the attributes in order; no allocation.</summary>
    public struct Enumerator : IEnumerator<KeyValuePair<ulong, byte[]>>
    {
        private readonly AttributeSet _set;
        private int _index;

        internal Enumerator(AttributeSet set)
        {
            _set = set;
            _index = -1;
        }

        public readonly KeyValuePair<ulong, byte[]> Current => new(_set._types[_index], _set._values[_index]);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => ++_index < _set._count;

        public void Reset() => _index = -1;

        public readonly void Dispose()
        {
        }
    }

    /// <summary>Interned attribute-type lists: stored objects of one kind share one array.</summary>
    private static class Shapes
    {
        private const int MaxShapes = 4096;
        private static readonly ConcurrentDictionary<ShapeKey, ulong[]> Interned = new();

        public static ulong[]? Intern(ReadOnlySpan<ulong> types)
        {
            var probe = new ShapeKey(types.ToArray());
            if (Interned.TryGetValue(probe, out var found)) return found;
            if (Interned.Count >= MaxShapes) return null;
            return Interned.GetOrAdd(probe, probe.Types);
        }

        private readonly struct ShapeKey : IEquatable<ShapeKey>
        {
            public readonly ulong[] Types;
            private readonly int _hash;

            public ShapeKey(ulong[] types)
            {
                Types = types;
                var h = new HashCode();
                foreach (var t in types) h.Add(t);
                _hash = h.ToHashCode();
            }

            public bool Equals(ShapeKey other) => _hash == other._hash && Types.AsSpan().SequenceEqual(other.Types);

            public override bool Equals(object? obj) => obj is ShapeKey k && Equals(k);

            public override int GetHashCode() => _hash;
        }
    }

    private static class SharedValues
    {
        public const ulong ULongLimit = 1 << 16;
        public static readonly byte[] Empty = [];
        public static readonly byte[][] Bytes = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToArray();
        private static readonly byte[]?[] ULongs = new byte[ULongLimit][];

        public static byte[] ULong(ulong v)
        {
            var found = Volatile.Read(ref ULongs[v]);
            if (found is not null) return found;
            var made = Attr.ULong(v);
            return Interlocked.CompareExchange(ref ULongs[v], made, null) ?? made;
        }
    }
}

/// <summary>Encoders and decoders of attribute values (LP64 layout).</summary>
public static class Attr
{
    public static byte[] ULong(ulong value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return b;
    }

    public static byte[] Bool(bool value) => value ? [1] : [0];

    public static byte[] ULongs(IEnumerable<ulong> values)
    {
        var list = values.ToArray();
        var b = new byte[list.Length * 8];
        for (var i = 0; i < list.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(i * 8), list[i]);
        return b;
    }

    public static ulong AsULong(ulong type, byte[] value)
    {
        if (value.Length != 8) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"attribute 0x{type:X} must be a CK_ULONG");
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }

    public static bool AsBool(ulong type, byte[] value)
    {
        if (value.Length != 1) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"attribute 0x{type:X} must be a CK_BBOOL");
        return value[0] != 0;
    }

    public static ulong[] AsULongs(ulong type, byte[] value)
    {
        if (value.Length % 8 != 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"attribute 0x{type:X} must be a CK_ULONG array");
        var r = new ulong[value.Length / 8];
        for (var i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(i * 8));
        return r;
    }
}
