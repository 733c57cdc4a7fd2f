using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Aes;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Rsa;

/// <summary>
/// CKM_RSA_AES_KEY_WRAP (PKCS#11 v3.0 §6.1.13): a fresh AES key of ulAESKeyBits, OAEP-encrypted under the RSA key (with the
/// CK_RSA_PKCS_OAEP_PARAMS inside the parameter), followed by the key to wrap under that AES key with AES key wrap with
/// padding (RFC 5649). Unwrap reverses it; the temporary AES key is never kept.
/// </summary>
public sealed class RsaAesKeyWrapMechanism : IMechanism
{
    private static readonly RsaAesKeyWrapMechanism Instance = new();
    private static readonly RsaMechanisms Rsa = new();

    public static void Register(MechanismRegistry r) =>
        r.Add(CKM.RSA_AES_KEY_WRAP, new MechanismInfo(RsaMechanisms.MinBits, RsaMechanisms.MaxBits, CKF.WRAP | CKF.UNWRAP), Instance, MechanismFacts.Keys(CKK.RSA).Taking(ParamKind.RsaAesKeyWrap));

    public byte[] Wrap(ulong mechanism, byte[]? parameter, AttributeSet wrappingKey, byte[] keyEncoding)
    {
        var (aesBytes, oaep) = Decode(mechanism, parameter);
        if (wrappingKey.GetULong(CKA.KEY_TYPE) != CKK.RSA) throw new CkException(CKR.WRAPPING_KEY_TYPE_INCONSISTENT, "RSA key expected");
        var temp = RandomNumberGenerator.GetBytes(aesBytes);
        try
        {
            var encryptedKey = Rsa.CreateEncrypt(CKM.RSA_PKCS_OAEP, oaep, wrappingKey).OneShot(temp);
            var wrapped = AesKeyWrap.WrapPad(temp, keyEncoding, AesKeyWrap.DefaultAiv) ?? throw new CkException(CKR.KEY_SIZE_RANGE, "the key cannot be wrapped");
            return [.. encryptedKey, .. wrapped];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(temp);
        }
    }

    public byte[] Unwrap(ulong mechanism, byte[]? parameter, AttributeSet unwrappingKey, byte[] wrapped)
    {
        var (aesBytes, oaep) = Decode(mechanism, parameter);
        if (unwrappingKey.GetULong(CKA.KEY_TYPE) != CKK.RSA) throw new CkException(CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT, "RSA key expected");
        var k = RsaKeys.ModulusBytes(unwrappingKey);
        if (wrapped.Length < k + 16 || (wrapped.Length - k) % 8 != 0) throw new CkException(CKR.WRAPPED_KEY_LEN_RANGE);
        byte[] temp;
        try
        {
            temp = Rsa.CreateDecrypt(CKM.RSA_PKCS_OAEP, oaep, unwrappingKey).OneShot(wrapped.AsSpan(0, k));
        }
        catch (CkException e) when (e.Rv is CKR.ENCRYPTED_DATA_INVALID or CKR.ENCRYPTED_DATA_LEN_RANGE)
        {
            throw new CkException(CKR.WRAPPED_KEY_INVALID, "the AES key does not decrypt");
        }

        try
        {
            if (temp.Length != aesBytes) throw new CkException(CKR.WRAPPED_KEY_INVALID, "the AES key has another length than ulAESKeyBits");
            return AesKeyWrap.UnwrapPad(temp, wrapped.AsSpan(k), AesKeyWrap.DefaultAiv)
                ?? throw new CkException(CKR.WRAPPED_KEY_INVALID, "AES key wrap integrity check failed");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(temp);
        }
    }

    private static (int AesBytes, byte[] Oaep) Decode(ulong mechanism, byte[]? parameter)
    {
        if (mechanism != CKM.RSA_AES_KEY_WRAP) throw new CkException(CKR.MECHANISM_INVALID);
        var p = Params.Decode(parameter, b => RsaAesKeyWrapParams.Decode(b), "CK_RSA_AES_KEY_WRAP_PARAMS");
        if (p.AesKeyBits is not (128 or 192 or 256)) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "ulAESKeyBits must be 128, 192 or 256");
        return ((int)p.AesKeyBits / 8, p.Oaep.Encode());
    }
}
