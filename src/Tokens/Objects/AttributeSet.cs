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
/// </summary>
public sealed class AttributeSet : IEnumerable<KeyValuePair<ulong, byte[]>>
{
    private readonly Dictionary<ulong, byte[]> _values;

    /// <summary>Prepared crypto objects by slot; created on first use, cleared by any change of the values.</summary>
    private ConcurrentDictionary<object, object>? _prepared;

    public AttributeSet() => _values = new Dictionary<ulong, byte[]>();

    public AttributeSet(IEnumerable<KeyValuePair<ulong, byte[]>> values) => _values = new Dictionary<ulong, byte[]>(values);

    /// <summary>Builds a set from a wire template. Duplicate types or NULL values: CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_VALUE_INVALID.</summary>
    public static AttributeSet FromTemplate(IEnumerable<WireAttribute> template)
    {
        var set = new AttributeSet();
        foreach (var a in template)
        {
            if (a.Value is null) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"attribute 0x{a.Type:X} has no value");
            if (!set._values.TryAdd(a.Type, a.Value)) throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"attribute 0x{a.Type:X} given twice");
        }

        return set;
    }

    public int Count => _values.Count;

    public IEnumerable<ulong> Types => _values.Keys;

    public bool Has(ulong type) => _values.ContainsKey(type);

    public bool TryGet(ulong type, out byte[] value) => _values.TryGetValue(type, out value!);

    public byte[]? Get(ulong type) => _values.GetValueOrDefault(type);

    public byte[] this[ulong type]
    {
        get => _values[type];
        set => Set(type, value);
    }

    public void Set(ulong type, byte[] value)
    {
        _values[type] = value;
        Changed();
    }

    public void SetULong(ulong type, ulong value) => Set(type, Attr.ULong(value));

    public void SetBool(ulong type, bool value) => Set(type, Attr.Bool(value));

    public bool Remove(ulong type)
    {
        Changed();
        return _values.Remove(type);
    }

    /// <summary>CK_ULONG value; CKR_ATTRIBUTE_VALUE_INVALID when the length is not 8.</summary>
    public ulong? GetULong(ulong type) => _values.TryGetValue(type, out var v) ? Attr.AsULong(type, v) : null;

    /// <summary>CK_BBOOL value; CKR_ATTRIBUTE_VALUE_INVALID when the length is not 1.</summary>
    public bool? GetBool(ulong type) => _values.TryGetValue(type, out var v) ? Attr.AsBool(type, v) : null;

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

    public AttributeSet Clone() => new(_values.Select(kv => new KeyValuePair<ulong, byte[]>(kv.Key, (byte[])kv.Value.Clone())));

    public IEnumerator<KeyValuePair<ulong, byte[]>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
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
