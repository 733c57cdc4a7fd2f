using System.Numerics;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Mechanisms.Rsa;

/// <summary>Conversions between RSA key objects and .NET / BouncyCastle keys.</summary>
public static class RsaKeys
{
    /// <summary>The RSA parameters of a key object; private ones (with every CRT value, recovered when missing) when it is a private key.</summary>
    public static RSAParameters ToParameters(AttributeSet key)
    {
        if (key.GetULong(CKA.KEY_TYPE) != CKK.RSA) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "not an RSA key");
        var n = Trim(key.Get(CKA.MODULUS) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "RSA key without modulus"));
        var cls = key.GetULong(CKA.CLASS);
        var eBytes = key.Get(CKA.PUBLIC_EXPONENT) is { Length: > 0 } eb ? Trim(eb) : null;
        if (cls != CKO.PRIVATE_KEY)
        {
            if (eBytes is null) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "RSA public key without exponent");
            return new RSAParameters { Modulus = n, Exponent = eBytes };
        }

        var d = Trim(key.Get(CKA.PRIVATE_EXPONENT) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "RSA private key without exponent"));
        var N = ToBig(n);
        var D = ToBig(d);
        BigInteger P, Q, E;
        if (key.Get(CKA.PRIME_1) is { Length: > 0 } p1 && key.Get(CKA.PRIME_2) is { Length: > 0 } p2)
        {
            P = ToBig(p1);
            Q = ToBig(p2);
            E = eBytes is not null ? ToBig(eBytes) : ModInverse(D, (P - 1) * (Q - 1) / BigInteger.GreatestCommonDivisor(P - 1, Q - 1));
        }
        else
        {
            // Created from (n, d) only: recover the primes (SP 800-56B Appendix C), trying the usual exponents when e is absent.
            var candidates = eBytes is not null ? [ToBig(eBytes)] : new BigInteger[] { 65537, 3, 17 };
            (P, Q, E) = (0, 0, 0);
            foreach (var e in candidates)
            {
                if (RecoverPrimes(N, e, D) is { } pq)
                {
                    (P, Q, E) = (pq.P, pq.Q, e);
                    break;
                }
            }

            if (P.IsZero) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "RSA private key components are inconsistent");
        }

        if (P < Q) (P, Q) = (Q, P);
        var half = (n.Length + 1) / 2;
        return new RSAParameters
        {
            Modulus = n,
            Exponent = ToBytes(E),
            D = Pad(ToBytes(D), n.Length),
            P = Pad(ToBytes(P), half),
            Q = Pad(ToBytes(Q), half),
            DP = Pad(ToBytes(D % (P - 1)), half),
            DQ = Pad(ToBytes(D % (Q - 1)), half),
            InverseQ = Pad(ToBytes(ModInverse(Q, P)), half),
        };
    }

    /// <summary>A new .NET RSA of the key (the caller owns it). Mechanisms use <see cref="Prepare"/> instead.</summary>
    public static RSA ToRsa(AttributeSet key) => Import(Prepare(key).Parameters);

    /// <summary>The key as BouncyCastle parameters (CRT form for private keys), made once per key instance.</summary>
    public static RsaKeyParameters ToBouncy(AttributeSet key) => Prepare(key).Bouncy;

    /// <summary>The crypto objects of this key instance, prepared on first use and shared by every session using it.</summary>
    public static PreparedRsa Prepare(AttributeSet key) => key.Prepared(PreparedRsa.Slot, k => new PreparedRsa(ToParameters(k)));

    internal static RSA Import(RSAParameters p)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(p);
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "RSA key components are invalid");
        }

        return rsa;
    }

    internal static RsaKeyParameters ToBouncy(RSAParameters p)
    {
        if (p.D is null) return new RsaKeyParameters(false, Bc(p.Modulus!), Bc(p.Exponent!));
        return new RsaPrivateCrtKeyParameters(Bc(p.Modulus!), Bc(p.Exponent!), Bc(p.D), Bc(p.P!), Bc(p.Q!), Bc(p.DP!), Bc(p.DQ!), Bc(p.InverseQ!));
    }

    /// <summary>Modulus length in bytes.</summary>
    public static int ModulusBytes(AttributeSet key) => (ObjectTypes.BitLength(key.Get(CKA.MODULUS) ?? []) + 7) / 8;

    /// <summary>Attributes of an RSA private key from its parameters (big-endian integers without leading zeros).</summary>
    public static AttributeSet PrivateAttributes(RSAParameters p)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.PRIVATE_KEY);
        a.SetULong(CKA.KEY_TYPE, CKK.RSA);
        a.Set(CKA.MODULUS, Trim(p.Modulus!));
        a.Set(CKA.PUBLIC_EXPONENT, Trim(p.Exponent!));
        a.Set(CKA.PRIVATE_EXPONENT, Trim(p.D!));
        a.Set(CKA.PRIME_1, Trim(p.P!));
        a.Set(CKA.PRIME_2, Trim(p.Q!));
        a.Set(CKA.EXPONENT_1, Trim(p.DP!));
        a.Set(CKA.EXPONENT_2, Trim(p.DQ!));
        a.Set(CKA.COEFFICIENT, Trim(p.InverseQ!));
        return a;
    }

    private static (BigInteger P, BigInteger Q)? RecoverPrimes(BigInteger n, BigInteger e, BigInteger d)
    {
        var k = d * e - 1;
        if (k.Sign <= 0 || !k.IsEven) return null;
        var t = 0;
        var r = k;
        while (r.IsEven)
        {
            r >>= 1;
            t++;
        }

        for (var g = 2; g < 200; g++)
        {
            var y = BigInteger.ModPow(g, r, n);
            if (y.IsOne || y == n - 1) continue;
            for (var i = 1; i <= t; i++)
            {
                var x = BigInteger.ModPow(y, 2, n);
                if (x.IsOne)
                {
                    var p = BigInteger.GreatestCommonDivisor(y - 1, n);
                    if (p > 1 && p < n) return (p, n / p);
                    return null;
                }

                if (x == n - 1) break;
                y = x;
            }
        }

        return null;
    }

    internal static BigInteger ModInverse(BigInteger a, BigInteger m)
    {
        BigInteger g = m, x = 0, x1 = 1, a1 = ((a % m) + m) % m;
        while (!a1.IsZero)
        {
            var q = g / a1;
            (g, a1) = (a1, g - q * a1);
            (x, x1) = (x1, x - q * x1);
        }

        return ((x % m) + m) % m;
    }

    internal static BigInteger ToBig(ReadOnlySpan<byte> bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    internal static byte[] ToBytes(BigInteger v) => v.IsZero ? [0] : v.ToByteArray(isUnsigned: true, isBigEndian: true);

    internal static BcBigInteger Bc(byte[] unsignedBigEndian) => new(1, unsignedBigEndian);

    /// <summary>Removes leading zero bytes (keeps one byte for zero).</summary>
    public static byte[] Trim(byte[] v)
    {
        var i = 0;
        while (i < v.Length - 1 && v[i] == 0) i++;
        return i == 0 ? v : v[i..];
    }

    /// <summary>Left-pads with zeros to <paramref name="length"/> bytes (values longer are returned as is).</summary>
    public static byte[] Pad(byte[] v, int length)
    {
        if (v.Length >= length) return v;
        var r = new byte[length];
        v.CopyTo(r, length - v.Length);
        return r;
    }
}

