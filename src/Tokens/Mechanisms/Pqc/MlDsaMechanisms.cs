using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Pqc;

/// <summary>
/// ML-DSA (FIPS 204, PKCS#11 3.2): CKM_ML_DSA_KEY_PAIR_GEN (CKA_PARAMETER_SET CKP_ML_DSA_44/65/87 in the public template)
/// and CKM_ML_DSA, pure ML-DSA with the hedged (randomised) signer and an empty context. BouncyCastle. Keys: CKA_VALUE
/// holds the FIPS 204 encodings (pk; sk in its expanded form). The optional CK_SIGN_ADDITIONAL_CONTEXT parameter is not
/// supported yet (it holds a pointer and has no flattened form): any parameter is CKR_MECHANISM_PARAM_INVALID.
/// Key sizes in the mechanism infos are the CKP_ parameter sets, as PKCS#11 3.2 does for these key types.
/// </summary>
public sealed class MlDsaMechanisms : IMechanism
{
    private static readonly MlDsaMechanisms Instance = new();

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.ML_DSA_KEY_PAIR_GEN, new MechanismInfo(CKP.ML_DSA_44, CKP.ML_DSA_87, CKF.GENERATE_KEY_PAIR), Instance);
        r.Add(CKM.ML_DSA, new MechanismInfo(CKP.ML_DSA_44, CKP.ML_DSA_87, CKF.SIGN | CKF.VERIFY), Instance);
    }

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
        var sk = ((MLDsaPrivateKeyParameters)pair.Private).WithPreferredFormat(MLDsaPrivateKeyParameters.Format.EncodingOnly);
        return (Make(CKO.PUBLIC_KEY, set, ((MLDsaPublicKeyParameters)pair.Public).GetEncoded()), Make(CKO.PRIVATE_KEY, set, sk.GetEncoded()));
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

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        var (p, value) = Key(mechanism, parameter, key, CKO.PRIVATE_KEY);
        MLDsaPrivateKeyParameters sk;
        try
        {
            sk = MLDsaPrivateKeyParameters.FromEncoding(p, value);
        }
        catch (ArgumentException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "malformed ML-DSA private key");
        }

        return new SignOperation(new RawAccumulator(), data =>
        {
            var signer = new MLDsaSigner(p, deterministic: false);
            signer.Init(true, new ParametersWithRandom(sk, new SecureRandom()));
            signer.BlockUpdate(data);
            return signer.GenerateSignature();
        }, null, SignatureLength(p));
    }

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key)
    {
        var (p, value) = Key(mechanism, parameter, key, CKO.PUBLIC_KEY);
        MLDsaPublicKeyParameters pk;
        try
        {
            pk = MLDsaPublicKeyParameters.FromEncoding(p, value);
        }
        catch (ArgumentException)
        {
            throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "malformed ML-DSA public key");
        }

        return new SignOperation(new RawAccumulator(), null, (data, signature) =>
        {
            var signer = new MLDsaSigner(p, deterministic: false);
            signer.Init(false, pk);
            signer.BlockUpdate(data);
            return signer.VerifySignature(signature);
        }, SignatureLength(p));
    }

    /// <summary>FIPS 204 Table 2 signature sizes.</summary>
    public static int SignatureLength(MLDsaParameters p) => p == MLDsaParameters.ml_dsa_44 ? 2420 : p == MLDsaParameters.ml_dsa_65 ? 3309 : 4627;

    private static (MLDsaParameters Parameters, byte[] Value) Key(ulong mechanism, byte[]? parameter, AttributeSet key, ulong cls)
    {
        if (mechanism != CKM.ML_DSA) throw new CkException(CKR.MECHANISM_INVALID);
        if (key.GetULong(CKA.CLASS) != cls || key.GetULong(CKA.KEY_TYPE) != CKK.ML_DSA) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "ML-DSA key expected");
        if (parameter is { Length: > 0 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "CK_SIGN_ADDITIONAL_CONTEXT is not supported");
        var p = ParametersOf(key.GetULong(CKA.PARAMETER_SET) ?? 0) ?? throw new CkException(CKR.KEY_SIZE_RANGE, "unknown ML-DSA parameter set");
        var value = key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "ML-DSA key without value");
        return (p, value);
    }
}
