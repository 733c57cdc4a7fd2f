using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using static OpenCryptokiActors.Cli.Core.Attrs;
using V3 = OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>A key read from a file, as the attributes of the PKCS#11 object that holds it.</summary>
public sealed record KeyMaterial(CKO Class, CKK Type, List<IObjectAttribute> Attributes, string Format);

/// <summary>
/// Key files ↔ PKCS#11 attributes, with .NET's parsers and writers (System.Security.Cryptography,
/// System.Formats.Asn1): PEM or DER; PKCS#8 (encrypted too), PKCS#1, SEC1, SPKI; RSA and EC (P-256/384/521); and with
/// BouncyCastle's factories the PKCS#8 and SPKI of Ed25519, Ed448, X25519, X448, DSA and DH.
/// </summary>
public static class KeyCodec
{
    /// <summary>Reads a key file. <paramref name="password"/> is asked only for an encrypted PKCS#8 key.</summary>
    public static KeyMaterial Read(byte[] file, Func<string> password)
    {
        var (label, der) = Unpem(file);
        var tries = label switch
        {
            "PRIVATE KEY" => new[] { Pkcs8Rsa, Pkcs8Ec, Pkcs8Other },
            "ENCRYPTED PRIVATE KEY" => [d => EncryptedPkcs8(d, password())],
            "RSA PRIVATE KEY" => [Pkcs1Private],
            "EC PRIVATE KEY" => [Sec1],
            "PUBLIC KEY" => [SpkiRsa, SpkiEc, SpkiOther],
            "RSA PUBLIC KEY" => [Pkcs1Public],
            null => [Pkcs8Rsa, Pkcs8Ec, Pkcs8Other, Pkcs1Private, Sec1, SpkiRsa, SpkiEc, SpkiOther, Pkcs1Public],
            _ => throw new UsageException($"PEM '{label}' is not a key this tool reads (PRIVATE KEY, ENCRYPTED PRIVATE KEY, " +
                                          "RSA PRIVATE KEY, EC PRIVATE KEY, PUBLIC KEY, RSA PUBLIC KEY)"),
        };
        foreach (var t in tries)
        {
            try
            {
                return t(der);
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException || NotBouncyCastleKey(e))
            {
            }
        }
        if (label == null && LooksEncrypted(der))
            return EncryptedPkcs8(der, password());
        throw new UsageException(label == null
            ? "not a DER key this tool reads (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1 or SPKI; " + Supported + ")"
            : $"cannot read the {label}: unsupported algorithm or curve ({Supported} are supported)");
    }

    private const string Supported = "RSA, EC P-256/384/521, Ed25519, Ed448, X25519, X448, DSA, DH";

    /// <summary>What BouncyCastle throws for bytes that are not a key it knows.</summary>
    private static bool NotBouncyCastleKey(Exception e) =>
        e is ArgumentException or InvalidOperationException or InvalidCastException or IOException or SecurityUtilityException
            or CryptoException;

    /// <summary>An EncryptedPrivateKeyInfo starts SEQUENCE { SEQUENCE (AlgorithmIdentifier) ...; a plain key does not parse as any other.</summary>
    private static bool LooksEncrypted(byte[] der) => der.Length > 2 && der[0] == 0x30;

    /// <summary>PEM → (label, DER); anything else is taken as DER.</summary>
    public static (string? Label, byte[] Der) Unpem(byte[] file)
    {
        var text = Encoding.ASCII.GetString(file);
        if (!text.Contains("-----BEGIN ", StringComparison.Ordinal)) return (null, file);
        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
            throw new UsageException("legacy OpenSSL-encrypted PEM is not supported: convert it with `openssl pkcs8 -topk8`");
        if (!PemEncoding.TryFind(text, out var fields)) throw new UsageException("malformed PEM");
        return (text[fields.Label], Convert.FromBase64String(text[fields.Base64Data]));
    }

