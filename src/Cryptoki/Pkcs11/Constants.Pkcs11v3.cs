// PKCS#11 3.0 constants missing from the 2.40 header that Constants.g.cs was generated from.
namespace OpenCryptokiActors.Cryptoki.Pkcs11;

public static partial class CKA
{
    public const ulong UNIQUE_ID = 0x4UL;
    public const ulong PROFILE_ID = 0x601UL;
    public const ulong X2RATCHET_BAG = 0x602UL;

    /// <summary>PKCS#11 3.2: the parameter set of an ML-DSA, ML-KEM or SLH-DSA key (CKP_ML_DSA_44 ...).</summary>
    public const ulong PARAMETER_SET = 0x61DUL;

    /// <summary>PKCS#11 3.2: whether a public (private) key may be used with C_EncapsulateKey (C_DecapsulateKey).</summary>
    public const ulong ENCAPSULATE = 0x633UL;
    public const ulong DECAPSULATE = 0x634UL;
}

public static partial class CKO
{
    public const ulong PROFILE = 0x9UL;
}

public static partial class CKK
{
    public const ulong EC_MONTGOMERY = 0x41UL;
    public const ulong HKDF = 0x42UL;
    public const ulong SHA512_224_HMAC = 0x43UL;
    public const ulong SHA512_256_HMAC = 0x44UL;
    public const ulong SHA512_T_HMAC = 0x45UL;
    public const ulong SHA1_HMAC = 0x28UL;
    public const ulong SHA3_224_HMAC = 0x36UL;
    public const ulong SHA3_256_HMAC = 0x37UL;
    public const ulong SHA3_384_HMAC = 0x38UL;
    public const ulong SHA3_512_HMAC = 0x39UL;
    public const ulong CHACHA20 = 0x33UL;
    public const ulong POLY1305 = 0x34UL;
    public const ulong AES_XTS = 0x35UL;
    public const ulong ML_KEM = 0x49UL;
    public const ulong ML_DSA = 0x4AUL;
    public const ulong SLH_DSA = 0x4BUL;
}

public static partial class CKM
{
    public const ulong AES_KEY_WRAP_KWP = 0x210BUL;
    public const ulong SHA3_256 = 0x2B0UL;
    public const ulong SHA3_256_HMAC = 0x2B1UL;
    public const ulong SHA3_256_HMAC_GENERAL = 0x2B2UL;
    public const ulong SHA3_224 = 0x2B5UL;
    public const ulong SHA3_224_HMAC = 0x2B6UL;
    public const ulong SHA3_224_HMAC_GENERAL = 0x2B7UL;
    public const ulong SHA3_384 = 0x2C0UL;
    public const ulong SHA3_384_HMAC = 0x2C1UL;
    public const ulong SHA3_384_HMAC_GENERAL = 0x2C2UL;
    public const ulong SHA3_512 = 0x2D0UL;
    public const ulong SHA3_512_HMAC = 0x2D1UL;
    public const ulong SHA3_512_HMAC_GENERAL = 0x2D2UL;
    public const ulong EC_MONTGOMERY_KEY_PAIR_GEN = 0x1056UL;
    public const ulong HKDF_DERIVE = 0x402AUL;
    public const ulong HKDF_DATA = 0x402BUL;
    public const ulong HKDF_KEY_GEN = 0x402CUL;

