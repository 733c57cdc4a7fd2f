using System.Buffers.Binary;
using System.Collections;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// The attributes of one object (or one template): CKA type → value in its native LP64 layout
/// (CK_ULONG = 8 bytes little-endian, CK_BBOOL = 1 byte). Mutable while being built; treat as
/// immutable once stored (copy with <see cref="Clone"/> before changing a stored set).
/// </summary>
public sealed class AttributeSet : IEnumerable<KeyValuePair<ulong, byte[]>>
{
    private readonly Dictionary<ulong, byte[]> _values;

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
        set => _values[type] = value;
    }

    public void Set(ulong type, byte[] value) => _values[type] = value;

    public void SetULong(ulong type, ulong value) => _values[type] = Attr.ULong(value);

    public void SetBool(ulong type, bool value) => _values[type] = Attr.Bool(value);

    public bool Remove(ulong type) => _values.Remove(type);

    /// <summary>CK_ULONG value; CKR_ATTRIBUTE_VALUE_INVALID when the length is not 8.</summary>
    public ulong? GetULong(ulong type) => _values.TryGetValue(type, out var v) ? Attr.AsULong(type, v) : null;

    /// <summary>CK_BBOOL value; CKR_ATTRIBUTE_VALUE_INVALID when the length is not 1.</summary>
    public bool? GetBool(ulong type) => _values.TryGetValue(type, out var v) ? Attr.AsBool(type, v) : null;

    public bool IsTrue(ulong type) => GetBool(type) == true;

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
