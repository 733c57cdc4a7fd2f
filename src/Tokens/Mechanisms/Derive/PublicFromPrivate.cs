using System.Formats.Asn1;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Mechanisms.Pqc;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;

namespace OpenCryptokiActors.Tokens.Mechanisms.Derive;

/// <summary>
/// CKM_PUB_KEY_FROM_PRIV_KEY (PKCS#11 3.2, "Public key from private key"): C_DeriveKey of the public key object matching
/// a private key, no parameter. The key material is computed from the private key (RSA: modulus and public exponent; EC:
/// Q = d·G; Edwards/Montgomery: RFC 8032/7748; DSA and DH: y = g^x mod p; ML-DSA, ML-KEM, SLH-DSA: FIPS 204/203/205 public
/// key of the private encoding); where the caller's template leaves them out, the usage attributes follow the private key's
/// (CKA_ENCRYPT ← CKA_DECRYPT, CKA_VERIFY ← CKA_SIGN, CKA_VERIFY_RECOVER ← CKA_SIGN_RECOVER, CKA_WRAP ← CKA_UNWRAP,
/// CKA_DERIVE ← CKA_DERIVE) and CKA_ID, CKA_START_DATE, CKA_END_DATE, CKA_SUBJECT, CKA_ALLOWED_MECHANISMS are copied.
/// </summary>
public sealed class PublicFromPrivate : IMechanism
{
    private static readonly PublicFromPrivate Instance = new();

    private static readonly (ulong Public, ulong Private)[] Usage =
    [
        (CKA.ENCRYPT, CKA.DECRYPT), (CKA.VERIFY, CKA.SIGN), (CKA.VERIFY_RECOVER, CKA.SIGN_RECOVER), (CKA.WRAP, CKA.UNWRAP), (CKA.DERIVE, CKA.DERIVE),
    ];

    private static readonly ulong[] Copied = [CKA.ID, CKA.START_DATE, CKA.END_DATE, CKA.SUBJECT, CKA.ALLOWED_MECHANISMS];