    public const ulong SHA3_256_KEY_GEN = 0x2B3UL;
    public const ulong SHA3_224_KEY_GEN = 0x2B8UL;
    public const ulong SHA3_384_KEY_GEN = 0x2C3UL;
    public const ulong SHA3_512_KEY_GEN = 0x2D3UL;
    public const ulong SHA_1_KEY_GEN = 0x4003UL;
    public const ulong SHA224_KEY_GEN = 0x4004UL;
    public const ulong SHA256_KEY_GEN = 0x4005UL;
    public const ulong SHA384_KEY_GEN = 0x4006UL;
    public const ulong SHA512_KEY_GEN = 0x4007UL;
    public const ulong SHA512_224_KEY_GEN = 0x4008UL;
    public const ulong SHA512_256_KEY_GEN = 0x4009UL;
    public const ulong SHA3_256_KEY_DERIVATION = 0x397UL;
    public const ulong SHA3_224_KEY_DERIVATION = 0x398UL;
    public const ulong SHA3_384_KEY_DERIVATION = 0x399UL;
    public const ulong SHA3_512_KEY_DERIVATION = 0x39AUL;
    public const ulong SHAKE_128_KEY_DERIVATION = 0x39BUL;
    public const ulong SHAKE_256_KEY_DERIVATION = 0x39CUL;
    public const ulong SP800_108_COUNTER_KDF = 0x3ACUL;
    public const ulong SP800_108_FEEDBACK_KDF = 0x3ADUL;
    public const ulong SP800_108_DOUBLE_PIPELINE_KDF = 0x3AEUL;
    public const ulong SHA3_256_RSA_PKCS = 0x60UL;
    public const ulong SHA3_384_RSA_PKCS = 0x61UL;
    public const ulong SHA3_512_RSA_PKCS = 0x62UL;
    public const ulong SHA3_256_RSA_PKCS_PSS = 0x63UL;
    public const ulong SHA3_384_RSA_PKCS_PSS = 0x64UL;
    public const ulong SHA3_512_RSA_PKCS_PSS = 0x65UL;
    public const ulong SHA3_224_RSA_PKCS = 0x66UL;
    public const ulong SHA3_224_RSA_PKCS_PSS = 0x67UL;
    public const ulong ECDSA_SHA3_224 = 0x1047UL;
    public const ulong ECDSA_SHA3_256 = 0x1048UL;
    public const ulong ECDSA_SHA3_384 = 0x1049UL;
    public const ulong ECDSA_SHA3_512 = 0x104AUL;
    public const ulong AES_XTS = 0x1071UL;
    public const ulong AES_XTS_KEY_GEN = 0x1072UL;
    public const ulong CHACHA20_KEY_GEN = 0x1225UL;
    public const ulong CHACHA20 = 0x1226UL;
    public const ulong POLY1305_KEY_GEN = 0x1227UL;
    public const ulong POLY1305 = 0x1228UL;
    public const ulong CHACHA20_POLY1305 = 0x4021UL;
    public const ulong ML_KEM_KEY_PAIR_GEN = 0xFUL;
    public const ulong ML_KEM = 0x17UL;
    public const ulong ML_DSA_KEY_PAIR_GEN = 0x1CUL;
    public const ulong ML_DSA = 0x1DUL;
    public const ulong HASH_ML_DSA = 0x1FUL;
    public const ulong HASH_ML_DSA_SHA224 = 0x23UL;
    public const ulong HASH_ML_DSA_SHA256 = 0x24UL;
    public const ulong HASH_ML_DSA_SHA384 = 0x25UL;
    public const ulong HASH_ML_DSA_SHA512 = 0x26UL;
    public const ulong HASH_ML_DSA_SHA3_224 = 0x27UL;
    public const ulong HASH_ML_DSA_SHA3_256 = 0x28UL;
    public const ulong HASH_ML_DSA_SHA3_384 = 0x29UL;
    public const ulong HASH_ML_DSA_SHA3_512 = 0x2AUL;
    public const ulong HASH_ML_DSA_SHAKE128 = 0x2BUL;
    public const ulong HASH_ML_DSA_SHAKE256 = 0x2CUL;
    public const ulong SLH_DSA_KEY_PAIR_GEN = 0x2DUL;
    public const ulong SLH_DSA = 0x2EUL;
    public const ulong HASH_SLH_DSA = 0x34UL;
    public const ulong HASH_SLH_DSA_SHA224 = 0x36UL;
    public const ulong HASH_SLH_DSA_SHA256 = 0x37UL;
    public const ulong HASH_SLH_DSA_SHA384 = 0x38UL;
    public const ulong HASH_SLH_DSA_SHA512 = 0x39UL;
    public const ulong HASH_SLH_DSA_SHA3_224 = 0x3AUL;
    public const ulong HASH_SLH_DSA_SHA3_256 = 0x3BUL;
    public const ulong HASH_SLH_DSA_SHA3_384 = 0x3CUL;
    public const ulong HASH_SLH_DSA_SHA3_512 = 0x3DUL;
    public const ulong HASH_SLH_DSA_SHAKE128 = 0x3EUL;
    public const ulong HASH_SLH_DSA_SHAKE256 = 0x3FUL;
}

/// <summary>PKCS#11 3.2 CK_HEDGE_TYPE (CK_SIGN_ADDITIONAL_CONTEXT.hedgeVariant of ML-DSA and SLH-DSA signing).</summary>
public static partial class CKH
{
    public const ulong HEDGE_PREFERRED = 0x0UL;
    public const ulong HEDGE_REQUIRED = 0x1UL;
    public const ulong DETERMINISTIC_REQUIRED = 0x2UL;
}

public static partial class CKG
{
    public const ulong MGF1_SHA3_224 = 0x6UL;
    public const ulong MGF1_SHA3_256 = 0x7UL;
    public const ulong MGF1_SHA3_384 = 0x8UL;
    public const ulong MGF1_SHA3_512 = 0x9UL;
}

public static partial class CKD
{
    public const ulong SHA3_224_KDF = 0xAUL;
    public const ulong SHA3_256_KDF = 0xBUL;
    public const ulong SHA3_384_KDF = 0xCUL;
    public const ulong SHA3_512_KDF = 0xDUL;
}

