using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// The pre-init checks of every cryptographic operation, in one place (kryoptic's check_allowed_mechs): the key's
/// class fits the function, its type is one the registered mechanism names, the mechanism offers the function, the
/// key's usage flag permits it, CKA_ALLOWED_MECHANISMS admits the mechanism and the key size lies in the mechanism's range.
/// </summary>
public static class KeyCheck
{
    /// <summary>
    /// Checks that <paramref name="key"/> may be used for <paramref name="usageAttribute"/> (CKA_SIGN, CKA_ENCRYPT,
    /// CKA_DECRYPT, CKA_VERIFY, CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE, CKA_ENCAPSULATE,
    /// CKA_DECAPSULATE) with <paramref name="mechanism"/>.
    /// </summary>
    public static void Check(AttributeSet key, ulong usageAttribute, RegisteredMechanism mechanism)
    {
        var (type, info) = (mechanism.Type, mechanism.Info);
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

        // The key types the registry names for the mechanism, before key sizes. C_WrapKey and C_UnwrapKey answer for their
        // key with CKR_WRAPPING_KEY_TYPE_INCONSISTENT / CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT (PKCS#11 3.0 §5.18.6, §5.18.7).
        var keyTypes = mechanism.Facts.KeyTypes;
        if (keyTypes.Count > 0 && (key.GetULong(CKA.KEY_TYPE) is not { } kt || !keyTypes.Contains(kt)))
        {
            var rv = usageAttribute switch
            {
                CKA.WRAP => CKR.WRAPPING_KEY_TYPE_INCONSISTENT,
                CKA.UNWRAP => CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT,
                _ => CKR.KEY_TYPE_INCONSISTENT,
            };
            throw new CkException(rv, $"mechanism 0x{type:X} needs a key of type {string.Join(" or ", keyTypes.Select(k => $"0x{k:X}"))}");
        }

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
        if ((info.Flags & flag) == 0) throw new CkException(CKR.MECHANISM_INVALID, $"mechanism 0x{type:X} does not offer this function");

        // CKA_ENCAPSULATE / CKA_DECAPSULATE (PKCS#11 3.2) default to TRUE; keys stored before they existed have
        // neither, and an absent one means that default.
        if (!mechanism.Facts.UsageFlagIgnored && (key.GetBool(usageAttribute) ?? usageAttribute is CKA.ENCAPSULATE or CKA.DECAPSULATE) != true)
            throw new CkException(CKR.KEY_FUNCTION_NOT_PERMITTED, $"key attribute 0x{usageAttribute:X} is not TRUE");

        if (key.TryGet(CKA.ALLOWED_MECHANISMS, out var allowed) && allowed.Length > 0
            && !Attr.AsULongs(CKA.ALLOWED_MECHANISMS, allowed).Contains(type))
            throw new CkException(CKR.MECHANISM_INVALID, $"mechanism 0x{type:X} is not in CKA_ALLOWED_MECHANISMS");

        if (info.MinKeySize != 0 || info.MaxKeySize != 0)
        {
            var size = KeyUsage.KeySize(key);
            if (size < info.MinKeySize || size > info.MaxKeySize)
                throw new CkException(CKR.KEY_SIZE_RANGE, $"key size {size} outside {info.MinKeySize}..{info.MaxKeySize}");
        }
    }
}
