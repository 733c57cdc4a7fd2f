using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Mechanisms.Aes;

/// <summary>CKM_AES_KEY_WRAP_PKCS7: PKCS #7 padding to a multiple of 8 bytes, then RFC 3394; unwrapping checks and strips the padding.</summary>
internal sealed class Pkcs7WrapOperation(byte[] key, bool encrypt, byte[] iv) : ICipherOperation
{
    private const int Semiblock = 8;
    private readonly DataBuffer _data = new();

    public byte[] OneShot(ReadOnlySpan<byte> input)
    {
        _data.Append(input);
        return Final();
    }

    public byte[] Update(ReadOnlySpan<byte> input)
    {
        _data.Append(input);
        return [];
    }

    public byte[] Final()
    {
        var data = _data.Take();
        if (encrypt)
        {
            var pad = Semiblock - data.Length % Semiblock;
            var padded = new byte[data.Length + pad];
            data.CopyTo(padded, 0);
            padded.AsSpan(data.Length).Fill((byte)pad);
            CryptographicOperations.ZeroMemory(data);
            try
            {
                return AesKeyWrap.Wrap(key, padded, iv) ?? throw new CkException(CKR.DATA_LEN_RANGE, "input too short for AES key wrap");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(padded);
            }
        }

        if (data.Length % Semiblock != 0 || data.Length < 24) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE);
        var plain = AesKeyWrap.Unwrap(key, data, iv) ?? throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "AES key wrap integrity check failed");
        var n = plain[^1];
        var bad = n is 0 or > Semiblock;
        for (var i = 1; !bad && i <= n; i++) bad |= plain[^i] != n;
        if (bad)
        {
            CryptographicOperations.ZeroMemory(plain);
            throw new CkException(CKR.ENCRYPTED_DATA_INVALID, "bad PKCS #7 padding");
        }

        var result = plain[..^n];
        CryptographicOperations.ZeroMemory(plain);
        return result;
    }
}
