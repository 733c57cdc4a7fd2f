using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Mechanisms.Ec;

/// <summary>
/// Elliptic curves in Weierstrass form (PKCS#11 v3.0 §6.3): P-192/224/256/384/521, secp256k1 and brainpool r1/t1
/// 160..512. CKM_EC_KEY_PAIR_GEN, CKM_ECDSA (raw r||s over a pre-hashed input), CKM_ECDSA_SHA1..SHA512,
/// CKM_ECDSA_SHA3_224..512, CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE (every supported curve has cofactor 1, so
/// both agree) with CKD_NULL and the ANSI X9.63 KDFs CKD_SHA*_KDF / CKD_SHA3_*_KDF. Public points are accepted
/// compressed or uncompressed. ECDH1_DERIVE with a CKK_EC_MONTGOMERY key is X25519/X448 (<see cref="EdwardsMontgomery"/>).
/// Key sizes in bits.
/// </summary>
public sealed class EcMechanisms : IMechanism
{
    private const ulong EcFlags = CKF.EC_F_P | CKF.EC_NAMEDCURVE | CKF.EC_UNCOMPRESS | CKF.EC_COMPRESS;
    public const ulong MinBits = 160;
    public const ulong MaxBits = 521;
    private static readonly EcMechanisms Instance = new();

    private static readonly (ulong Mechanism, HashAlg Hash)[] Hashed =
    [
        (CKM.ECDSA_SHA1, Hashes.Sha1), (CKM.ECDSA_SHA224, Hashes.Sha224), (CKM.ECDSA_SHA256, Hashes.Sha256),
        (CKM.ECDSA_SHA384, Hashes.Sha384), (CKM.ECDSA_SHA512, Hashes.Sha512), (CKM.ECDSA_SHA3_224, Hashes.Sha3_224),
        (CKM.ECDSA_SHA3_256, Hashes.Sha3_256), (CKM.ECDSA_SHA3_384, Hashes.Sha3_384), (CKM.ECDSA_SHA3_512, Hashes.Sha3_512),
    ];

    private static readonly (ulong Kdf, HashAlg Hash)[] Kdfs =
    [
        (CKD.SHA1_KDF, Hashes.Sha1), (CKD.SHA224_KDF, Hashes.Sha224), (CKD.SHA256_KDF, Hashes.Sha256),
        (CKD.SHA384_KDF, Hashes.Sha384), (CKD.SHA512_KDF, Hashes.Sha512), (CKD.SHA3_224_KDF, Hashes.Sha3_224),
        (CKD.SHA3_256_KDF, Hashes.Sha3_256), (CKD.SHA3_384_KDF, Hashes.Sha3_384), (CKD.SHA3_512_KDF, Hashes.Sha3_512),
    ];

    /// <summary>The CKD_*_KDF_SP800 functions (PKCS#11 3.0 §2.3.9): the one-step KDF of NIST SP 800-56A Rev. 3 §5.8.2.1.</summary>
    private static readonly (ulong Kdf, HashAlg Hash)[] Sp800Kdfs =
    [
        (CKD.SHA1_KDF_SP800, Hashes.Sha1), (CKD.SHA224_KDF_SP800, Hashes.Sha224), (CKD.SHA256_KDF_SP800, Hashes.Sha256),
        (CKD.SHA384_KDF_SP800, Hashes.Sha384), (CKD.SHA512_KDF_SP800, Hashes.Sha512), (CKD.SHA3_224_KDF_SP800, Hashes.Sha3_224),
        (CKD.SHA3_256_KDF_SP800, Hashes.Sha3_256), (CKD.SHA3_384_KDF_SP800, Hashes.Sha3_384), (CKD.SHA3_512_KDF_SP800, Hashes.Sha3_512),
    ];

