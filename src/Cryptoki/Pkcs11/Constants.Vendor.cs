// PKCS#11 3.0 / 3.2 constants of the conformance work, and the IBM vendor mechanisms of openCryptoki's pkcs11types.h
// (CKM_VENDOR_DEFINED + offset) that its soft token lists.
namespace OpenCryptokiActors.Cryptoki.Pkcs11;

public static partial class CKM
{
    /// <summary>PKCS#11 3.0: AES key wrap (RFC 3394) of PKCS #7-padded data.</summary>
    public const ulong AES_KEY_WRAP_PKCS7 = 0x210CUL;

    /// <summary>PKCS#11 3.2: C_DeriveKey of the public key object that belongs to a private key.</summary>
    public const ulong PUB_KEY_FROM_PRIV_KEY = 0x403AUL;

    /// <summary>openCryptoki: SHA-3 digests under IBM's numbers (CKM_VENDOR_DEFINED + 0x10001 ..).</summary>
    public const ulong IBM_SHA3_224 = 0x80010001UL;
    public const ulong IBM_SHA3_256 = 0x80010002UL;
    public const ulong IBM_SHA3_384 = 0x80010003UL;
    public const ulong IBM_SHA3_512 = 0x80010004UL;

    /// <summary>openCryptoki: HMAC over SHA-3 under IBM's numbers (no _GENERAL forms).</summary>
    public const ulong IBM_SHA3_224_HMAC = 0x80010025UL;
    public const ulong IBM_SHA3_256_HMAC = 0x80010026UL;
    public const ulong IBM_SHA3_384_HMAC = 0x80010027UL;
    public const ulong IBM_SHA3_512_HMAC = 0x80010028UL;
}

public static partial class CKA
{
    /// <summary>PKCS#11 3.2: the seed an ML-DSA (ξ, 32 bytes) or ML-KEM (d || z, 64 bytes) private key is generated from.</summary>
    public const ulong SEED = 0x637UL;
}

public static partial class CKD
{
    /// <summary>PKCS#11 3.0: the one-step KDF of NIST SP 800-56A / 56C, K(i) = H(counter_32be || Z || OtherInfo).</summary>
    public const ulong SHA1_KDF_SP800 = 0xEUL;
    public const ulong SHA224_KDF_SP800 = 0xFUL;
    public const ulong SHA256_KDF_SP800 = 0x10UL;
    public const ulong SHA384_KDF_SP800 = 0x11UL;
    public const ulong SHA512_KDF_SP800 = 0x12UL;
    public const ulong SHA3_224_KDF_SP800 = 0x13UL;
    public const ulong SHA3_256_KDF_SP800 = 0x14UL;
    public const ulong SHA3_384_KDF_SP800 = 0x15UL;
    public const ulong SHA3_512_KDF_SP800 = 0x16UL;
}
