using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Generic;

/// <summary>
/// CKM_GENERIC_SECRET_KEY_GEN (PKCS#11 v3.0 §6.7.3) and the HMAC key generators CKM_SHA_1_KEY_GEN …
/// CKM_SHA512_256_KEY_GEN, CKM_SHA3_*_KEY_GEN (§6.20 ff.): CKA_VALUE_LEN random bytes. Key sizes in bits. The generic
/// generator makes CKK_GENERIC_SECRET unless the template asks for an HMAC key type; the SHA ones make their own type.
/// </summary>
public sealed class GenericSecretMechanisms : IMechanism
{
    private static readonly GenericSecretMechanisms Instance = new();

    private static readonly (ulong Mechanism, ulong KeyType)[] KeyGens =
    [
        (CKM.SHA_1_KEY_GEN, CKK.SHA_1_HMAC), (CKM.SHA224_KEY_GEN, CKK.SHA224_HMAC), (CKM.SHA256_KEY_GEN, CKK.SHA256_HMAC),
        (CKM.SHA384_KEY_GEN, CKK.SHA384_HMAC), (CKM.SHA512_KEY_GEN, CKK.SHA512_HMAC), (CKM.SHA512_224_KEY_GEN, CKK.SHA512_224_HMAC),
        (CKM.SHA512_256_KEY_GEN, CKK.SHA512_256_HMAC), (CKM.SHA3_224_KEY_GEN, CKK.SHA3_224_HMAC), (CKM.SHA3_256_KEY_GEN, CKK.SHA3_256_HMAC),
        (CKM.SHA3_384_KEY_GEN, CKK.SHA3_384_HMAC), (CKM.SHA3_512_KEY_GEN, CKK.SHA3_512_HMAC),
    ];

    public static void Register(MechanismRegistry r)
    {
        var info = new MechanismInfo(8, 8 * 4096, CKF.GENERATE);
        r.Add(CKM.GENERIC_SECRET_KEY_GEN, info, Instance, MechanismFacts.Keys(CKK.GENERIC_SECRET));
        foreach (var (m, _) in KeyGens) r.Add(m, info, Instance, MechanismFacts.Keys(KeyTypeOf(m)!.Value));
    }

    /// <summary>The key type a SHA key generator makes, or null for other mechanisms.</summary>
    public static ulong? KeyTypeOf(ulong mechanism) => KeyGens.Where(k => k.Mechanism == mechanism).Select(k => (ulong?)k.KeyType).FirstOrDefault();

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        Check.NoParameter(parameter);
        ulong keyType;
        if (mechanism == CKM.GENERIC_SECRET_KEY_GEN)
        {
            keyType = template.GetULong(CKA.KEY_TYPE) ?? CKK.GENERIC_SECRET;
            if (keyType != CKK.GENERIC_SECRET && !ObjectTypes.HmacKeyTypes.Contains(keyType))
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKM_GENERIC_SECRET_KEY_GEN makes generic secret or HMAC keys");
        }
        else
        {
            keyType = KeyTypeOf(mechanism) ?? throw new CkException(CKR.MECHANISM_INVALID);
            if (template.GetULong(CKA.KEY_TYPE) is { } asked && asked != keyType)
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, "the key type does not match the key generation mechanism");
        }

        var len = template.GetULong(CKA.VALUE_LEN) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
        if (len < 1 || len > 4096) throw new CkException(CKR.KEY_SIZE_RANGE, "secret length out of range");
        return Secret(keyType, RandomNumberGenerator.GetBytes((int)len));
    }

    /// <summary>The produced attributes of a secret key.</summary>
    internal static AttributeSet Secret(ulong keyType, byte[] value)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.SECRET_KEY);
        a.SetULong(CKA.KEY_TYPE, keyType);
        a.Set(CKA.VALUE, value);
        a.SetULong(CKA.VALUE_LEN, (ulong)value.Length);
        return a;
    }
}
