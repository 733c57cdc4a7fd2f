using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Pqc;

/// <summary>
/// ML-DSA (FIPS 204, PKCS#11 3.2): CKM_ML_DSA_KEY_PAIR_GEN (CKA_PARAMETER_SET CKP_ML_DSA_44/65/87 in the public template)
/// and the signatures: CKM_ML_DSA (pure), CKM_HASH_ML_DSA (HashML-DSA of a digest the caller made, hash named in
/// CK_HASH_SIGN_ADDITIONAL_CONTEXT) and CKM_HASH_ML_DSA_SHA224 ... CKM_HASH_ML_DSA_SHAKE256 (HashML-DSA hashing the message),
/// each with an optional context and hedge choice (<see cref="SignRequest"/>). BouncyCastle. Keys: CKA_VALUE holds the
/// FIPS 204 encodings (pk; sk in its expanded form).
/// Key sizes in the mechanism infos are the CKP_ parameter sets, as PKCS#11 3.2 does for these key types.
/// </summary>
public sealed class MlDsaMechanisms : IMechanism
{
    private static readonly MlDsaMechanisms Instance = new();

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.ML_DSA_KEY_PAIR_GEN, new MechanismInfo(CKP.ML_DSA_44, CKP.ML_DSA_87, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.ML_DSA));
        foreach (var m in Family.Mechanisms) r.Add(m, new MechanismInfo(CKP.ML_DSA_44, CKP.ML_DSA_87, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.ML_DSA).Taking(ParamKind.SignAdditionalContext));
    }

    /// <summary>CKM_ML_DSA, CKM_HASH_ML_DSA and CKM_HASH_ML_DSA_SHA224 ... SHAKE256 over ML-DSA keys.</summary>
    internal static readonly PqcSignatureFamily<MLDsaParameters> Family = new(
        "ML-DSA", CKK.ML_DSA, CKM.ML_DSA, CKM.HASH_ML_DSA, CKM.HASH_ML_DSA_SHA224, ParametersOf, SignatureLength,
        MLDsaPrivateKeyParameters.FromEncoding, MLDsaPublicKeyParameters.FromEncoding,
        (p, preHash, deterministic) => preHash is null ? new MLDsaSigner(p, deterministic) : PreHashSigners.MlDsa(p, preHash.Oid, deterministic));

    /// <summary>The BouncyCastle parameters of a CKP_ML_DSA_ value, or null.</summary>
    public static MLDsaParameters? ParametersOf(ulong parameterSet) => parameterSet switch
    {
        CKP.ML_DSA_44 => MLDsaParameters.ml_dsa_44,
        CKP.ML_DSA_65 => MLDsaParameters.ml_dsa_65,
        CKP.ML_DSA_87 => MLDsaParameters.ml_dsa_87,
        _ => null,
    };

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        if (mechanism != CKM.ML_DSA_KEY_PAIR_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var set = publicTemplate.GetULong(CKA.PARAMETER_SET) ?? privateTemplate.GetULong(CKA.PARAMETER_SET)
            ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PARAMETER_SET is required");
        var p = ParametersOf(set) ?? throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, $"unknown ML-DSA parameter set 0x{set:X}");
        var gen = new MLDsaKeyPairGenerator();
        gen.Init(new MLDsaKeyGenerationParameters(new SecureRandom(), p));
        var pair = gen.GenerateKeyPair();
        var generated = (MLDsaPrivateKeyParameters)pair.Private;
        var sk = generated.WithPreferredFormat(MLDsaPrivateKeyParameters.Format.EncodingOnly);
        var priv = Make(CKO.PRIVATE_KEY, set, sk.GetEncoded());
        // PKCS#11 3.2: CKA_SEED of a generated key is the seed ξ it came from.
        if (generated.GetSeed() is { Length: PqcSeeds.MlDsaSeedLength } seed) priv.Set(CKA.SEED, seed);
        return (Make(CKO.PUBLIC_KEY, set, ((MLDsaPublicKeyParameters)pair.Public).GetEncoded()), priv);
    }

    /// <summary>The attributes of an ML-DSA key of parameter set <paramref name="set"/> with encoding <paramref name="value"/>.</summary>
    public static AttributeSet Make(ulong cls, ulong set, byte[] value)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, cls);
        a.SetULong(CKA.KEY_TYPE, CKK.ML_DSA);
        a.SetULong(CKA.PARAMETER_SET, set);
        a.Set(CKA.VALUE, value);
        return a;
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Family.CreateSign(mechanism, parameter, key);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Family.CreateVerify(mechanism, parameter, key);

    /// <summary>FIPS 204 Table 2 signature sizes.</summary>
    public static int SignatureLength(MLDsaParameters p) => p == MLDsaParameters.ml_dsa_44 ? 2420 : p == MLDsaParameters.ml_dsa_65 ? 3309 : 4627;
}
