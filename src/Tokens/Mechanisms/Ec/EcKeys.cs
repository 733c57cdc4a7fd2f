using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Asn1.X9;

namespace OpenCryptokiActors.Tokens.Mechanisms.Ec;

/// <summary>Conversions between EC key objects and .NET ECParameters.</summary>
public static class EcKeys
{
    private static readonly object CurveSlot = new();

    /// <summary>The curve of an EC key, looked up once per key instance.</summary>
    public static EcCurve CurveOf(AttributeSet key)
    {
        if (key.GetULong(CKA.KEY_TYPE) != CKK.EC) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "not an EC key");
        return key.Prepared(CurveSlot, static k =>
            EcCurves.FromParams(k.Get(CKA.EC_PARAMS) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC key without CKA_EC_PARAMS")));
    }

    /// <summary>The crypto objects of this key instance (public point computed once, pooled .NET keys), shared by every session using it.</summary>
    public static PreparedEc Prepare(AttributeSet key) => key.Prepared(PreparedEc.Slot, static k => new PreparedEc(CurveOf(k), ToParameters(k)));

    /// <summary>ECParameters of a key object: Q for public keys; D and Q (computed when needed) for private keys.</summary>
    public static ECParameters ToParameters(AttributeSet key)
    {
        var curve = CurveOf(key);
        if (key.GetULong(CKA.CLASS) == CKO.PRIVATE_KEY)
        {
            var d = EcCurves.LeftPad(key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC private key without value"), curve.FieldBytes);
            return new ECParameters { Curve = curve.Curve, D = d, Q = PublicPoint(curve, d) };
        }

        var q = EcCurves.DecodePoint(key.Get(CKA.EC_POINT) ?? [], curve, CKR.KEY_TYPE_INCONSISTENT);
        return new ECParameters { Curve = curve.Curve, Q = q };
    }

    /// <summary>Q = d·G on the curve (computed once per key by <see cref="Prepare"/>).</summary>
    public static ECPoint PublicPoint(EcCurve curve, byte[] d)
    {
        var x9 = ECNamedCurveTable.GetByOid(new Org.BouncyCastle.Asn1.DerObjectIdentifier(curve.Oid));
        var k = new Org.BouncyCastle.Math.BigInteger(1, d);
        if (k.SignValue == 0 || k.CompareTo(x9.N) >= 0) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC private value out of range");
        var q = x9.G.Multiply(k).Normalize();
        return new ECPoint
        {
            X = q.AffineXCoord.GetEncoded(),
            Y = q.AffineYCoord.GetEncoded(),
        };
    }

    /// <summary>A new ECDsa of the key (the caller owns it). Mechanisms use <see cref="Prepare"/> instead.</summary>
    public static ECDsa ToEcdsa(AttributeSet key) => CreateEcdsa(Prepare(key).Parameters);

    internal static ECDsa CreateEcdsa(ECParameters p)
    {
        try
        {
            return ECDsa.Create(p);
        }
        catch (CryptographicException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC key is invalid");
        }
    }

    /// <summary>A new ECDiffieHellman of the key (the caller owns it). Mechanisms use <see cref="Prepare"/> instead.</summary>
    public static ECDiffieHellman ToEcdh(AttributeSet key) => CreateEcdh(Prepare(key).Parameters);

    internal static ECDiffieHellman CreateEcdh(ECParameters p)
    {
        try
        {
            return ECDiffieHellman.Create(p);
        }
        catch (CryptographicException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC key is invalid");
        }
    }
}

/// <summary>An EC key ready for use: curve, parameters with the public point, and pools of imported .NET keys.</summary>
public sealed class PreparedEc : IDisposable
{
    internal static readonly object Slot = new();

    private readonly Pool<ECDsa> _ecdsa;
    private readonly Pool<ECDiffieHellman> _ecdh;

    internal PreparedEc(EcCurve curve, ECParameters parameters)
    {
        Curve = curve;
        Parameters = parameters;
        _ecdsa = new Pool<ECDsa>(() => EcKeys.CreateEcdsa(Parameters));
        _ecdh = new Pool<ECDiffieHellman>(() => EcKeys.CreateEcdh(Parameters));
    }

    public EcCurve Curve { get; }

    public ECParameters Parameters { get; }

    /// <summary>Runs <paramref name="action"/> on an ECDsa of the key, owned by this call only.</summary>
    public TResult Ecdsa<TArg, TResult>(TArg arg, Func<ECDsa, TArg, TResult> action) => _ecdsa.Use(arg, action);

    /// <summary>Runs <paramref name="action"/> on an ECDiffieHellman of the key, owned by this call only.</summary>
    public TResult Ecdh<TArg, TResult>(TArg arg, Func<ECDiffieHellman, TArg, TResult> action) => _ecdh.Use(arg, action);

    public void Dispose()
    {
        _ecdsa.Dispose();
        _ecdh.Dispose();
    }
}
