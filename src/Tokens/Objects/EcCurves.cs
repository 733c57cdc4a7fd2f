using System.Formats.Asn1;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>A supported named curve: its OID, size and the DER form of CKA_EC_PARAMS.</summary>
public sealed record EcCurve(string Oid, string Name, int Bits, ECCurve Curve)
{
    /// <summary>Length in bytes of one coordinate / the private value.</summary>
    public int FieldBytes => (Bits + 7) / 8;

    /// <summary>CKA_EC_PARAMS as DER: namedCurve OBJECT IDENTIFIER.</summary>
    public byte[] EcParams
    {
        get
        {
            var w = new AsnWriter(AsnEncodingRules.DER);
            w.WriteObjectIdentifier(Oid);
            return w.Encode();
        }
    }
}

/// <summary>
/// CKA_EC_PARAMS and CKA_EC_POINT codecs. EC_PARAMS is a DER ECParameters: namedCurve OID, or (PKCS#11 3.0)
/// a PrintableString curve name. EC_POINT is a DER OCTET STRING holding the uncompressed point 04||X||Y;
/// a raw uncompressed point is accepted on input too.
/// </summary>
public static class EcCurves
{
    public static readonly EcCurve P192 = new("1.2.840.10045.3.1.1", "P-192", 192, ECCurve.CreateFromValue("1.2.840.10045.3.1.1"));
    public static readonly EcCurve P224 = new("1.3.132.0.33", "P-224", 224, ECCurve.CreateFromValue("1.3.132.0.33"));
    public static readonly EcCurve P256 = new("1.2.840.10045.3.1.7", "P-256", 256, ECCurve.NamedCurves.nistP256);
    public static readonly EcCurve P384 = new("1.3.132.0.34", "P-384", 384, ECCurve.NamedCurves.nistP384);
    public static readonly EcCurve P521 = new("1.3.132.0.35", "P-521", 521, ECCurve.NamedCurves.nistP521);
    public static readonly EcCurve Secp256k1 = new("1.3.132.0.10", "secp256k1", 256, ECCurve.CreateFromValue("1.3.132.0.10"));

    /// <summary>RFC 5639 brainpool curves: r1 (random) and t1 (twisted), 160..512 bits (OIDs 1.3.36.3.3.2.8.1.1.1 … .14).</summary>
    public static IReadOnlyList<EcCurve> Brainpool { get; } =
    [
        .. new[] { 160, 192, 224, 256, 320, 384, 512 }.SelectMany((bits, i) => new[]
        {
            new EcCurve($"1.3.36.3.3.2.8.1.1.{2 * i + 1}", $"brainpoolP{bits}r1", bits, ECCurve.CreateFromValue($"1.3.36.3.3.2.8.1.1.{2 * i + 1}")),
            new EcCurve($"1.3.36.3.3.2.8.1.1.{2 * i + 2}", $"brainpoolP{bits}t1", bits, ECCurve.CreateFromValue($"1.3.36.3.3.2.8.1.1.{2 * i + 2}")),
        }),
    ];

    public static IReadOnlyList<EcCurve> All { get; } = [P192, P224, P256, P384, P521, Secp256k1, .. Brainpool];