    private static KeyMaterial Pkcs8Rsa(byte[] der) => Rsa(r => r.ImportPkcs8PrivateKey(der, out _), "PKCS#8");
    private static KeyMaterial Pkcs1Private(byte[] der) => Rsa(r => r.ImportRSAPrivateKey(der, out _), "PKCS#1");
    private static KeyMaterial SpkiRsa(byte[] der) => Rsa(r => r.ImportSubjectPublicKeyInfo(der, out _), "SPKI");
    private static KeyMaterial Pkcs1Public(byte[] der) => Rsa(r => r.ImportRSAPublicKey(der, out _), "PKCS#1");
    private static KeyMaterial Pkcs8Ec(byte[] der) => Ec(e => e.ImportPkcs8PrivateKey(der, out _), "PKCS#8");
    private static KeyMaterial Sec1(byte[] der) => Ec(e => e.ImportECPrivateKey(der, out _), "SEC1");
    private static KeyMaterial SpkiEc(byte[] der) => Ec(e => e.ImportSubjectPublicKeyInfo(der, out _), "SPKI");

    private static KeyMaterial Pkcs8Other(byte[] der) => Other(PrivateKeyFactory.CreateKey(der), "PKCS#8");
    private static KeyMaterial SpkiOther(byte[] der) => Other(PublicKeyFactory.CreateKey(der), "SPKI");

    private static KeyMaterial EncryptedPkcs8(byte[] der, string password)
    {
        foreach (var t in new Func<KeyMaterial>[]
                 {
                     () => Rsa(r => r.ImportEncryptedPkcs8PrivateKey(password, der, out _), "encrypted PKCS#8"),
                     () => Ec(e => e.ImportEncryptedPkcs8PrivateKey(password, der, out _), "encrypted PKCS#8"),
                     () => Other(PrivateKeyFactory.CreateKey(PrivateKeyInfoFactory.CreatePrivateKeyInfo(password.ToCharArray(),
                         EncryptedPrivateKeyInfo.GetInstance(der))), "encrypted PKCS#8"),
                 })
        {
            try
            {
                return t();
            }
            catch (Exception e) when (e is CryptographicException || NotBouncyCastleKey(e))
            {
            }
        }
        throw new UsageException($"cannot decrypt the PKCS#8 key: wrong password, or not a key this tool reads ({Supported})");
    }

    private static KeyMaterial Rsa(Action<RSA> import, string format)
    {
        using var rsa = RSA.Create();
        import(rsa);
        RSAParameters p;
        try
        {
            p = rsa.ExportParameters(true);
        }
        catch (CryptographicException)
        {
            p = rsa.ExportParameters(false);
        }
        if (p.D == null)
            return new(CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, [A(CKA.CKA_MODULUS, p.Modulus!), A(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!)], format);
        return new(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA,
        [
            A(CKA.CKA_MODULUS, p.Modulus!), A(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!), A(CKA.CKA_PRIVATE_EXPONENT, p.D),
            A(CKA.CKA_PRIME_1, p.P!), A(CKA.CKA_PRIME_2, p.Q!), A(CKA.CKA_EXPONENT_1, p.DP!), A(CKA.CKA_EXPONENT_2, p.DQ!),
            A(CKA.CKA_COEFFICIENT, p.InverseQ!),
        ], format);
    }

    private static KeyMaterial Ec(Action<ECDsa> import, string format)
    {
        using var ec = ECDsa.Create();
        import(ec);
        ECParameters p;
        try
        {
            p = ec.ExportParameters(true);
        }
        catch (CryptographicException)
        {
            p = ec.ExportParameters(false);
        }
        var curve = CurveOf(p.Curve);
        if (p.D == null)
            return new(CKO.CKO_PUBLIC_KEY, CKK.CKK_EC, [A(CKA.CKA_EC_PARAMS, curve.EcParams), A(CKA.CKA_EC_POINT, EcPoint(p.Q))], format);
        return new(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC, [A(CKA.CKA_EC_PARAMS, curve.EcParams), A(CKA.CKA_VALUE, p.D)], format);
    }

