using System.Formats.Asn1;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Ec;

/// <summary>
/// Edwards and Montgomery curves (PKCS#11 v3.0 §6.3.5–6.3.8, BouncyCastle): CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EDDSA
/// (Ed25519, Ed25519ctx, Ed25519ph, Ed448, Ed448ph; CK_EDDSA_PARAMS optional), CKM_EC_MONTGOMERY_KEY_PAIR_GEN
/// (X25519, X448; the agreement itself is CKM_ECDH1_DERIVE). CKA_EC_PARAMS is the curve OID (RFC 8410) or a
/// PrintableString name ("edwards25519", "curve25519" ...); CKA_EC_POINT is a DER OCTET STRING of the RFC 8032/7748
/// public key (raw bytes are accepted too); CKA_VALUE is the raw private key. Key sizes in bits (255..448).
/// </summary>
public sealed class EdwardsMontgomery : IMechanism
{
    public static readonly CfrgCurve Ed25519 = CfrgCurves.Ed25519;
    public static readonly CfrgCurve Ed448 = CfrgCurves.Ed448;
    public static readonly CfrgCurve X25519 = CfrgCurves.X25519;
    public static readonly CfrgCurve X448 = CfrgCurves.X448;

    public static IReadOnlyList<CfrgCurve> All => CfrgCurves.All;

