using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Generic;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>Decoding of canonical parameters and shaping of derived secret keys, shared by the families.</summary>
internal static class Params
{
    /// <summary>Decodes a flattened parameter; any malformation is CKR_MECHANISM_PARAM_INVALID.</summary>
    public static T Decode<T>(byte[]? parameter, Func<byte[], T> decode, string what)
    {
        if (parameter is null) throw new CkException(CKR.MECHANISM_PARAM_INVALID, $"{what} expected");
        try
        {
            return decode(parameter);
        }
        catch (Exception e) when (e is WireFormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, $"{what} expected");
        }
    }

    /// <summary>A raw CK_ULONG parameter (CK_MAC_GENERAL_PARAMS, CK_EXTRACT_PARAMS ...).</summary>
    public static ulong ULong(byte[]? parameter, string what) =>
        parameter is { Length: 8 } ? MechanismParams.ULongAt(parameter, 0) : throw new CkException(CKR.MECHANISM_PARAM_INVALID, $"{what} expected");
}

/// <summary>The secret key a derivation produces: class and type from the template, length from CKA_VALUE_LEN or a default.</summary>
internal static class DerivedKey
{
    /// <summary>
    /// The key type and byte length of the key to derive. <paramref name="defaultLength"/> is used when the template has no
    /// CKA_VALUE_LEN and the key type has no single length; <paramref name="maxLength"/> bounds what the mechanism can produce.
    /// </summary>
    public static (ulong KeyType, int Length) Shape(AttributeSet template, int? defaultLength, int maxLength)
    {
        var cls = template.GetULong(CKA.CLASS) ?? CKO.SECRET_KEY;
        if (cls != CKO.SECRET_KEY) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "this mechanism derives secret keys");
        var keyType = template.GetULong(CKA.KEY_TYPE) ?? CKK.GENERIC_SECRET;
        if (!ObjectTypes.SecretKeyTypes.Contains(keyType)) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "unsupported derived key type");
        var lengths = ObjectTypes.SecretLengths(keyType);
        int len;
        if (template.GetULong(CKA.VALUE_LEN) is { } l) len = (int)Math.Min(l, int.MaxValue);
        else if (lengths is { Length: 1 }) len = lengths[0];
        else if (defaultLength is { } d && (lengths is null || lengths.Contains(d))) len = d;
        else if (lengths is not null && defaultLength is { } d2 && lengths.Where(x => x <= d2).DefaultIfEmpty(0).Max() is > 0 and var fit) len = fit;
        else throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
        if (len < 1 || len > maxLength || len > 4096) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN not possible for this derivation");
        if (lengths is not null && !lengths.Contains(len)) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "wrong key length for the key type");
        return (keyType, len);
    }

    public static AttributeSet Make(ulong keyType, byte[] value) => GenericSecretMechanisms.Secret(keyType, value);

    /// <summary>Shape and make in one step, taking the leading bytes of <paramref name="material"/>.</summary>
    public static AttributeSet FromMaterial(AttributeSet template, byte[] material)
    {
        var (kt, len) = Shape(template, material.Length, material.Length);
        return Make(kt, material[..len]);
    }
}