/// <summary>CK_PKCS5_PBKDF2_PSEUDO_RANDOM_FUNCTION_TYPE, CKZ_SALT_SPECIFIED and CKF_HKDF_SALT_* values.</summary>
public static partial class CKP
{
    /// <summary>CKA_PROFILE_ID values (PKCS#11 3.0 profiles).</summary>
    public const ulong INVALID_ID = 0x0UL;
    public const ulong BASELINE_PROVIDER = 0x1UL;
    public const ulong EXTENDED_PROVIDER = 0x2UL;
    public const ulong AUTHENTICATION_TOKEN = 0x3UL;
    public const ulong PUBLIC_CERTIFICATES_TOKEN = 0x4UL;
    public const ulong COMPLETE_PROVIDER = 0x5UL;
    public const ulong HKDF_TLS_TOKEN = 0x6UL;

    public const ulong PKCS5_PBKD2_HMAC_SHA1 = 0x1UL;
    public const ulong PKCS5_PBKD2_HMAC_GOSTR3411 = 0x2UL;
    public const ulong PKCS5_PBKD2_HMAC_SHA224 = 0x3UL;
    public const ulong PKCS5_PBKD2_HMAC_SHA256 = 0x4UL;
    public const ulong PKCS5_PBKD2_HMAC_SHA384 = 0x5UL;
    public const ulong PKCS5_PBKD2_HMAC_SHA512 = 0x6UL;
    public const ulong PKCS5_PBKD2_HMAC_SHA512_224 = 0x7UL;
    public const ulong PKCS5_PBKD2_HMAC_SHA512_256 = 0x8UL;
    public const ulong ML_DSA_44 = 0x1UL;
    public const ulong ML_DSA_65 = 0x2UL;
    public const ulong ML_DSA_87 = 0x3UL;
    public const ulong ML_KEM_512 = 0x1UL;
    public const ulong ML_KEM_768 = 0x2UL;
    public const ulong ML_KEM_1024 = 0x3UL;
    public const ulong SLH_DSA_SHA2_128S = 0x1UL;
    public const ulong SLH_DSA_SHAKE_128S = 0x2UL;
    public const ulong SLH_DSA_SHA2_128F = 0x3UL;
    public const ulong SLH_DSA_SHAKE_128F = 0x4UL;
    public const ulong SLH_DSA_SHA2_192S = 0x5UL;
    public const ulong SLH_DSA_SHAKE_192S = 0x6UL;
    public const ulong SLH_DSA_SHA2_192F = 0x7UL;
    public const ulong SLH_DSA_SHAKE_192F = 0x8UL;
    public const ulong SLH_DSA_SHA2_256S = 0x9UL;
    public const ulong SLH_DSA_SHAKE_256S = 0xAUL;
    public const ulong SLH_DSA_SHA2_256F = 0xBUL;
    public const ulong SLH_DSA_SHAKE_256F = 0xCUL;
}

public static partial class CKR
{
    public const ulong TOKEN_RESOURCE_EXCEEDED = 0x201UL;
    public const ulong OPERATION_CANCEL_FAILED = 0x202UL;

    /// <summary>The tag of an AEAD message did not verify (C_DecryptMessage, C_DecryptMessageNext).</summary>
    public const ulong AEAD_DECRYPT_FAILED = 0x35UL;
}

public static partial class CKF
{
    public const ulong INTERFACE_FORK_SAFE = 0x1UL;
    public const ulong HKDF_SALT_NULL = 0x1UL;
    public const ulong HKDF_SALT_DATA = 0x2UL;
    public const ulong HKDF_SALT_KEY = 0x4UL;

    /// <summary>C_EncryptMessageNext / C_DecryptMessageNext: this part ends the message.</summary>
    public const ulong END_OF_MESSAGE = 0x1UL;

    /// <summary>Mechanism flags (and C_SessionCancel flags) of the message-based functions.</summary>
    public const ulong MESSAGE_ENCRYPT = 0x2UL;
    public const ulong MESSAGE_DECRYPT = 0x4UL;
    public const ulong MESSAGE_SIGN = 0x8UL;
    public const ulong MESSAGE_VERIFY = 0x10UL;
    public const ulong MULTI_MESSAGE = 0x20UL;

    /// <summary>PKCS#11 3.2 mechanism flags: C_EncapsulateKey / C_DecapsulateKey.</summary>
    public const ulong ENCAPSULATE = 0x10000000UL;
    public const ulong DECAPSULATE = 0x20000000UL;
}

/// <summary>CK_GENERATOR_FUNCTION: how the IV or nonce of a message is produced (CK_GCM_MESSAGE_PARAMS, CK_CCM_MESSAGE_PARAMS).</summary>
public static partial class CKG
{
    public const ulong NO_GENERATE = 0x0UL;
    public const ulong GENERATE = 0x1UL;
    public const ulong GENERATE_COUNTER = 0x2UL;
    public const ulong GENERATE_RANDOM = 0x3UL;
    public const ulong GENERATE_COUNTER_XOR = 0x4UL;
}

public static partial class CKZ
{
    public const ulong SALT_SPECIFIED = 0x1UL;
}