    /// <summary>Ed25519, Ed448, X25519, X448, DSA and DH keys as BouncyCastle read them: the PKCS#11 attributes of their objects.</summary>
    private static KeyMaterial Other(AsymmetricKeyParameter key, string format)
    {
        static byte[] U(BigInteger b) => b.ToByteArrayUnsigned();
        KeyMaterial Cfrg(string curve, byte[] value)
        {
            var c = CfrgCurve.Parse(curve);
            byte[] v = value;
            if (!key.IsPrivate)
            {
                var w = new AsnWriter(AsnEncodingRules.DER);
                w.WriteOctetString(value);
                v = w.Encode();
            }
            return new(key.IsPrivate ? CKO.CKO_PRIVATE_KEY : CKO.CKO_PUBLIC_KEY, (CKK)c.KeyType,
                [A(CKA.CKA_EC_PARAMS, c.EcParams), A(key.IsPrivate ? CKA.CKA_VALUE : CKA.CKA_EC_POINT, v)], format);
        }
        return key switch
        {
            Ed25519PrivateKeyParameters k => Cfrg("ed25519", k.GetEncoded()),
            Ed25519PublicKeyParameters k => Cfrg("ed25519", k.GetEncoded()),
            Ed448PrivateKeyParameters k => Cfrg("ed448", k.GetEncoded()),
            Ed448PublicKeyParameters k => Cfrg("ed448", k.GetEncoded()),
            X25519PrivateKeyParameters k => Cfrg("x25519", k.GetEncoded()),
            X25519PublicKeyParameters k => Cfrg("x25519", k.GetEncoded()),
            X448PrivateKeyParameters k => Cfrg("x448", k.GetEncoded()),
            X448PublicKeyParameters k => Cfrg("x448", k.GetEncoded()),
            DsaPrivateKeyParameters k => new(CKO.CKO_PRIVATE_KEY, CKK.CKK_DSA,
                [A(CKA.CKA_PRIME, U(k.Parameters.P)), A(CKA.CKA_SUBPRIME, U(k.Parameters.Q)), A(CKA.CKA_BASE, U(k.Parameters.G)), A(CKA.CKA_VALUE, U(k.X))], format),
            DsaPublicKeyParameters k => new(CKO.CKO_PUBLIC_KEY, CKK.CKK_DSA,
                [A(CKA.CKA_PRIME, U(k.Parameters.P)), A(CKA.CKA_SUBPRIME, U(k.Parameters.Q)), A(CKA.CKA_BASE, U(k.Parameters.G)), A(CKA.CKA_VALUE, U(k.Y))], format),
            DHPrivateKeyParameters k => new(CKO.CKO_PRIVATE_KEY, CKK.CKK_DH,
                [A(CKA.CKA_PRIME, U(k.Parameters.P)), A(CKA.CKA_BASE, U(k.Parameters.G)), A(CKA.CKA_VALUE, U(k.X))], format),
            DHPublicKeyParameters k => new(CKO.CKO_PUBLIC_KEY, CKK.CKK_DH,
                [A(CKA.CKA_PRIME, U(k.Parameters.P)), A(CKA.CKA_BASE, U(k.Parameters.G)), A(CKA.CKA_VALUE, U(k.Y))], format),
            _ => throw new UsageException($"{(key.IsPrivate ? "private" : "public")} key type not supported ({Supported})"),
        };
    }

    private static Curve CurveOf(ECCurve c)
    {
        var oid = c.Oid?.Value ?? (c.Oid?.FriendlyName is { } n ? Oid.FromFriendlyName(n, OidGroup.All).Value : null);
        return Curve.All.FirstOrDefault(x => x.Oid == oid)
               ?? throw new UsageException($"EC curve {c.Oid?.FriendlyName ?? oid ?? "(explicit)"} is not supported (P-256, P-384, P-521)");
    }