    /// <summary>The curve named by CKA_EC_PARAMS, or null when it is not one we support (or not DER).</summary>
    public static EcCurve? TryFromParams(ReadOnlySpan<byte> ecParams)
    {
        try
        {
            var r = new AsnReader(ecParams.ToArray(), AsnEncodingRules.DER);
            var tag = r.PeekTag();
            if (tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                var oid = r.ReadObjectIdentifier();
                if (r.HasData) return null;
                return All.FirstOrDefault(c => c.Oid == oid);
            }

            if (tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.PrintableString)))
            {
                var name = r.ReadCharacterString(UniversalTagNumber.PrintableString);
                if (r.HasData) return null;
                return FromName(name);
            }
        }
        catch (AsnContentException)
        {
        }

        return null;
    }

    /// <summary>The curve named by CKA_EC_PARAMS; CKR_CURVE_NOT_SUPPORTED otherwise (CKR_DOMAIN_PARAMS_INVALID for garbage).</summary>
    public static EcCurve FromParams(ReadOnlySpan<byte> ecParams)
    {
        var c = TryFromParams(ecParams);
        if (c is not null) return c;
        try
        {
            _ = new AsnReader(ecParams.ToArray(), AsnEncodingRules.BER).ReadEncodedValue();
        }
        catch (AsnContentException)
        {
            throw new CkException(CKR.DOMAIN_PARAMS_INVALID, "CKA_EC_PARAMS is not DER");
        }

        throw new CkException(CKR.CURVE_NOT_SUPPORTED);
    }

    public static EcCurve? FromOid(string? oid) => All.FirstOrDefault(c => c.Oid == oid);

    /// <summary>The curve of .NET ECParameters (named curve by OID value or friendly name).</summary>
    public static EcCurve? FromCurve(ECCurve curve)
    {
        var oid = curve.Oid;
        if (oid is null) return null;
        return FromOid(oid.Value) ?? (oid.FriendlyName is { } n ? FromName(n) : null);
    }

    /// <summary>The curve of an OpenSSL or NIST name (prime256v1, secp384r1, P-521, brainpoolP256r1 ...), or null.</summary>
    public static EcCurve? FromName(string name) => name.ToLowerInvariant() switch
    {
        "p-256" or "prime256v1" or "secp256r1" or "nistp256" => P256,
        "p-384" or "secp384r1" or "nistp384" => P384,
        "p-521" or "secp521r1" or "nistp521" => P521,
        "p-192" or "prime192v1" or "secp192r1" or "nistp192" => P192,
        "p-224" or "secp224r1" or "nistp224" => P224,
        "secp256k1" => Secp256k1,
        var n => Brainpool.FirstOrDefault(c => c.Name.Equals(n, StringComparison.OrdinalIgnoreCase)),
    };

    /// <summary>CKA_EC_POINT: DER OCTET STRING of 04||X||Y.</summary>
    public static byte[] EncodePoint(ECPoint q, EcCurve curve)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteOctetString(RawPoint(q, curve));
        return w.Encode();
    }

    public static byte[] RawPoint(ECPoint q, EcCurve curve)
    {
        var n = curve.FieldBytes;
        var raw = new byte[1 + 2 * n];
        raw[0] = 0x04;
        LeftPad(q.X!, n).CopyTo(raw, 1);
        LeftPad(q.Y!, n).CopyTo(raw, 1 + n);
        return raw;
    }

    /// <summary>Decodes CKA_EC_POINT or an ECDH public value: DER OCTET STRING or raw point, uncompressed (04) or compressed (02/03).</summary>
    public static ECPoint DecodePoint(ReadOnlySpan<byte> encoded, EcCurve curve, ulong rvOnError)
    {
        var n = curve.FieldBytes;
        var raw = encoded;
        if (!IsRawPoint(raw, n))
        {
            try
            {
                var r = new AsnReader(encoded.ToArray(), AsnEncodingRules.DER);
                raw = r.ReadOctetString();
                if (r.HasData) throw new CkException(rvOnError, "EC point has trailing data");
            }
            catch (AsnContentException)
            {
                throw new CkException(rvOnError, "EC point is neither DER nor an uncompressed point");
            }
        }

        if (!IsRawPoint(raw, n)) throw new CkException(rvOnError, "EC point has the wrong form or size");
        if (raw[0] == 0x04) return new ECPoint { X = raw.Slice(1, n).ToArray(), Y = raw.Slice(1 + n, n).ToArray() };
        // Compressed (SEC 1 §2.3.4): BouncyCastle recovers y.
        try
        {
            var x9 = Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetByOid(new Org.BouncyCastle.Asn1.DerObjectIdentifier(curve.Oid));
            var q = x9.Curve.DecodePoint(raw.ToArray()).Normalize();
            return new ECPoint { X = LeftPad(q.AffineXCoord.GetEncoded(), n), Y = LeftPad(q.AffineYCoord.GetEncoded(), n) };
        }
        catch (ArgumentException)
        {
            throw new CkException(rvOnError, "compressed EC point is not on the curve");
        }
    }

    /// <summary>SEC 1 §2.3.3 compressed form 02/03 || X.</summary>
    public static byte[] CompressPoint(ECPoint q, EcCurve curve)
    {
        var r = new byte[1 + curve.FieldBytes];
        r[0] = (byte)(0x02 | (q.Y![^1] & 1));
        LeftPad(q.X!, curve.FieldBytes).CopyTo(r, 1);
        return r;
    }

    private static bool IsRawPoint(ReadOnlySpan<byte> raw, int n) =>
        (raw.Length == 1 + 2 * n && raw[0] == 0x04) || (raw.Length == 1 + n && raw[0] is 0x02 or 0x03);

    internal static byte[] LeftPad(byte[] v, int n)
    {
        if (v.Length == n) return v;
        if (v.Length > n)
        {
            var skip = v.Length - n;
            for (var i = 0; i < skip; i++)
                if (v[i] != 0) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "EC value too long for the curve");
            return v[skip..];
        }

        var r = new byte[n];
        v.CopyTo(r, n - v.Length);
        return r;
    }
}