/// <summary>
/// An RSA key ready for use: its parameters (CRT values recovered once), a pool of imported .NET keys and, made on first
/// use, the BouncyCastle key parameters (immutable, shared) for what .NET lacks (raw RSA, v1.5 of arbitrary data, OAEP
/// labels, PSS salt lengths). Lives in the key instance's prepared slot.
/// </summary>
public sealed class PreparedRsa : IDisposable
{
    internal static readonly object Slot = new();

    private readonly Pool<RSA> _net;
    private readonly Lazy<RsaKeyParameters> _bouncy;

    internal PreparedRsa(RSAParameters parameters)
    {
        Parameters = parameters;
        ModulusBytes = (ObjectTypes.BitLength(parameters.Modulus!) + 7) / 8;
        _net = new Pool<RSA>(() => RsaKeys.Import(Parameters));
        _bouncy = new Lazy<RsaKeyParameters>(() => RsaKeys.ToBouncy(Parameters), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public RSAParameters Parameters { get; }

    public int ModulusBytes { get; }

    public bool IsPrivate => Parameters.D is not null;

    public RsaKeyParameters Bouncy => _bouncy.Value;

    /// <summary>Runs <paramref name="action"/> on an imported .NET RSA of the key, owned by this call only.</summary>
    public TResult Net<TArg, TResult>(TArg arg, Func<RSA, TArg, TResult> action) => _net.Use(arg, action);

    public void Dispose() => _net.Dispose();
}