    /// <summary>CKA_EC_POINT: the uncompressed point in a DER OCTET STRING.</summary>
    public static byte[] EcPoint(ECPoint q)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteOctetString([0x04, .. q.X!, .. q.Y!]);
        return w.Encode();
    }

    private static ECPoint ParseEcPoint(byte[] value, Curve curve)
    {
        var size = (curve.Bits + 7) / 8;
        var raw = value.Length == 1 + 2 * size && value[0] == 0x04
            ? value
            : new AsnReader(value, AsnEncodingRules.DER).ReadOctetString();
        if (raw.Length != 1 + 2 * size || raw[0] != 0x04) throw new UsageException("CKA_EC_POINT is not an uncompressed point");
        return new ECPoint { X = raw[1..(1 + size)], Y = raw[(1 + size)..] };
    }

    private static byte[] Pad(byte[] b, int length) => b.Length >= length ? b[^length..] : [.. new byte[length - b.Length], .. b];

    /// <summary>The public key of an RSA or EC key object (public, or private with its public attributes) as SPKI DER.</summary>
    public static byte[] PublicKeySpki(ISession s, IObjectHandle h, CKK type, byte[]? ecPointFallback = null)
    {
        if (type == CKK.CKK_RSA)
        {
            var v = s.GetAttributeValue(h, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT]);
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = v[0].GetValueAsByteArray(), Exponent = v[1].GetValueAsByteArray() });
            return rsa.ExportSubjectPublicKeyInfo();
        }
        if (type == CKK.CKK_EC)
        {
            var v = s.GetAttributeValue(h, [CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT]);
            var curve = Curve.FromParams(v[0].GetValueAsByteArray()) ?? throw new UsageException("unsupported EC curve");
            var point = v[1].CannotBeRead ? ecPointFallback : v[1].GetValueAsByteArray();
            if (point == null) throw new UsageException("the key has no readable CKA_EC_POINT");
            using var ec = ECDsa.Create();
            ec.ImportParameters(new ECParameters { Curve = ECCurve.CreateFromValue(curve.Oid), Q = ParseEcPoint(point, curve) });
            return ec.ExportSubjectPublicKeyInfo();
        }
        if (OtherPublicKey(s, h, (ulong)type) is { } key)
            return SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key).GetEncoded();
        throw new UsageException($"exporting {KeyTypeName((ulong)type)} public keys is not supported");
    }

    /// <summary>
    /// The public keys .NET has no class for, as BouncyCastle parameters (which write their SPKI): Ed25519, Ed448, X25519,
    /// X448 (RFC 8410), DSA, DH, ML-DSA, ML-KEM and SLH-DSA. Null for other key types.
    /// </summary>
    private static AsymmetricKeyParameter? OtherPublicKey(ISession s, IObjectHandle h, ulong type)
    {
        BigInteger Big(IObjectAttribute a) => new(1, a.GetValueAsByteArray());
        switch (type)
        {
            case V3.CKK.EC_EDWARDS or V3.CKK.EC_MONTGOMERY:
            {
                var v = s.GetAttributeValue(h, [CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT]);
                var curve = CfrgCurve.FromParams(v[0].GetValueAsByteArray()) ?? throw new UsageException("unsupported Edwards/Montgomery curve");
                if (v[1].CannotBeRead) throw new UsageException("the key has no readable CKA_EC_POINT");
                var point = v[1].GetValueAsByteArray();
                var raw = point.Length == curve.PublicLength ? point : new AsnReader(point, AsnEncodingRules.DER).ReadOctetString();
                return curve.Name switch
                {
                    "ed25519" => new Ed25519PublicKeyParameters(raw),
                    "ed448" => new Ed448PublicKeyParameters(raw),
                    "x25519" => new X25519PublicKeyParameters(raw),
                    _ => new X448PublicKeyParameters(raw),
                };
            }
            case (ulong)CKK.CKK_DSA:
            {
                var v = s.GetAttributeValue(h, [CKA.CKA_PRIME, CKA.CKA_SUBPRIME, CKA.CKA_BASE, CKA.CKA_VALUE]);
                return new DsaPublicKeyParameters(Big(v[3]), new DsaParameters(Big(v[0]), Big(v[1]), Big(v[2])));
            }
            case (ulong)CKK.CKK_DH:
            {
                var v = s.GetAttributeValue(h, [CKA.CKA_PRIME, CKA.CKA_BASE, CKA.CKA_VALUE]);
                return new DHPublicKeyParameters(Big(v[2]), new DHParameters(Big(v[0]), Big(v[1])));
            }
            case V3.CKK.ML_DSA or V3.CKK.ML_KEM or V3.CKK.SLH_DSA:
            {
                var v = s.GetAttributeValue(h, [(CKA)V3.CKA.PARAMETER_SET, CKA.CKA_VALUE]);
                var name = KeyGen.ParameterSetName(type, v[0].GetValueAsUlong());
                var value = v[1].GetValueAsByteArray();
                return name switch
                {
                    "ml-dsa-44" => MLDsaPublicKeyParameters.FromEncoding(MLDsaParameters.ml_dsa_44, value),
                    "ml-dsa-65" => MLDsaPublicKeyParameters.FromEncoding(MLDsaParameters.ml_dsa_65, value),
                    "ml-dsa-87" => MLDsaPublicKeyParameters.FromEncoding(MLDsaParameters.ml_dsa_87, value),
                    "ml-kem-512" => MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_512, value),
                    "ml-kem-768" => MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, value),
                    "ml-kem-1024" => MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_1024, value),
                    "slh-dsa-sha2-128s" => SlhDsaPublicKeyParameters.FromEncoding(SlhDsaParameters.slh_dsa_sha2_128s, value),
                    "slh-dsa-sha2-128f" => SlhDsaPublicKeyParameters.FromEncoding(SlhDsaParameters.slh_dsa_sha2_128f, value),
                    "slh-dsa-shake-128s" => SlhDsaPublicKeyParameters.FromEncoding(SlhDsaParameters.slh_dsa_shake_128s, value),
                    "slh-dsa-shake-128f" => SlhDsaPublicKeyParameters.FromEncoding(SlhDsaParameters.slh_dsa_shake_128f, value),
                    _ => throw new UsageException($"exporting {name} public keys is not supported"),
                };
            }
            default:
                return null;
        }
    }

    /// <summary>The attributes of a public key object built from SPKI DER (for extract-pubkey).</summary>
    public static KeyMaterial FromSpki(byte[] spki) => Read(spki, () => throw new UsageException("unexpected encrypted key"));

    /// <summary>A private key object (extractable, not sensitive) as password-protected PKCS#8 PEM.</summary>
    public static string PrivateKeyPkcs8Pem(ISession s, IObjectHandle h, CKK type, string password)
    {
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000);
        if (type == CKK.CKK_RSA)
        {
            var v = s.GetAttributeValue(h, [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1,
                CKA.CKA_PRIME_2, CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT]);
            if (v.Any(a => a.CannotBeRead)) throw new UsageException("the token does not reveal the private key's components");
            var n = v[0].GetValueAsByteArray();
            var half = (n.Length + 1) / 2;
            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters
            {
                Modulus = n, Exponent = v[1].GetValueAsByteArray(), D = Pad(v[2].GetValueAsByteArray(), n.Length),
                P = Pad(v[3].GetValueAsByteArray(), half), Q = Pad(v[4].GetValueAsByteArray(), half),
                DP = Pad(v[5].GetValueAsByteArray(), half), DQ = Pad(v[6].GetValueAsByteArray(), half),
                InverseQ = Pad(v[7].GetValueAsByteArray(), half),
            });
            return rsa.ExportEncryptedPkcs8PrivateKeyPem(password, pbe);
        }
        if (type == CKK.CKK_EC)
        {
            var v = s.GetAttributeValue(h, [CKA.CKA_EC_PARAMS, CKA.CKA_VALUE]);
            if (v[1].CannotBeRead) throw new UsageException("the token does not reveal the private key's value");
            var curve = Curve.FromParams(v[0].GetValueAsByteArray()) ?? throw new UsageException("unsupported EC curve");
            using var ec = ECDsa.Create();
            ec.ImportParameters(new ECParameters
            {
                Curve = ECCurve.CreateFromValue(curve.Oid), D = Pad(v[1].GetValueAsByteArray(), (curve.Bits + 7) / 8),
            });
            return ec.ExportEncryptedPkcs8PrivateKeyPem(password, pbe);
        }
        if (OtherPrivateKey(s, h, (ulong)type) is { } key)
        {
            // Version 1 without the RFC 5958 publicKey field BouncyCastle adds for Edwards/Montgomery keys: OpenSSL 3.0 rejects it.
            var plain = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key);
            var info = EncryptedPrivateKeyInfoFactory.CreateEncryptedPrivateKeyInfo(NistObjectIdentifiers.IdAes256Cbc,
                PkcsObjectIdentifiers.IdHmacWithSha256, password.ToCharArray(), RandomNumberGenerator.GetBytes(16), pbe.IterationCount,
                new SecureRandom(), new PrivateKeyInfo(plain.PrivateKeyAlgorithm, plain.ParsePrivateKey()));
            return Pem("ENCRYPTED PRIVATE KEY", info.GetEncoded()).TrimEnd('\n');
        }
        throw new UsageException($"exporting {KeyTypeName((ulong)type)} private keys is not supported (RSA, EC, Ed25519, Ed448, X25519, X448, DSA, DH)");
    }

    /// <summary>The private keys .NET has no class for, as BouncyCastle parameters: Ed25519, Ed448, X25519, X448, DSA, DH. Null for other types.</summary>
    private static AsymmetricKeyParameter? OtherPrivateKey(ISession s, IObjectHandle h, ulong type)
    {
        BigInteger Big(IObjectAttribute a) => new(1, a.GetValueAsByteArray());
        List<IObjectAttribute> Read(params CKA[] attributes)
        {
            var v = s.GetAttributeValue(h, [.. attributes]);
            if (v.Any(a => a.CannotBeRead)) throw new UsageException("the token does not reveal the private key's value");
            return v;
        }
        switch (type)
        {
            case V3.CKK.EC_EDWARDS or V3.CKK.EC_MONTGOMERY:
            {
                var v = Read(CKA.CKA_EC_PARAMS, CKA.CKA_VALUE);
                var curve = CfrgCurve.FromParams(v[0].GetValueAsByteArray()) ?? throw new UsageException("unsupported Edwards/Montgomery curve");
                var raw = v[1].GetValueAsByteArray();
                return curve.Name switch
                {
                    "ed25519" => new Ed25519PrivateKeyParameters(raw),
                    "ed448" => new Ed448PrivateKeyParameters(raw),
                    "x25519" => new X25519PrivateKeyParameters(raw),
                    _ => new X448PrivateKeyParameters(raw),
                };
            }
            case (ulong)CKK.CKK_DSA:
            {
                var v = Read(CKA.CKA_PRIME, CKA.CKA_SUBPRIME, CKA.CKA_BASE, CKA.CKA_VALUE);
                return new DsaPrivateKeyParameters(Big(v[3]), new DsaParameters(Big(v[0]), Big(v[1]), Big(v[2])));
            }
            case (ulong)CKK.CKK_DH:
            {
                var v = Read(CKA.CKA_PRIME, CKA.CKA_BASE, CKA.CKA_VALUE);
                return new DHPrivateKeyParameters(Big(v[2]), new DHParameters(Big(v[0]), Big(v[1])));
            }
            default:
                return null;
        }
    }

    public static string Pem(string label, byte[] der) => new string(PemEncoding.Write(label, der)) + "\n";
}
