using System.Buffers.Binary;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Derive;

/// <summary>
/// CKM_CONCATENATE_BASE_AND_KEY (PKCS#11 3.0 §2.43.3 of the mechanisms): the parameter is a CK_OBJECT_HANDLE of a second
/// secret key, whose value is appended to the base key's. The new key is shaped by the template (CKA_KEY_TYPE,
/// CKA_VALUE_LEN: the leading bytes). If either key is CKA_SENSITIVE so is the new one, if either is not CKA_EXTRACTABLE
/// neither is the new one; CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE hold only if they hold for both.
/// The token resolves the second key (<see cref="SecondKeyHandle"/>) as it resolves the base key.
/// </summary>
public sealed class ConcatenateBaseAndKey : IMechanism
{
    private static readonly ConcatenateBaseAndKey Instance = new();

    public static void Register(MechanismRegistry r) =>
        r.Add(CKM.CONCATENATE_BASE_AND_KEY, new MechanismInfo(1, 4096, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET, CKK.AES, CKK.DES, CKK.DES2, CKK.DES3));

    /// <summary>The handle of the second key a derivation names in its parameter, or null for derivations of one key.</summary>
    public static ulong? SecondKeyHandle(ulong mechanism, byte[]? parameter)
    {
        if (mechanism != CKM.CONCATENATE_BASE_AND_KEY) return null;
        if (parameter is not { Length: 8 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CKM_CONCATENATE_BASE_AND_KEY takes a CK_OBJECT_HANDLE");
        return BinaryPrimitives.ReadUInt64LittleEndian(parameter);
    }

    /// <summary>Without the second key (not resolved by the token) the derivation cannot run.</summary>
    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template) =>
        throw new CkException(CKR.MECHANISM_PARAM_INVALID, "the second key was not given");

    public AttributeSet DeriveWithKey(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet otherKey, AttributeSet template)
    {
        if (mechanism != CKM.CONCATENATE_BASE_AND_KEY) throw new CkException(CKR.MECHANISM_INVALID);
        var a = Value(baseKey);
        var b = Value(otherKey);
        var made = DerivedKey.FromMaterial(template, [.. a, .. b]);
        if (baseKey.IsTrue(CKA.SENSITIVE) || otherKey.IsTrue(CKA.SENSITIVE)) made.SetBool(CKA.SENSITIVE, true);
        if (baseKey.GetBool(CKA.EXTRACTABLE) == false || otherKey.GetBool(CKA.EXTRACTABLE) == false) made.SetBool(CKA.EXTRACTABLE, false);
        return made;
    }

    /// <summary>The history the new key inherits (TemplateValidator's derivation source): both keys' CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE.</summary>
    public static AttributeSet Source(AttributeSet baseKey, AttributeSet otherKey)
    {
        var s = baseKey.Clone();
        s.SetBool(CKA.ALWAYS_SENSITIVE, baseKey.IsTrue(CKA.ALWAYS_SENSITIVE) && otherKey.IsTrue(CKA.ALWAYS_SENSITIVE));
        s.SetBool(CKA.NEVER_EXTRACTABLE, baseKey.IsTrue(CKA.NEVER_EXTRACTABLE) && otherKey.IsTrue(CKA.NEVER_EXTRACTABLE));
        s.SetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE,
            baseKey.GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE) != false && otherKey.GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE) != false);
        return s;
    }

    private static byte[] Value(AttributeSet key) =>
        key.GetULong(CKA.CLASS) == CKO.SECRET_KEY && key.Get(CKA.VALUE) is { Length: > 0 } v
            ? v
            : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "CKM_CONCATENATE_BASE_AND_KEY concatenates two secret keys");
}
