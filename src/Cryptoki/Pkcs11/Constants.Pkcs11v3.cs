// PKCS#11 3.0 constants missing from the 2.40 header that Constants.g.cs was generated from.
namespace OpenCryptokiActors.Cryptoki.Pkcs11;

public static partial class CKA
{
    public const ulong UNIQUE_ID = 0x4UL;
    public const ulong PROFILE_ID = 0x601UL;
    public const ulong X2RATCHET_BAG = 0x602UL;
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
}

public static partial class CKR
{
    public const ulong TOKEN_RESOURCE_EXCEEDED = 0x201UL;
    public const ulong OPERATION_CANCEL_FAILED = 0x202UL;
}

public static partial class CKF
{
    public const ulong INTERFACE_FORK_SAFE = 0x1UL;
}
