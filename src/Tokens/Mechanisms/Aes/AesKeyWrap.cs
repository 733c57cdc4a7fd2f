using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OpenCryptokiActors.Tokens.Mechanisms.Aes;

/// <summary>AES key wrap: RFC 3394 (KW, 64-bit IV) and RFC 5649 (KWP, 32-bit alternative IV with padding), on AES-ECB.</summary>
public static class AesKeyWrap
{
    public static readonly byte[] DefaultIv = [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];
    public static readonly byte[] DefaultAiv = [0xA6, 0x59, 0x59, 0xA6];

    /// <summary>RFC 3394 §2.2.1: plaintext of n ≥ 2 64-bit blocks. Returns null when the length is not acceptable.</summary>
    public static byte[]? Wrap(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv)
    {
        if (plaintext.Length < 16 || plaintext.Length % 8 != 0) return null;
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        return WrapCore(aes, plaintext, iv);
    }

    /// <summary>RFC 3394 §2.2.2 unwrap; null when the integrity check fails or the length is wrong.</summary>
    public static byte[]? Unwrap(byte[] key, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> iv)
    {
        if (ciphertext.Length < 24 || ciphertext.Length % 8 != 0) return null;
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        var (a, r) = UnwrapCore(aes, ciphertext);
        return CryptographicOperations.FixedTimeEquals(a, iv) ? r : null;
    }

    /// <summary>RFC 5649 §4.1: any non-empty plaintext.</summary>
    public static byte[]? WrapPad(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aiv)
    {
        if (plaintext.Length == 0) return null;
        var padded = new byte[(plaintext.Length + 7) / 8 * 8];
        plaintext.CopyTo(padded);
        var a = new byte[8];
        aiv.CopyTo(a);
        BinaryPrimitives.WriteUInt32BigEndian(a.AsSpan(4), (uint)plaintext.Length);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        if (padded.Length == 8)
        {
            var block = new byte[16];
            a.CopyTo(block, 0);
            padded.CopyTo(block, 8);
            return aes.EncryptEcb(block, PaddingMode.None);
        }

        return WrapCore(aes, padded, a);
    }

    /// <summary>RFC 5649 §4.2 unwrap; null when the integrity check or the padding check fails.</summary>
    public static byte[]? UnwrapPad(byte[] key, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> aiv)
    {
        if (ciphertext.Length < 16 || ciphertext.Length % 8 != 0) return null;
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        byte[] a, p;
        if (ciphertext.Length == 16)
        {
            var block = aes.DecryptEcb(ciphertext, PaddingMode.None);
            a = block[..8];
            p = block[8..];
        }
        else
        {
            (a, p) = UnwrapCore(aes, ciphertext);
        }

        var ok = CryptographicOperations.FixedTimeEquals(a.AsSpan(0, 4), aiv);
        var mli = (int)BinaryPrimitives.ReadUInt32BigEndian(a.AsSpan(4));
        ok &= mli > p.Length - 8 && mli <= p.Length;
        if (!ok) return null;
        for (var i = mli; i < p.Length; i++)
            if (p[i] != 0) return null;
        return p[..mli];
    }

    private static byte[] WrapCore(System.Security.Cryptography.Aes aes, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv)
    {
        var n = plaintext.Length / 8;
        var r = plaintext.ToArray();
        var a = iv.ToArray();
        var b = new byte[16];
        for (var j = 0; j <= 5; j++)
        {
            for (var i = 1; i <= n; i++)
            {
                a.CopyTo(b, 0);
                Array.Copy(r, (i - 1) * 8, b, 8, 8);
                var e = aes.EncryptEcb(b, PaddingMode.None);
                var t = (ulong)(n * j + i);
                BinaryPrimitives.WriteUInt64BigEndian(a, BinaryPrimitives.ReadUInt64BigEndian(e) ^ t);
                Array.Copy(e, 8, r, (i - 1) * 8, 8);
            }
        }

        var c = new byte[8 + r.Length];
        a.CopyTo(c, 0);
        r.CopyTo(c, 8);
        return c;
    }

    private static (byte[] A, byte[] R) UnwrapCore(System.Security.Cryptography.Aes aes, ReadOnlySpan<byte> ciphertext)
    {
        var n = ciphertext.Length / 8 - 1;
        var a = ciphertext[..8].ToArray();
        var r = ciphertext[8..].ToArray();
        var b = new byte[16];
        for (var j = 5; j >= 0; j--)
        {
            for (var i = n; i >= 1; i--)
            {
                var t = (ulong)(n * j + i);
                BinaryPrimitives.WriteUInt64BigEndian(b, BinaryPrimitives.ReadUInt64BigEndian(a) ^ t);
                Array.Copy(r, (i - 1) * 8, b, 8, 8);
                var d = aes.DecryptEcb(b, PaddingMode.None);
                Array.Copy(d, 0, a, 0, 8);
                Array.Copy(d, 8, r, (i - 1) * 8, 8);
            }
        }

        return (a, r);
    }
}
