using System.Numerics;
using System.Security.Cryptography;

namespace OpenCryptokiActors.Tokens.Zcrypt;

/// <summary>
/// One RSA private-key operation for an AP queue, in the driver's own terms: big-endian, right-justified fields padded
/// on the left with zeroes. Holds key material: its ToString names the shape only, never a value.
/// </summary>
public abstract class ZcryptRequest
{
    private protected ZcryptRequest(byte[] input, int outputLength)
    {
        Input = input;
        OutputLength = outputLength;
    }

    /// <summary>inputdata: the number to raise, inputdatalength bytes (the modulus length).</summary>
    public byte[] Input { get; }

    /// <summary>outputdatalength: at least as large as inputdatalength.</summary>
    public int OutputLength { get; }

    public override string ToString() => $"{GetType().Name}({Input.Length * 8} bits)";
}

/// <summary>ICARSAMODEXPO: input^b_key mod n_modulus; length(b_key) = length(n_modulus) = inputdatalength.</summary>
public sealed class ModExpoRequest(byte[] input, byte[] exponent, byte[] modulus, int outputLength) : ZcryptRequest(input, outputLength)
{
    public byte[] Exponent { get; } = exponent;

    public byte[] Modulus { get; } = modulus;
}

/// <summary>
/// ICARSACRT: the CRT form, p &gt; q. Field lengths (zcrypt.h): bp_key (dp), np_prime (p) and u_mult_inv (q^-1 mod p)
/// inputdatalength/2 + 8; bq_key (dq) and nq_prime (q) inputdatalength/2.
/// </summary>
public sealed class CrtRequest(byte[] input, byte[] bp, byte[] bq, byte[] np, byte[] nq, byte[] u, int outputLength) : ZcryptRequest(input, outputLength)
{
    public byte[] Bp { get; } = bp;

    public byte[] Bq { get; } = bq;

    public byte[] Np { get; } = np;

    public byte[] Nq { get; } = nq;

    public byte[] U { get; } = u;
}

/// <summary>Builds driver requests from RSA keys, as libica does for the ICA token: CRT with p &gt; q and the padded fields.</summary>
public static class ZcryptRequests
{
    /// <summary>
    /// The CRT request for <paramref name="input"/> (modulus length) under a private key. When the key has q &gt; p the
    /// primes and their exponents are exchanged and the coefficient recomputed, so that np_prime &gt; nq_prime.
    /// </summary>
    public static CrtRequest Crt(RSAParameters key, byte[] input)
    {
        var k = key.Modulus!.Length;
        if (input.Length != k) throw new ArgumentException("input must be as long as the modulus", nameof(input));
        if (k % 2 != 0) k++; // inputdatalength must be even: an odd-length modulus gets one more leading zero byte
        var p = Big(key.P!);
        var q = Big(key.Q!);
        var dp = Big(key.DP!);
        var dq = Big(key.DQ!);
        BigInteger u;
        if (p < q)
        {
            (p, q, dp, dq) = (q, p, dq, dp);
            u = BigInteger.ModPow(q, p - 2, p); // p is prime: q^-1 = q^(p-2) mod p
        }
        else
        {
            u = Big(key.InverseQ!);
        }

        var half = k / 2;
        return new CrtRequest(Pad(input, k), Field(dp, half + ZcryptAbi.CrtAdjustment), Field(dq, half), Field(p, half + ZcryptAbi.CrtAdjustment), Field(q, half),
            Field(u, half + ZcryptAbi.CrtAdjustment), k);
    }

    /// <summary>The mod-expo request input^exponent mod modulus, every field of the modulus's length.</summary>
    public static ModExpoRequest ModExpo(byte[] input, byte[] exponent, byte[] modulus)
    {
        var k = modulus.Length;
        return new ModExpoRequest(Pad(input, k), Pad(exponent, k), modulus, k);
    }

    internal static BigInteger Big(ReadOnlySpan<byte> v) => new(v, isUnsigned: true, isBigEndian: true);

    internal static byte[] Field(BigInteger v, int length)
    {
        var bytes = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (bytes.Length > length) throw new ArgumentException("value does not fit its field");
        return Pad(bytes, length);
    }

    private static byte[] Pad(byte[] v, int length)
    {
        if (v.Length == length) return v;
        if (v.Length > length) throw new ArgumentException("value does not fit its field");
        var r = new byte[length];
        v.CopyTo(r, length - v.Length);
        return r;
    }
}

/// <summary>
/// The driver's input rules, answered with the errno the kernel gives (EINVAL: the caller's bad input, never retried):
/// <list type="bullet">
/// <item>inputdatalength 0: EINVAL (zcrypt_msgtype50.c get_rsa_modex_fc / get_rsa_crt_fc);</item>
/// <item>outputdatalength &lt; inputdatalength: EINVAL (zcrypt_api.c zcrypt_rsa_modexpo / zcrypt_rsa_crt);</item>
/// <item>more than 512 bytes (4096 bits): EINVAL (zcrypt_msgtype50.c ICAMEX/ICACRT_msg_to_type50*_msg);</item>
/// <item>CRT: inputdatalength odd (zcrypt.h "inputdatalength is even"), a field of another length than zcrypt.h
/// gives: EINVAL (the kernel would copy the wrong bytes; here the lengths are checked);</item>
/// <item>mod-expo: b_key or n_modulus not inputdatalength long: EINVAL; an even modulus or an input not below it, and
/// CRT p &lt;= q or an input not below p·q: EINVAL (the card's operand checks, REP82_ERROR_OPERAND_INVALID and
/// REP82_ERROR_EVEN_MOD_IN_OPND, which zcrypt_error.h turns into EINVAL).</item>
/// </list>
/// </summary>
public static class ZcryptRules
{
    public static int Check(ZcryptRequest request)
    {
        var len = request.Input.Length;
        if (len == 0 || request.OutputLength < len || len > ZcryptAbi.MaxModulusBytes) return Errno.EINVAL;
        switch (request)
        {
            case ModExpoRequest m:
            {
                if (m.Exponent.Length != len || m.Modulus.Length != len) return Errno.EINVAL;
                var n = ZcryptRequests.Big(m.Modulus);
                if (n.IsEven || ZcryptRequests.Big(m.Input) >= n) return Errno.EINVAL;
                return Errno.Ok;
            }
            case CrtRequest c:
            {
                if (len % 2 != 0) return Errno.EINVAL;
                var half = len / 2;
                if (c.Bp.Length != half + ZcryptAbi.CrtAdjustment || c.Np.Length != half + ZcryptAbi.CrtAdjustment || c.U.Length != half + ZcryptAbi.CrtAdjustment
                    || c.Bq.Length != half || c.Nq.Length != half)
                    return Errno.EINVAL;
                var p = ZcryptRequests.Big(c.Np.AsSpan(ZcryptAbi.CrtAdjustment));
                var q = ZcryptRequests.Big(c.Nq);
                if (p <= q || q < 3 || p.IsEven || q.IsEven || ZcryptRequests.Big(c.Input) >= p * q) return Errno.EINVAL;
                return Errno.Ok;
            }
            default:
                return Errno.EINVAL;
        }
    }
}