    public static void Register(MechanismRegistry r) =>
        r.Add(CKM.PUB_KEY_FROM_PRIV_KEY, new MechanismInfo(0, 0, CKF.DERIVE), Instance,
            MechanismFacts.Keys(CKK.RSA, CKK.EC, CKK.EC_EDWARDS, CKK.EC_MONTGOMERY, CKK.DSA, CKK.DH, CKK.ML_DSA, CKK.ML_KEM, CKK.SLH_DSA).IgnoringUsageFlag());

    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template) =>
        DeriveAll(mechanism, parameter, baseKey, template).Objects[0].Produced;

    public DerivedObjects DeriveAll(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        if (mechanism != CKM.PUB_KEY_FROM_PRIV_KEY) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        if (baseKey.GetULong(CKA.CLASS) != CKO.PRIVATE_KEY) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "a private key is required");
        if (template.GetULong(CKA.CLASS) is { } cls && cls != CKO.PUBLIC_KEY)
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKM_PUB_KEY_FROM_PRIV_KEY makes a public key");
        var produced = PublicOf(baseKey);
        var full = template.Clone();
        foreach (var (pub, priv) in Usage)
            if (!full.Has(pub) && baseKey.GetBool(priv) is { } b) full.SetBool(pub, b);
        foreach (var type in Copied)
            if (!full.Has(type) && baseKey.TryGet(type, out var v)) full.Set(type, (byte[])v.Clone());
        return new([new DerivedObject(full, produced)], null);
    }

    /// <summary>The public key attributes (class, type and key material) that belong to <paramref name="key"/>.</summary>
    public static AttributeSet PublicOf(AttributeSet key)
    {
        var kt = key.GetULong(CKA.KEY_TYPE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "key without CKA_KEY_TYPE");
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.PUBLIC_KEY);
        a.SetULong(CKA.KEY_TYPE, kt);
        switch (kt)
        {
            case CKK.RSA:
                a.Set(CKA.MODULUS, Required(key, CKA.MODULUS));
                a.Set(CKA.PUBLIC_EXPONENT, Required(key, CKA.PUBLIC_EXPONENT));
                break;
            case CKK.EC:
            {
                var curve = EcKeys.CurveOf(key);
                a.Set(CKA.EC_PARAMS, Required(key, CKA.EC_PARAMS));
                a.Set(CKA.EC_POINT, EcCurves.EncodePoint(EcKeys.PublicPoint(curve, Required(key, CKA.VALUE)), curve));
                break;
            }

            case CKK.EC_EDWARDS or CKK.EC_MONTGOMERY:
            {
                var curve = EdwardsMontgomery.CurveOf(key, kt);
                var d = Required(key, CKA.VALUE);
                if (d.Length != curve.PrivateLength) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "private key of the wrong length");
                var pub = curve.Oid switch
                {
                    "1.3.101.112" => new Ed25519PrivateKeyParameters(d).GeneratePublicKey().GetEncoded(),
                    "1.3.101.113" => new Ed448PrivateKeyParameters(d).GeneratePublicKey().GetEncoded(),
                    "1.3.101.110" => new X25519PrivateKeyParameters(d).GeneratePublicKey().GetEncoded(),
                    _ => new X448PrivateKeyParameters(d).GeneratePublicKey().GetEncoded(),
                };
                var w = new AsnWriter(AsnEncodingRules.DER);
                w.WriteOctetString(pub);
                a.Set(CKA.EC_PARAMS, Required(key, CKA.EC_PARAMS));
                a.Set(CKA.EC_POINT, w.Encode());
                break;
            }

            case CKK.DSA or CKK.DH:
            {
                var p = new BigInteger(1, Required(key, CKA.PRIME));
                var g = new BigInteger(1, Required(key, CKA.BASE));
                var x = new BigInteger(1, Required(key, CKA.VALUE));
                if (p.SignValue <= 0 || x.SignValue <= 0) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "malformed domain parameters or private value");
                a.Set(CKA.PRIME, Required(key, CKA.PRIME));
                if (kt == CKK.DSA) a.Set(CKA.SUBPRIME, Required(key, CKA.SUBPRIME));
                a.Set(CKA.BASE, Required(key, CKA.BASE));
                a.Set(CKA.VALUE, g.ModPow(x, p).ToByteArrayUnsigned());
                break;
            }

            case CKK.ML_DSA or CKK.ML_KEM or CKK.SLH_DSA:
            {
                var set = key.GetULong(CKA.PARAMETER_SET) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "key without CKA_PARAMETER_SET");
                var value = Required(key, CKA.VALUE);
                a.SetULong(CKA.PARAMETER_SET, set);
                a.Set(CKA.VALUE, PqcPublic(kt, set, value));
                break;
            }

            default:
                throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"no public key for key type 0x{kt:X}");
        }

        return a;
    }

    private static byte[] PqcPublic(ulong keyType, ulong set, byte[] value)
    {
        try
        {
            return keyType switch
            {
                CKK.ML_DSA => MLDsaPrivateKeyParameters.FromEncoding(MlDsaMechanisms.ParametersOf(set) ?? throw Unknown(), value).GetPublicKey().GetEncoded(),
                CKK.ML_KEM => MLKemPrivateKeyParameters.FromEncoding(SlhDsaMlKemMechanisms.KemParametersOf(set) ?? throw Unknown(), value).GetPublicKey().GetEncoded(),
                _ => SlhDsaPrivateKeyParameters.FromEncoding(SlhDsaMlKemMechanisms.SlhParametersOf(set) ?? throw Unknown(), value).GetPublicKey().GetEncoded(),
            };
        }
        catch (ArgumentException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "malformed private key");
        }

        static CkException Unknown() => new(CKR.KEY_TYPE_INCONSISTENT, "unknown parameter set");
    }

    private static byte[] Required(AttributeSet key, ulong type) =>
        key.Get(type) is { Length: > 0 } v ? (byte[])v.Clone() : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, $"private key without attribute 0x{type:X}");
}