    /// <summary>The KDF a CK_EC_KDF_TYPE names: its hash and whether it is the SP 800-56A one-step form; null for an unknown one.</summary>
    internal static (HashAlg Hash, bool Sp800)? KdfOf(ulong kdf) =>
        Kdfs.Where(x => x.Kdf == kdf).Select(x => ((HashAlg, bool)?)(x.Hash, false)).FirstOrDefault()
        ?? Sp800Kdfs.Where(x => x.Kdf == kdf).Select(x => ((HashAlg, bool)?)(x.Hash, true)).FirstOrDefault();

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.EC_KEY_PAIR_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE_KEY_PAIR | EcFlags), Instance, MechanismFacts.Keys(CKK.EC));
        r.Add(CKM.ECDSA, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY | EcFlags), Instance, MechanismFacts.Keys(CKK.EC));
        foreach (var (m, _) in Hashed) r.Add(m, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY | EcFlags), Instance, MechanismFacts.Keys(CKK.EC));
        // ECDH1_DERIVE also takes Montgomery keys (X25519 255 bits .. X448 448 bits), inside this range.
        r.Add(CKM.ECDH1_DERIVE, new MechanismInfo(MinBits, MaxBits, CKF.DERIVE | EcFlags), Instance, MechanismFacts.Keys(CKK.EC, CKK.EC_MONTGOMERY).Taking(ParamKind.Ecdh1));
        r.Add(CKM.ECDH1_COFACTOR_DERIVE, new MechanismInfo(MinBits, MaxBits, CKF.DERIVE | EcFlags), Instance, MechanismFacts.Keys(CKK.EC).Taking(ParamKind.Ecdh1));
    }

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        if (mechanism != CKM.EC_KEY_PAIR_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var ecParams = publicTemplate.Get(CKA.EC_PARAMS) ?? privateTemplate.Get(CKA.EC_PARAMS)
            ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required");
        var curve = EcCurves.FromParams(ecParams);
        using var ec = ECDsa.Create(curve.Curve);
        var p = ec.ExportParameters(true);

        var pub = new AttributeSet();
        pub.SetULong(CKA.CLASS, CKO.PUBLIC_KEY);
        pub.SetULong(CKA.KEY_TYPE, CKK.EC);
        pub.Set(CKA.EC_PARAMS, (byte[])ecParams.Clone());
        pub.Set(CKA.EC_POINT, EcCurves.EncodePoint(p.Q, curve));
        var priv = new AttributeSet();
        priv.SetULong(CKA.CLASS, CKO.PRIVATE_KEY);
        priv.SetULong(CKA.KEY_TYPE, CKK.EC);
        priv.Set(CKA.EC_PARAMS, (byte[])ecParams.Clone());
        priv.Set(CKA.VALUE, EcCurves.LeftPad(p.D!, curve.FieldBytes));
        return (pub, priv);
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, signing: true);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, signing: false);

    private static SignOperation Create(ulong mechanism, byte[]? parameter, AttributeSet key, bool signing)
    {
        Check.NoParameter(parameter);
        if (key.GetULong(CKA.CLASS) != (signing ? CKO.PRIVATE_KEY : CKO.PUBLIC_KEY))
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "wrong EC key class for this function");
        var curve = EcKeys.CurveOf(key);
        IHasher accumulator = mechanism == CKM.ECDSA ? new RawAccumulator() : Hashes.CreateHasher(HashOf(mechanism));
        return new SignOperation(accumulator,
            hash => EcKeys.Prepare(key).Ecdsa(hash, static (ec, h) => ec.SignHash(h, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
            (hash, sig) => EcKeys.Prepare(key).Ecdsa((hash, sig),
                static (ec, a) => ec.VerifyHash(a.hash, a.sig, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
            2 * curve.FieldBytes);
    }

    private static HashAlg HashOf(ulong mechanism)
    {
        foreach (var (m, h) in Hashed)
        {
            if (m == mechanism) return h;
        }

        throw new CkException(CKR.MECHANISM_INVALID);
    }

    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        if (mechanism is not (CKM.ECDH1_DERIVE or CKM.ECDH1_COFACTOR_DERIVE)) throw new CkException(CKR.MECHANISM_INVALID);
        if (baseKey.GetULong(CKA.CLASS) != CKO.PRIVATE_KEY) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "ECDH needs an EC private key");
        var p = Params.Decode(parameter, b => Ecdh1DeriveParams.Decode(b), "CK_ECDH1_DERIVE_PARAMS");

        (HashAlg Hash, bool Sp800)? kdf = null;
        if (p.Kdf == CKD.NULL)
        {
            if (p.SharedData.Length != 0) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CKD_NULL takes no shared data");
        }
        else
        {
            kdf = KdfOf(p.Kdf) ?? throw new CkException(CKR.MECHANISM_PARAM_INVALID, "unsupported KDF");
        }

        var z = baseKey.GetULong(CKA.KEY_TYPE) == CKK.EC_MONTGOMERY && mechanism == CKM.ECDH1_DERIVE
            ? EdwardsMontgomery.Agree(baseKey, p.PublicData)
            : WeierstrassAgree(baseKey, p.PublicData);
        return DeriveFromSecret(z, kdf, p.SharedData, template);
    }

    private static byte[] WeierstrassAgree(AttributeSet baseKey, byte[] publicData)
    {
        var curve = EcKeys.CurveOf(baseKey);
        var peer = EcCurves.DecodePoint(publicData, curve, CKR.MECHANISM_PARAM_INVALID);
        var mine = EcKeys.Prepare(baseKey);
        ECDiffieHellman other;
        try
        {
            other = ECDiffieHellman.Create(new ECParameters { Curve = curve.Curve, Q = peer });
        }
        catch (CryptographicException)
        {
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "peer public point is not on the curve");
        }

        using (other)
            return mine.Ecdh(other.PublicKey, static (ec, peerKey) => ec.DeriveRawSecretAgreement(peerKey));
    }

    /// <summary>The secret key of an ECDH derivation: Z itself (CKD_NULL), or Z through the X9.63 or the SP 800-56A one-step KDF.</summary>
    internal static AttributeSet DeriveFromSecret(byte[] z, (HashAlg Hash, bool Sp800)? kdf, byte[] sharedData, AttributeSet template)
    {
        var cls = template.GetULong(CKA.CLASS) ?? CKO.SECRET_KEY;
        if (cls != CKO.SECRET_KEY) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "ECDH derives secret keys");
        var keyType = template.GetULong(CKA.KEY_TYPE) ?? CKK.GENERIC_SECRET;
        if (!ObjectTypes.SecretKeyTypes.Contains(keyType)) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "unsupported derived key type");
        var available = kdf is null ? z.Length : int.MaxValue;
        var len = template.GetULong(CKA.VALUE_LEN) is { } l ? (int)Math.Min(l, int.MaxValue) : DefaultLength(keyType, kdf is null ? z.Length : 32);
        if (len < 1 || len > available || len > 4096) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN not possible for this derivation");
        if (ObjectTypes.SecretLengths(keyType) is { } lengths && !lengths.Contains(len)) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "wrong key length for the key type");

        // CKD_NULL: Z itself; shorter keys keep its trailing bytes (as SoftHSM does). KDFs: ANSI X9.63.
        var value = kdf is not { } f ? z[^len..] : f.Sp800 ? OneStepKdf(f.Hash, z, sharedData, len) : X963Kdf(f.Hash, z, sharedData, len);
        CryptographicOperations.ZeroMemory(z);
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.SECRET_KEY);
        a.SetULong(CKA.KEY_TYPE, keyType);
        a.Set(CKA.VALUE, value);
        a.SetULong(CKA.VALUE_LEN, (ulong)len);
        return a;
    }

    private static int DefaultLength(ulong keyType, int available) =>
        keyType == CKK.AES ? (available >= 32 ? 32 : available >= 24 ? 24 : 16) : available;

    /// <summary>
    /// The one-step KDF of NIST SP 800-56A Rev. 3 §5.8.2.1 (= SP 800-56C Rev. 2 §4.1, option 1, OpenSSL's SSKDF):
    /// K = H(counter_32be || Z || OtherInfo) for counter = 1, 2, ..., truncated; OtherInfo is the CK_ECDH1_DERIVE_PARAMS shared data.
    /// </summary>
    public static byte[] OneStepKdf(HashAlg h, ReadOnlySpan<byte> z, ReadOnlySpan<byte> otherInfo, int length)
    {
        var output = new byte[length];
        var counter = new byte[4];
        var done = 0;
        for (uint i = 1; done < length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(counter, i);
            var x = Hashes.CreateHasher(h);
            x.Append(counter);
            x.Append(z);
            x.Append(otherInfo);
            var block = x.Finish();
            var n = Math.Min(block.Length, length - done);
            block.AsSpan(0, n).CopyTo(output.AsSpan(done));
            CryptographicOperations.ZeroMemory(block);
            done += n;
        }

        return output;
    }

    /// <summary>ANSI X9.63 KDF (SEC 1 §3.6.1): K = H(Z || counter_32be || sharedInfo) for counter = 1, 2, ..., truncated.</summary>
    public static byte[] X963Kdf(HashAlg h, ReadOnlySpan<byte> z, ReadOnlySpan<byte> sharedInfo, int length)
    {
        var output = new byte[length];
        var counter = new byte[4];
        var done = 0;
        for (uint i = 1; done < length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(counter, i);
            var x = Hashes.CreateHasher(h);
            x.Append(z);
            x.Append(counter);
            x.Append(sharedInfo);
            var block = x.Finish();
            var n = Math.Min(block.Length, length - done);
            block.AsSpan(0, n).CopyTo(output.AsSpan(done));
            done += n;
        }

        return output;
    }
}
