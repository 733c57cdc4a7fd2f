using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Mechanisms.Aes;

/// <summary>
/// AES key wrap: RFC 3394 (KW, 64-bit IV) and RFC 5649 (KWP, 32-bit alternative IV with padding), by BouncyCastle's
/// <see cref="AesWrapEngine"/> and <see cref="AesWrapPadEngine"/>. Each returns null for a length the mechanism does not
/// take and, when unwrapping, for a failed integrity or padding check; the caller picks the CKR code.
/// </summary>
public static class AesKeyWrap
{
    public static readonly byte[] DefaultIv = [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];
    public static readonly byte[] DefaultAiv = [0xA6, 0x59, 0x59, 0xA6];

    /// <summary>RFC 3394 §2.2.1: plaintext of n ≥ 2 64-bit blocks.</summary>
    public static byte[]? Wrap(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv) =>
        plaintext.Length < 16 || plaintext.Length % 8 != 0 ? null : Run(new AesWrapEngine(), true, key, plaintext, iv);

    /// <summary>RFC 3394 §2.2.2 unwrap.</summary>
    public static byte[]? Unwrap(byte[] key, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> iv) =>
        ciphertext.Length < 24 || ciphertext.Length % 8 != 0 ? null : Run(new AesWrapEngine(), false, key, ciphertext, iv);

    /// <summary>RFC 5649 §4.1: any non-empty plaintext.</summary>
    public static byte[]? WrapPad(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aiv) =>
        plaintext.Length == 0 ? null : Run(new AesWrapPadEngine(), true, key, plaintext, aiv);

    /// <summary>RFC 5649 §4.2 unwrap.</summary>
    public static byte[]? UnwrapPad(byte[] key, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> aiv) =>
        ciphertext.Length < 16 || ciphertext.Length % 8 != 0 ? null : Run(new AesWrapPadEngine(), false, key, ciphertext, aiv);

    private static byte[]? Run(IWrapper engine, bool wrap, byte[] key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> iv)
    {
        engine.Init(wrap, new ParametersWithIV(new KeyParameter(key), iv.ToArray()));
        var data = input.ToArray();
        try
        {
            return wrap ? engine.Wrap(data, 0, data.Length) : engine.Unwrap(data, 0, data.Length);
        }
        catch (InvalidCipherTextException)
        {
            return null;
        }
    }
}
