using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using Org.BouncyCastle.Crypto.Parameters;

namespace OpenCryptokiActors.Tokens.Objects;

/// <summary>
/// CKA_SEED of ML-DSA and ML-KEM private keys (PKCS#11 3.2): the FIPS 204 seed ξ (32 bytes) or the FIPS 203 seed d || z
/// (64 bytes) the key is generated from. A private key may be created from its seed alone: CKA_VALUE, the private
/// encoding, is then expanded from it (FIPS 204 ML-DSA.KeyGen_internal, FIPS 203 ML-KEM.KeyGen_internal, through
/// BouncyCastle); given both, they must agree (CKR_TEMPLATE_INCONSISTENT); given neither, CKR_TEMPLATE_INCOMPLETE.
/// </summary>
public static class PqcSeeds
{
    public const int MlDsaSeedLength = 32;
    public const int MlKemSeedLength = 64;

    /// <summary>The ML-DSA private encoding of <paramref name="seed"/> for parameter set <paramref name="set"/>.</summary>
    public static byte[] ExpandMlDsa(ulong set, byte[] seed)
    {
        if (seed.Length != MlDsaSeedLength) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "an ML-DSA seed has 32 bytes");
        var p = set switch
        {
            CKP.ML_DSA_44 => MLDsaParameters.ml_dsa_44,
            CKP.ML_DSA_65 => MLDsaParameters.ml_dsa_65,
            CKP.ML_DSA_87 => MLDsaParameters.ml_dsa_87,
            _ => throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "unknown ML-DSA parameter set"),
        };
        return MLDsaPrivateKeyParameters.FromSeed(p, seed).GetEncoded();
    }

    /// <summary>The ML-KEM decapsulation key of <paramref name="seed"/> (d || z) for parameter set <paramref name="set"/>.</summary>
    public static byte[] ExpandMlKem(ulong set, byte[] seed)
    {
        if (seed.Length != MlKemSeedLength) throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "an ML-KEM seed has 64 bytes (d || z)");
        var p = set switch
        {
            CKP.ML_KEM_512 => MLKemParameters.ml_kem_512,
            CKP.ML_KEM_768 => MLKemParameters.ml_kem_768,
            CKP.ML_KEM_1024 => MLKemParameters.ml_kem_1024,
            _ => throw new CkException(CKR.ATTRIBUTE_VALUE_INVALID, "unknown ML-KEM parameter set"),
        };
        return MLKemPrivateKeyParameters.FromSeed(p, seed).GetEncoded();
    }

    internal static void CompleteMlDsa(AttributeSet a) => Complete(a, ExpandMlDsa);

    internal static void CompleteMlKem(AttributeSet a) => Complete(a, ExpandMlKem);

    private static void Complete(AttributeSet a, Func<ulong, byte[], byte[]> expand)
    {
        var seed = a.Get(CKA.SEED);
        var value = a.Get(CKA.VALUE);
        if (seed is null || seed.Length == 0)
        {
            if (value is null) throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_VALUE or CKA_SEED is required");
            return;
        }

        var set = a.GetULong(CKA.PARAMETER_SET) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PARAMETER_SET is required");
        var expanded = expand(set, seed);
        if (value is null)
        {
            a.Set(CKA.VALUE, expanded);
            return;
        }

        var same = CryptographicOperations.FixedTimeEquals(value, expanded);
        CryptographicOperations.ZeroMemory(expanded);
        if (!same) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_VALUE is not the key of CKA_SEED");
    }
}
