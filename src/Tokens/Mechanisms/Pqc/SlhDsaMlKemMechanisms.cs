using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Pqc;

/// <summary>
/// SLH-DSA (FIPS 205, PKCS#11 3.2): CKM_SLH_DSA_KEY_PAIR_GEN (CKA_PARAMETER_SET CKP_SLH_DSA_SHA2_128S = 1 ...
/// CKP_SLH_DSA_SHAKE_256F = 12) and, as for ML-DSA, CKM_SLH_DSA (pure), CKM_HASH_SLH_DSA (a digest the caller made) and
/// CKM_HASH_SLH_DSA_SHA224 ... SHAKE256 (HashSLH-DSA), with an optional context and hedge choice; BouncyCastle.
/// ML-KEM (FIPS 203): CKM_ML_KEM_KEY_PAIR_GEN (CKP_ML_KEM_512/768/1024) and CKM_ML_KEM through the PKCS#11 3.2
/// C_EncapsulateKey/C_DecapsulateKey (no parameter; the 32-byte shared secret becomes a secret key shaped by the
/// template); BouncyCastle.
/// </summary>
public sealed class SlhDsaMlKemMechanisms : IMechanism
{
    private static readonly SlhDsaMlKemMechanisms Instance = new();

    private static readonly SlhDsaParameters[] SlhSets =
    [
        SlhDsaParameters.slh_dsa_sha2_128s, SlhDsaParameters.slh_dsa_shake_128s, SlhDsaParameters.slh_dsa_sha2_128f, SlhDsaParameters.slh_dsa_shake_128f,
        SlhDsaParameters.slh_dsa_sha2_192s, SlhDsaParameters.slh_dsa_shake_192s, SlhDsaParameters.slh_dsa_sha2_192f, SlhDsaParameters.slh_dsa_shake_192f,
        SlhDsaParameters.slh_dsa_sha2_256s, SlhDsaParameters.slh_dsa_shake_256s, SlhDsaParameters.slh_dsa_sha2_256f, SlhDsaParameters.slh_dsa_shake_256f,
    ];

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.SLH_DSA_KEY_PAIR_GEN, new MechanismInfo(CKP.SLH_DSA_SHA2_128S, CKP.SLH_DSA_SHAKE_256F, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.SLH_DSA));
        foreach (var m in Family.Mechanisms) r.Add(m, new MechanismInfo(CKP.SLH_DSA_SHA2_128S, CKP.SLH_DSA_SHAKE_256F, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.SLH_DSA).Taking(ParamKind.SignAdditionalContext));
        r.Add(CKM.ML_KEM_KEY_PAIR_GEN, new MechanismInfo(CKP.ML_KEM_512, CKP.ML_KEM_1024, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.ML_KEM));
        r.Add(CKM.ML_KEM, new MechanismInfo(CKP.ML_KEM_512, CKP.ML_KEM_1024, CKF.ENCAPSULATE | CKF.DECAPSULATE), Instance, MechanismFacts.Keys(CKK.ML_KEM));
    }

    /// <summary>CKM_SLH_DSA, CKM_HASH_SLH_DSA and CKM_HASH_SLH_DSA_SHA224 ... SHAKE256 over SLH-DSA keys.</summary>
    internal static readonly PqcSignatureFamily<SlhDsaParameters> Family = new(
        "SLH-DSA", CKK.SLH_DSA, CKM.SLH_DSA, CKM.HASH_SLH_DSA, CKM.HASH_SLH_DSA_SHA224, SlhParametersOf, SignatureLength,
        SlhDsaPrivateKeyParameters.FromEncoding, SlhDsaPublicKeyParameters.FromEncoding,
        (p, preHash, deterministic) => preHash is null ? new SlhDsaSigner(p, deterministic) : PreHashSigners.SlhDsa(p, preHash.Oid, deterministic));

    public (byte[] Ciphertext, AttributeSet Key) Encapsulate(ulong mechanism, byte[]? parameter, AttributeSet publicKey, AttributeSet template)
    {
        var (p, value) = KemKey(mechanism, parameter, publicKey, CKO.PUBLIC_KEY);
        var encapsulator = new Org.BouncyCastle.Crypto.Kems.MLKemEncapsulator(p);
        encapsulator.Init(MLKemPublicKeyParameters.FromEncoding(p, value));
        var ciphertext = new byte[encapsulator.EncapsulationLength];
        var secret = new byte[encapsulator.SecretLength];
        encapsulator.Encapsulate(ciphertext, 0, ciphertext.Length, secret, 0, secret.Length);
        return (ciphertext, DerivedKey.FromMaterial(template, secret));
    }

    public AttributeSet Decapsulate(ulong mechanism, byte[]? parameter, AttributeSet privateKey, byte[] ciphertext, AttributeSet template)
    {
        var (p, value) = KemKey(mechanism, parameter, privateKey, CKO.PRIVATE_KEY);
        var decapsulator = new Org.BouncyCastle.Crypto.Kems.MLKemDecapsulator(p);
        decapsulator.Init(MLKemPrivateKeyParameters.FromEncoding(p, value));
        if (ciphertext.Length != decapsulator.EncapsulationLength) throw new CkException(CKR.ENCRYPTED_DATA_LEN_RANGE, "ML-KEM ciphertext of the wrong length");
        var secret = new byte[decapsulator.SecretLength];
        decapsulator.Decapsulate(ciphertext, 0, ciphertext.Length, secret, 0, secret.Length);
        return DerivedKey.FromMaterial(template, secret);
    }

    private static (MLKemParameters Parameters, byte[] Value) KemKey(ulong mechanism, byte[]? parameter, AttributeSet key, ulong cls)
    {
        if (mechanism != CKM.ML_KEM) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        if (key.GetULong(CKA.CLASS) != cls || key.GetULong(CKA.KEY_TYPE) != CKK.ML_KEM) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "ML-KEM key expected");
        var p = KemParametersOf(key.GetULong(CKA.PARAMETER_SET) ?? 0) ?? throw new CkException(CKR.KEY_SIZE_RANGE, "unknown ML-KEM parameter set");
        var value = key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "ML-KEM key without value");
        return (p, value);
    }

    /// <summary>The BouncyCastle parameters of a CKP_SLH_DSA_ value, or null.</summary>
    public static SlhDsaParameters? SlhParametersOf(ulong set) => set is >= 1 and <= 12 ? SlhSets[set - 1] : null;

    /// <summary>The BouncyCastle parameters of a CKP_ML_KEM_ value, or null.</summary>
    public static MLKemParameters? KemParametersOf(ulong set) => set switch
    {
        CKP.ML_KEM_512 => MLKemParameters.ml_kem_512,
        CKP.ML_KEM_768 => MLKemParameters.ml_kem_768,
        CKP.ML_KEM_1024 => MLKemParameters.ml_kem_1024,
        _ => null,
    };

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        if (mechanism is not (CKM.SLH_DSA_KEY_PAIR_GEN or CKM.ML_KEM_KEY_PAIR_GEN)) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var set = publicTemplate.GetULong(CKA.PARAMETER_SET) ?? privateTemplate.GetULong(CKA.PARAMETER_SET)
            ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PARAMETER_SET is required");
        if (mechanism == CKM.ML_KEM_KEY_PAIR_GEN)
        {
            var kp = KemParametersOf(set) ?? throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unknown ML-KEM parameter set 0x{set:X}");
            var gen = new MLKemKeyPairGenerator();
            gen.Init(new MLKemKeyGenerationParameters(new SecureRandom(), kp));
            var pair = gen.GenerateKeyPair();
            var generated = (MLKemPrivateKeyParameters)pair.Private;
            var dk = generated.WithPreferredFormat(MLKemPrivateKeyParameters.Format.EncodingOnly);
            var priv = Make(CKO.PRIVATE_KEY, CKK.ML_KEM, set, dk.GetEncoded());
            // PKCS#11 3.2: CKA_SEED of a generated key is the seed d || z it came from.
            if (generated.GetSeed() is { Length: PqcSeeds.MlKemSeedLength } seed) priv.Set(CKA.SEED, seed);
            return (Make(CKO.PUBLIC_KEY, CKK.ML_KEM, set, ((MLKemPublicKeyParameters)pair.Public).GetEncoded()), priv);
        }

        var p = SlhParametersOf(set) ?? throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unknown SLH-DSA parameter set 0x{set:X}");
        var g = new SlhDsaKeyPairGenerator();
        g.Init(new SlhDsaKeyGenerationParameters(new SecureRandom(), p));
        var keys = g.GenerateKeyPair();
        return (Make(CKO.PUBLIC_KEY, CKK.SLH_DSA, set, ((SlhDsaPublicKeyParameters)keys.Public).GetEncoded()),
            Make(CKO.PRIVATE_KEY, CKK.SLH_DSA, set, ((SlhDsaPrivateKeyParameters)keys.Private).GetEncoded()));
    }

    private static AttributeSet Make(ulong cls, ulong keyType, ulong set, byte[] value)
    {
        var a = MlDsaMechanisms.Make(cls, set, value);
        a.SetULong(CKA.KEY_TYPE, keyType);
        return a;
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Family.CreateSign(mechanism, parameter, key);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Family.CreateVerify(mechanism, parameter, key);

    /// <summary>FIPS 205 Table 2 signature sizes, by parameter set (SHA2 and SHAKE alike).</summary>
    public static int SignatureLength(SlhDsaParameters p) => (Array.IndexOf(SlhSets, p) / 2) switch
    {
        0 => 7856,
        1 => 17088,
        2 => 16224,
        3 => 35664,
        4 => 29792,
        _ => 49856,
    };
}
