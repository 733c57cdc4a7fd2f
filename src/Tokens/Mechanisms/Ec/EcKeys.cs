using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Asn1.X9;

namespace OpenCryptokiActors.Tokens.Mechanisms.Ec;

/// <summary>Conversions between EC key objects and .NET ECParameters.</summary>
public static class EcKeys
{
    public static EcCurve CurveOf(AttributeSet key)
    {
        if (key.GetULong(CKA.KEY_TYPE) != CKK.EC) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "not an EC key");
        return EcCurves.FromParams(key.Get(CKA.EC_PARAMS) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC key without CKA_EC_PARAMS"));
    }

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

    /// <summary>Q = d·G on the curve.</summary>
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

    public static ECDsa ToEcdsa(AttributeSet key)
    {
        var p = ToParameters(key);
        try
        {
            return ECDsa.Create(p);
        }
        catch (CryptographicException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "EC key is invalid");
        }
    }

    public static ECDiffieHellman ToEcdh(AttributeSet key)
    {
        var p = ToParameters(key);
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
