using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Generic;

/// <summary>
/// CKM_GENERIC_SECRET_KEY_GEN (PKCS#11 v3.0 §6.7.3): CKA_VALUE_LEN random bytes. Key sizes in bits. The key type
/// is CKK_GENERIC_SECRET unless the template asks for one of the SHA HMAC key types.
/// </summary>
public sealed class GenericSecretMechanisms : IMechanism
{
    private static readonly GenericSecretMechanisms Instance = new();

    public static void Register(MechanismRegistry r) =>
        r.Add(CKM.GENERIC_SECRET_KEY_GEN, new MechanismInfo(8, 8 * 4096, CKF.GENERATE), Instance);

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        Check.NoParameter(parameter);
        var keyType = template.GetULong(CKA.KEY_TYPE) ?? CKK.GENERIC_SECRET;
        if (keyType == CKK.AES || !ObjectTypes.SecretKeyTypes.Contains(keyType))
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKM_GENERIC_SECRET_KEY_GEN makes generic secret or HMAC keys");
        var len = template.GetULong(CKA.VALUE_LEN) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required");
        if (len < 1 || len > 4096) throw new CkException(CKR.KEY_SIZE_RANGE, "generic secret length out of range");
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.SECRET_KEY);
        a.SetULong(CKA.KEY_TYPE, keyType);
        a.Set(CKA.VALUE, RandomNumberGenerator.GetBytes((int)len));
        a.SetULong(CKA.VALUE_LEN, len);
        return a;
    }
}
