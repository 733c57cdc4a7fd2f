using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// The pre-init checks of every cryptographic operation, in one place (kryoptic's check_allowed_mechs): the key's
/// class fits the function, the mechanism offers the function, the key's usage flag permits it,
/// CKA_ALLOWED_MECHANISMS admits the mechanism and the key size lies in the mechanism's range.
/// </summary>
public static class KeyUsage
{
    /// <summary>
    /// Checks that <paramref name="key"/> may be used for <paramref name="usageAttribute"/> (CKA_SIGN, CKA_ENCRYPT,
    /// CKA_DECRYPT, CKA_VERIFY, CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE, CKA_ENCAPSULATE,
    /// CKA_DECAPSULATE) with
    /// <paramref name="mechanism"/> whose info is <paramref name="info"/>.
    /// </summary>
    public static void Check(AttributeSet key, ulong usageAttribute, ulong mechanism, MechanismInfo info)
    {
        var cls = key.GetULong(CKA.CLASS);
        var classFits = usageAttribute switch
        {
            CKA.SIGN or CKA.DECRYPT or CKA.SIGN_RECOVER or CKA.UNWRAP => cls is CKO.PRIVATE_KEY or CKO.SECRET_KEY,
            CKA.VERIFY or CKA.ENCRYPT or CKA.VERIFY_RECOVER or CKA.WRAP => cls is CKO.PUBLIC_KEY or CKO.SECRET_KEY,
            CKA.DERIVE => cls is CKO.PRIVATE_KEY or CKO.SECRET_KEY,
            CKA.ENCAPSULATE => cls is CKO.PUBLIC_KEY,
            CKA.DECAPSULATE => cls is CKO.PRIVATE_KEY,
            _ => throw new ArgumentOutOfRangeException(nameof(usageAttribute), usageAttribute, "not a key usage attribute"),
        };
        if (!classFits) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"a key of class 0x{cls:X} cannot be used for 0x{usageAttribute:X}");
        if (RequiredKeyType(mechanism) is { } required && key.GetULong(CKA.KEY_TYPE) != required)
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"mechanism 0x{mechanism:X} needs key type 0x{required:X}");

        var flag = usageAttribute switch
        {
            CKA.SIGN => CKF.SIGN,
            CKA.VERIFY => CKF.VERIFY,
            CKA.ENCRYPT => CKF.ENCRYPT,
            CKA.DECRYPT => CKF.DECRYPT,
            CKA.SIGN_RECOVER => CKF.SIGN_RECOVER,
            CKA.VERIFY_RECOVER => CKF.VERIFY_RECOVER,
            CKA.WRAP => CKF.WRAP,
            CKA.UNWRAP => CKF.UNWRAP,
            CKA.ENCAPSULATE => CKF.ENCAPSULATE,
            CKA.DECAPSULATE => CKF.DECAPSULATE,
            _ => CKF.DERIVE,
        };
        if ((info.Flags & flag) == 0) throw new CkException(CKR.MECHANISM_INVALID, $"mechanism 0x{mechanism:X} does not offer this function");

        // CKA_ENCAPSULATE / CKA_DECAPSULATE (PKCS#11 3.2) default to TRUE; keys stored before they existed have
        // neither, and an absent one means that default.
        if ((key.GetBool(usageAttribute) ?? usageAttribute is CKA.ENCAPSULATE or CKA.DECAPSULATE) != true)
            throw new CkException(CKR.KEY_FUNCTION_NOT_PERMITTED, $"key attribute 0x{usageAttribute:X} is not TRUE");

        if (key.TryGet(CKA.ALLOWED_MECHANISMS, out var allowed) && allowed.Length > 0
            && !Attr.AsULongs(CKA.ALLOWED_MECHANISMS, allowed).Contains(mechanism))
            throw new CkException(CKR.MECHANISM_INVALID, $"mechanism 0x{mechanism:X} is not in CKA_ALLOWED_MECHANISMS");

        if (info.MinKeySize != 0 || info.MaxKeySize != 0)
        {
            var size = KeySize(key);
            if (size < info.MinKeySize || size > info.MaxKeySize)
                throw new CkException(CKR.KEY_SIZE_RANGE, $"key size {size} outside {info.MinKeySize}..{info.MaxKeySize}");
        }
    }

    /// <summary>
    /// The one key type a mechanism works with, or null when several fit (HMAC: generic secret or its HMAC type; DES3_*: CKK_DES2 or CKK_DES3; DES_OFB64/CFB*: any DES type; ECDH1_DERIVE:
    /// EC or Montgomery; the generic derivations: any secret key). Used to answer CKR_KEY_TYPE_INCONSISTENT before key sizes.
    /// </summary>
    public static ulong? RequiredKeyType(ulong mechanism) => mechanism switch
    {
        CKM.RSA_PKCS or CKM.RSA_X_509 or CKM.RSA_PKCS_OAEP or CKM.RSA_PKCS_PSS or CKM.SHA1_RSA_X9_31 or CKM.RSA_AES_KEY_WRAP => CKK.RSA,
        _ when Mechanisms.Rsa.RsaMechanisms.HashedMechanisms.Contains(mechanism) => CKK.RSA,
        CKM.ECDSA or CKM.ECDSA_SHA1 or CKM.ECDSA_SHA224 or CKM.ECDSA_SHA256 or CKM.ECDSA_SHA384 or CKM.ECDSA_SHA512
            or CKM.ECDSA_SHA3_224 or CKM.ECDSA_SHA3_256 or CKM.ECDSA_SHA3_384 or CKM.ECDSA_SHA3_512 or CKM.ECDH1_COFACTOR_DERIVE => CKK.EC,
        CKM.EDDSA => CKK.EC_EDWARDS,
        CKM.AES_ECB or CKM.AES_CBC or CKM.AES_CBC_PAD or CKM.AES_CTR or CKM.AES_GCM or CKM.AES_KEY_WRAP
            or CKM.AES_KEY_WRAP_PAD or CKM.AES_KEY_WRAP_KWP or CKM.AES_CCM or CKM.AES_CTS or CKM.AES_OFB or CKM.AES_CFB1
            or CKM.AES_CFB8 or CKM.AES_CFB128 or CKM.AES_MAC or CKM.AES_MAC_GENERAL or CKM.AES_CMAC or CKM.AES_CMAC_GENERAL
            or CKM.AES_GMAC or CKM.AES_ECB_ENCRYPT_DATA or CKM.AES_CBC_ENCRYPT_DATA => CKK.AES,
        CKM.AES_XTS => CKK.AES_XTS,
        CKM.CHACHA20 or CKM.CHACHA20_POLY1305 => CKK.CHACHA20,
        CKM.POLY1305 => CKK.POLY1305,
        _ when Mechanisms.Pqc.MlDsaMechanisms.Family.Mechanisms.Contains(mechanism) => CKK.ML_DSA,
        _ when Mechanisms.Pqc.SlhDsaMlKemMechanisms.Family.Mechanisms.Contains(mechanism) => CKK.SLH_DSA,
        CKM.ML_KEM => CKK.ML_KEM,
        CKM.DH_PKCS_DERIVE => CKK.DH,
        _ when Mechanisms.Dsa.DsaMechanisms.SignMechanisms.Contains(mechanism) => CKK.DSA,
        _ when Mechanisms.Des.DesMechanisms.SingleDes.Contains(mechanism) => CKK.DES,
        _ => null,
    };

    /// <summary>
    /// C_WrapKey: the key to wrap must be extractable (CKR_KEY_UNEXTRACTABLE); a CKA_WRAP_WITH_TRUSTED key can only be
    /// wrapped by a CKA_TRUSTED wrapping key (CKR_KEY_NOT_WRAPPABLE).
    /// </summary>
    public static void CheckWrap(AttributeSet wrappingKey, AttributeSet keyToWrap)
    {
        if (keyToWrap.GetBool(CKA.EXTRACTABLE) != true) throw new CkException(CKR.KEY_UNEXTRACTABLE, "key is not extractable");
        if (keyToWrap.IsTrue(CKA.WRAP_WITH_TRUSTED) && !wrappingKey.IsTrue(CKA.TRUSTED))
            throw new CkException(CKR.KEY_NOT_WRAPPABLE, "key can only be wrapped with a trusted key");
        // CKA_WRAP_TEMPLATE: the key to wrap must have every attribute of the template with the same value.
        if (NestedTemplate(wrappingKey, CKA.WRAP_TEMPLATE) is not { } required) return;
        foreach (var (type, value) in required)
        {
            if (!keyToWrap.TryGet(type, out var actual) || !actual.AsSpan().SequenceEqual(value))
                throw new CkException(CKR.KEY_NOT_WRAPPABLE, $"key does not match attribute 0x{type:X} of the wrapping key's CKA_WRAP_TEMPLATE");
        }
    }

    /// <summary>
    /// C_UnwrapKey and C_DeriveKey: the CKA_UNWRAP_TEMPLATE of the unwrapping key or the CKA_DERIVE_TEMPLATE of the base
    /// key (<paramref name="templateType"/>) joins the caller's template; an attribute the caller gives another value is
    /// CKR_TEMPLATE_INCONSISTENT. Returns the caller's template when the key has none.
    /// </summary>
    public static AttributeSet ApplyKeyTemplate(AttributeSet callerTemplate, AttributeSet key, ulong templateType)
    {
        if (NestedTemplate(key, templateType) is not { } imposed) return callerTemplate;
        var result = callerTemplate.Clone();
        foreach (var (type, value) in imposed)
        {
            if (callerTemplate.TryGet(type, out var given) && !given.AsSpan().SequenceEqual(value))
                throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"attribute 0x{type:X} conflicts with the key's template 0x{templateType:X}");
            result.Set(type, value);
        }

        return result;
    }

    /// <summary>The attributes of a key's CKA_WRAP_TEMPLATE / CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE (stored as a wire <c>template</c>), or null.</summary>
    public static AttributeSet? NestedTemplate(AttributeSet key, ulong templateType)
    {
        if (!key.TryGet(templateType, out var value) || value.Length == 0) return null;
        try
        {
            var r = new Cryptoki.Wire.WireReader(value);
            var template = AttributeSet.FromTemplate(r.ReadTemplate());
            r.ExpectEnd();
            return template;
        }
        catch (Cryptoki.Wire.WireFormatException)
        {
            throw new CkException(CKR.GENERAL_ERROR, $"stored attribute 0x{templateType:X} is malformed");
        }
    }

    /// <summary>
    /// The key size in the unit mechanism infos use for it: bits for RSA (modulus) and EC (curve order size),
    /// bytes for secret keys (CKA_VALUE_LEN or the value's length), the CKP_ parameter set for ML-DSA/ML-KEM/SLH-DSA (PKCS#11 3.2). 0 when unknown (e.g. an unsupported curve).
    /// </summary>
    public static ulong KeySize(AttributeSet key)
    {
        var cls = key.GetULong(CKA.CLASS);
        var kt = key.GetULong(CKA.KEY_TYPE);
        if (cls == CKO.SECRET_KEY)
            return key.GetULong(CKA.VALUE_LEN) ?? (ulong)(key.Get(CKA.VALUE)?.Length ?? 0);
        return kt switch
        {
            CKK.RSA => (ulong)ObjectTypes.BitLength(key.Get(CKA.MODULUS) ?? []),
            CKK.EC => (ulong)(key.Get(CKA.EC_PARAMS) is { } p && EcCurves.TryFromParams(p) is { } c ? c.Bits : 0),
            CKK.DSA or CKK.DH => (ulong)ObjectTypes.BitLength(key.Get(CKA.PRIME) ?? []),
            CKK.ML_DSA or CKK.ML_KEM or CKK.SLH_DSA => key.GetULong(CKA.PARAMETER_SET) ?? 0,
            CKK.EC_EDWARDS or CKK.EC_MONTGOMERY =>
                (ulong)(key.Get(CKA.EC_PARAMS) is { } p && Mechanisms.Ec.EdwardsMontgomery.TryFromParams(p) is { } c ? c.Bits : 0),
            _ => 0,
        };
    }
}