    private static readonly EdwardsMontgomery Instance = new();

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.EC_EDWARDS_KEY_PAIR_GEN, new MechanismInfo(255, 448, CKF.GENERATE_KEY_PAIR | CKF.EC_NAMEDCURVE), Instance, MechanismFacts.Keys(CKK.EC_EDWARDS));
        r.Add(CKM.EDDSA, new MechanismInfo(255, 448, CKF.SIGN | CKF.VERIFY | CKF.EC_NAMEDCURVE), Instance, MechanismFacts.Keys(CKK.EC_EDWARDS).Taking(ParamKind.EdDsa));
        r.Add(CKM.EC_MONTGOMERY_KEY_PAIR_GEN, new MechanismInfo(255, 448, CKF.GENERATE_KEY_PAIR | CKF.EC_NAMEDCURVE), Instance, MechanismFacts.Keys(CKK.EC_MONTGOMERY));
    }

    /// <summary>The curve named by CKA_EC_PARAMS, or null.</summary>
    public static CfrgCurve? TryFromParams(ReadOnlySpan<byte> ecParams) => CfrgCurves.TryFromParams(ecParams);

    /// <summary>The curve of a key object, which must be of <paramref name="keyType"/>.</summary>
    public static CfrgCurve CurveOf(AttributeSet key, ulong keyType)
    {
        if (key.GetULong(CKA.KEY_TYPE) != keyType) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "wrong key type for this mechanism");
        var c = TryFromParams(key.Get(CKA.EC_PARAMS) ?? []) ?? throw new CkException(CKR.CURVE_NOT_SUPPORTED);
        return c.KeyType == keyType ? c : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "curve does not fit the key type");
    }

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        var keyType = mechanism switch
        {
            CKM.EC_EDWARDS_KEY_PAIR_GEN => CKK.EC_EDWARDS,
            CKM.EC_MONTGOMERY_KEY_PAIR_GEN => CKK.EC_MONTGOMERY,
            _ => throw new CkException(CKR.MECHANISM_INVALID),
        };
        Check.NoParameter(parameter);
        var ecParams = publicTemplate.Get(CKA.EC_PARAMS) ?? privateTemplate.Get(CKA.EC_PARAMS)
            ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required");
        var curve = TryFromParams(ecParams) ?? throw new CkException(CKR.CURVE_NOT_SUPPORTED);
        if (curve.KeyType != keyType) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "curve does not fit the mechanism");
        var random = new SecureRandom();
        byte[] priv, pub;
        if (curve == Ed25519)
        {
            var k = new Ed25519PrivateKeyParameters(random);
            (priv, pub) = (k.GetEncoded(), k.GeneratePublicKey().GetEncoded());
        }
        else if (curve == Ed448)
        {
            var k = new Ed448PrivateKeyParameters(random);
            (priv, pub) = (k.GetEncoded(), k.GeneratePublicKey().GetEncoded());
        }
        else if (curve == X25519)
        {
            var k = new X25519PrivateKeyParameters(random);
            (priv, pub) = (k.GetEncoded(), k.GeneratePublicKey().GetEncoded());
        }
        else
        {
            var k = new X448PrivateKeyParameters(random);
            (priv, pub) = (k.GetEncoded(), k.GeneratePublicKey().GetEncoded());
        }

        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteOctetString(pub);
        var pubSet = new AttributeSet();
        pubSet.SetULong(CKA.CLASS, CKO.PUBLIC_KEY);
        pubSet.SetULong(CKA.KEY_TYPE, keyType);
        pubSet.Set(CKA.EC_PARAMS, (byte[])ecParams.Clone());
        pubSet.Set(CKA.EC_POINT, w.Encode());
        var privSet = new AttributeSet();
        privSet.SetULong(CKA.CLASS, CKO.PRIVATE_KEY);
        privSet.SetULong(CKA.KEY_TYPE, keyType);
        privSet.Set(CKA.EC_PARAMS, (byte[])ecParams.Clone());
        privSet.Set(CKA.VALUE, priv);
        return (pubSet, privSet);
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, signing: true);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, signing: false);

    private static readonly object EdDsaSlot = new();

    private static SignOperation Create(ulong mechanism, byte[]? parameter, AttributeSet key, bool signing)
    {
        if (mechanism != CKM.EDDSA) throw new CkException(CKR.MECHANISM_INVALID);
        if (key.GetULong(CKA.CLASS) != (signing ? CKO.PRIVATE_KEY : CKO.PUBLIC_KEY))
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "wrong Edwards key class for this function");
        var curve = CurveOf(key, CKK.EC_EDWARDS);
        EdDsaParams? p = parameter is { Length: > 0 } ? Params.Decode(parameter, b => EdDsaParams.Decode(b), "CK_EDDSA_PARAMS") : null;
        if (p is not null && p.Context.Length > 255) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "EdDSA context longer than 255 bytes");
        // Immutable BouncyCastle key parameters, made once per key instance (the private ones cache their public key).
        var k = key.Prepared(EdDsaSlot, kk => signing
            ? curve == Ed25519 ? new Ed25519PrivateKeyParameters(Value(kk, curve)) : new Ed448PrivateKeyParameters(Value(kk, curve))
            : curve == Ed25519 ? new Ed25519PublicKeyParameters(PublicValue(kk.Get(CKA.EC_POINT) ?? [], curve, CKR.KEY_TYPE_INCONSISTENT))
                : (ICipherParameters)new Ed448PublicKeyParameters(PublicValue(kk.Get(CKA.EC_POINT) ?? [], curve, CKR.KEY_TYPE_INCONSISTENT)));
        var context = p?.Context ?? [];

        ISigner NewSigner()
        {
            ISigner s = (curve == Ed25519, p?.PhFlag == true) switch
            {
                (true, false) when context.Length == 0 => new Ed25519Signer(),
                (true, false) => new Ed25519ctxSigner(context),
                (true, true) => new Ed25519phSigner(context),
                (false, false) => new Ed448Signer(context),
                (false, true) => new Ed448phSigner(context),
            };
            s.Init(signing, k);
            return s;
        }

        return new SignOperation(new RawAccumulator(),
            data =>
            {
                var s = NewSigner();
                s.BlockUpdate(data, 0, data.Length);
                return s.GenerateSignature();
            },
            (data, sig) =>
            {
                var s = NewSigner();
                s.BlockUpdate(data, 0, data.Length);
                return s.VerifySignature(sig);
            },
            2 * curve.PublicLength);
    }

    /// <summary>X25519 / X448 shared secret of a Montgomery private key and the peer's public value (raw or DER OCTET STRING).</summary>
    public static byte[] Agree(AttributeSet privateKey, byte[] peer)
    {
        var curve = CurveOf(privateKey, CKK.EC_MONTGOMERY);
        var pub = PublicValue(peer, curve, CKR.MECHANISM_PARAM_INVALID);
        var v = Value(privateKey, curve);
        IRawAgreement a = curve == X25519 ? new X25519Agreement() : new X448Agreement();
        a.Init(curve == X25519 ? new X25519PrivateKeyParameters(v) : new X448PrivateKeyParameters(v));
        var z = new byte[a.AgreementSize];
        try
        {
            a.CalculateAgreement(curve == X25519 ? new X25519PublicKeyParameters(pub) : new X448PublicKeyParameters(pub), z, 0);
        }
        catch (InvalidOperationException)
        {
            // RFC 7748 §6.1: an all-zero result means the peer sent a low-order point (BouncyCastle refuses it).
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "peer public value of small order");
        }

        return z;
    }

    private static byte[] Value(AttributeSet key, CfrgCurve curve)
    {
        var v = key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "private key without value");
        return v.Length == curve.PrivateLength ? v : throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "private key of the wrong length");
    }

    /// <summary>A public value: raw bytes of the curve's length, or a DER OCTET STRING of them.</summary>
    public static byte[] PublicValue(byte[] encoded, CfrgCurve curve, ulong rvOnError)
    {
        if (encoded.Length == curve.PublicLength) return encoded;
        try
        {
            var r = new AsnReader(encoded, AsnEncodingRules.DER);
            var raw = r.ReadOctetString();
            if (!r.HasData && raw.Length == curve.PublicLength) return raw;
        }
        catch (AsnContentException)
        {
        }

        throw new CkException(rvOnError, "public value of the wrong form or length");
    }
}
