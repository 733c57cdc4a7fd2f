using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// The unpadded RSA private-key operation on a .NET RSA key: .NET's RSA (RSAOpenSsl) has no public "no padding" mode,
/// so the emulator asks OpenSSL directly (EVP_PKEY_decrypt with RSA_NO_PADDING, OpenSSL 3's libcrypto.so.3) on the key
/// handle .NET's RSAOpenSsl owns: the same CRT code, with OpenSSL's own blinding, that the soft token's RSA runs.
/// </summary>
internal static class OpenSslRaw
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int RsaNoPadding = 3;

    /// <summary>c^d mod n with <paramref name="key"/>; false when OpenSSL refused (e.g. c ≥ n).</summary>
    public static unsafe bool Private(SafeEvpPKeyHandle key, ReadOnlySpan<byte> input, Span<byte> output, out int written)
    {
        written = 0;
        var ctx = EVP_PKEY_CTX_new(key, IntPtr.Zero);
        if (ctx == IntPtr.Zero) return false;
        try
        {
            if (EVP_PKEY_decrypt_init(ctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, RsaNoPadding) <= 0) return false;
            var length = (nuint)output.Length;
            fixed (byte* i = input)
            fixed (byte* o = output)
            {
                if (EVP_PKEY_decrypt(ctx, o, ref length, i, (nuint)input.Length) <= 0) return false;
            }

            written = (int)length;
            return true;
        }
        finally
        {
            EVP_PKEY_CTX_free(ctx);
        }
    }

    /// <summary>A .NET RSA key (RSAOpenSsl) of the given parameters and OpenSSL's handle of it.</summary>
    public static (RSAOpenSsl Rsa, SafeEvpPKeyHandle Handle) Import(RSAParameters p)
    {
        var rsa = new RSAOpenSsl(p);
        return (rsa, rsa.DuplicateKeyHandle());
    }

    [DllImport(LibCrypto)]
    private static extern IntPtr EVP_PKEY_CTX_new(SafeEvpPKeyHandle pkey, IntPtr engine);

    [DllImport(LibCrypto)]
    private static extern int EVP_PKEY_decrypt_init(IntPtr ctx);

    [DllImport(LibCrypto)]
    private static extern int EVP_PKEY_CTX_set_rsa_padding(IntPtr ctx, int padding);

    [DllImport(LibCrypto)]
    private static extern unsafe int EVP_PKEY_decrypt(IntPtr ctx, byte* output, ref nuint outputLength, byte* input, nuint inputLength);

    [DllImport(LibCrypto)]
    private static extern void EVP_PKEY_CTX_free(IntPtr ctx);
}
