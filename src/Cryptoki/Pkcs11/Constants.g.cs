// Generated from the PKCS#11 header (p11-kit); extended by hand in Pkcs11Extra.cs.
// ReSharper disable InconsistentNaming
namespace OpenCryptokiActors.Cryptoki.Pkcs11;

/// <summary>Other CK_* constants.</summary>
public static partial class CK
{
    public const ulong UNAVAILABLE_INFORMATION = ulong.MaxValue;
    public const ulong EFFECTIVELY_INFINITE = (0UL);
    public const ulong INVALID_HANDLE = (0UL);
    public const ulong OTP_FORMAT_DECIMAL = (0UL);
    public const ulong OTP_FORMAT_HEXADECIMAL = (1UL);
    public const ulong OTP_FORMAT_ALPHANUMERIC = (2UL);
    public const ulong OTP_FORMAT_BINARY = (3UL);
    public const ulong OTP_PARAM_IGNORED = (0UL);
    public const ulong OTP_PARAM_OPTIONAL = (1UL);
    public const ulong OTP_PARAM_MANDATORY = (2UL);
    public const ulong OTP_VALUE = (0UL);
    public const ulong OTP_PIN = (1UL);
    public const ulong OTP_CHALLENGE = (2UL);
    public const ulong OTP_TIME = (3UL);
    public const ulong OTP_COUNTER = (4UL);
    public const ulong OTP_FLAGS = (5UL);
    public const ulong OTP_OUTPUT_LENGTH = (6UL);
    public const ulong OTP_FORMAT = (7UL);
    public const ulong FALSE = 0UL;
    public const ulong TRUE = 1UL;
}

/// <summary>Attribute types (CKA_*).</summary>
public static partial class CKA
{
    public const ulong CLASS = (0UL);
    public const ulong TOKEN = (1UL);
    public const ulong PRIVATE = (2UL);
    public const ulong LABEL = (3UL);
    public const ulong APPLICATION = (0x10UL);
    public const ulong VALUE = (0x11UL);
    public const ulong OBJECT_ID = (0x12UL);
    public const ulong CERTIFICATE_TYPE = (0x80UL);
    public const ulong ISSUER = (0x81UL);
    public const ulong SERIAL_NUMBER = (0x82UL);
    public const ulong AC_ISSUER = (0x83UL);
    public const ulong OWNER = (0x84UL);
    public const ulong ATTR_TYPES = (0x85UL);
    public const ulong TRUSTED = (0x86UL);
    public const ulong CERTIFICATE_CATEGORY = (0x87UL);
    public const ulong JAVA_MIDP_SECURITY_DOMAIN = (0x88UL);
    public const ulong URL = (0x89UL);
    public const ulong HASH_OF_SUBJECT_PUBLIC_KEY = (0x8aUL);
    public const ulong HASH_OF_ISSUER_PUBLIC_KEY = (0x8bUL);
    public const ulong NAME_HASH_ALGORITHM = (0x8cUL);
    public const ulong CHECK_VALUE = (0x90UL);
    public const ulong KEY_TYPE = (0x100UL);
    public const ulong SUBJECT = (0x101UL);
    public const ulong ID = (0x102UL);
    public const ulong SENSITIVE = (0x103UL);
    public const ulong ENCRYPT = (0x104UL);
    public const ulong DECRYPT = (0x105UL);
    public const ulong WRAP = (0x106UL);
    public const ulong UNWRAP = (0x107UL);
    public const ulong SIGN = (0x108UL);
    public const ulong SIGN_RECOVER = (0x109UL);
    public const ulong VERIFY = (0x10aUL);
    public const ulong VERIFY_RECOVER = (0x10bUL);
    public const ulong DERIVE = (0x10cUL);
    public const ulong START_DATE = (0x110UL);
    public const ulong END_DATE = (0x111UL);
    public const ulong MODULUS = (0x120UL);
    public const ulong MODULUS_BITS = (0x121UL);
    public const ulong PUBLIC_EXPONENT = (0x122UL);
    public const ulong PRIVATE_EXPONENT = (0x123UL);
    public const ulong PRIME_1 = (0x124UL);
    public const ulong PRIME_2 = (0x125UL);
    public const ulong EXPONENT_1 = (0x126UL);
    public const ulong EXPONENT_2 = (0x127UL);
    public const ulong COEFFICIENT = (0x128UL);
    public const ulong PUBLIC_KEY_INFO = (0x129UL);
    public const ulong PRIME = (0x130UL);
    public const ulong SUBPRIME = (0x131UL);
    public const ulong BASE = (0x132UL);
    public const ulong PRIME_BITS = (0x133UL);
    public const ulong SUB_PRIME_BITS = (0x134UL);
    public const ulong VALUE_BITS = (0x160UL);
    public const ulong VALUE_LEN = (0x161UL);
    public const ulong EXTRACTABLE = (0x162UL);
    public const ulong LOCAL = (0x163UL);
    public const ulong NEVER_EXTRACTABLE = (0x164UL);
    public const ulong ALWAYS_SENSITIVE = (0x165UL);
    public const ulong KEY_GEN_MECHANISM = (0x166UL);
    public const ulong MODIFIABLE = (0x170UL);
    public const ulong COPYABLE = (0x171UL);
    public const ulong DESTROYABLE = (0x172UL);
    public const ulong ECDSA_PARAMS = (0x180UL);
    public const ulong EC_PARAMS = (0x180UL);
    public const ulong EC_POINT = (0x181UL);
    public const ulong SECONDARY_AUTH = (0x200UL);
    public const ulong AUTH_PIN_FLAGS = (0x201UL);
    public const ulong ALWAYS_AUTHENTICATE = (0x202UL);
    public const ulong WRAP_WITH_TRUSTED = (0x210UL);
    public const ulong OTP_FORMAT = (0x220UL);
    public const ulong OTP_LENGTH = (0x221UL);
    public const ulong OTP_TIME_INTERVAL = (0x222UL);
    public const ulong OTP_USER_FRIENDLY_MODE = (0x223UL);
    public const ulong OTP_CHALLENGE_REQUIREMENT = (0x224UL);
    public const ulong OTP_TIME_REQUIREMENT = (0x225UL);
    public const ulong OTP_COUNTER_REQUIREMENT = (0x226UL);
    public const ulong OTP_PIN_REQUIREMENT = (0x227UL);
    public const ulong OTP_USER_IDENTIFIER = (0x22AUL);
    public const ulong OTP_SERVICE_IDENTIFIER = (0x22BUL);
    public const ulong OTP_SERVICE_LOGO = (0x22CUL);
    public const ulong OTP_SERVICE_LOGO_TYPE = (0x22DUL);
    public const ulong OTP_COUNTER = (0x22EUL);
    public const ulong OTP_TIME = (0x22FUL);
    public const ulong GOSTR3410_PARAMS = (0x250UL);
    public const ulong GOSTR3411_PARAMS = (0x251UL);
    public const ulong GOST28147_PARAMS = (0x252UL);
    public const ulong HW_FEATURE_TYPE = (0x300UL);
    public const ulong RESET_ON_INIT = (0x301UL);
    public const ulong HAS_RESET = (0x302UL);
    public const ulong PIXEL_X = (0x400UL);
    public const ulong PIXEL_Y = (0x401UL);
    public const ulong RESOLUTION = (0x402UL);
    public const ulong CHAR_ROWS = (0x403UL);
    public const ulong CHAR_COLUMNS = (0x404UL);
    public const ulong COLOR = (0x405UL);
    public const ulong BITS_PER_PIXEL = (0x406UL);
    public const ulong CHAR_SETS = (0x480UL);
    public const ulong ENCODING_METHODS = (0x481UL);
    public const ulong MIME_TYPES = (0x482UL);
    public const ulong MECHANISM_TYPE = (0x500UL);
    public const ulong REQUIRED_CMS_ATTRIBUTES = (0x501UL);
    public const ulong DEFAULT_CMS_ATTRIBUTES = (0x502UL);
    public const ulong SUPPORTED_CMS_ATTRIBUTES = (0x503UL);
    public const ulong WRAP_TEMPLATE = (CKF.ARRAY_ATTRIBUTE | 0x211UL);
    public const ulong UNWRAP_TEMPLATE = (CKF.ARRAY_ATTRIBUTE | 0x212UL);
    public const ulong DERIVE_TEMPLATE = (CKF.ARRAY_ATTRIBUTE | 0x213UL);
    public const ulong ALLOWED_MECHANISMS = (CKF.ARRAY_ATTRIBUTE | 0x600UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
}

/// <summary>Mechanism types (CKM_*).</summary>
public static partial class CKM
{
    public const ulong RSA_PKCS_KEY_PAIR_GEN = (0UL);
    public const ulong RSA_PKCS = (1UL);
    public const ulong RSA_9796 = (2UL);
    public const ulong RSA_X_509 = (3UL);
    public const ulong MD2_RSA_PKCS = (4UL);
    public const ulong MD5_RSA_PKCS = (5UL);
    public const ulong SHA1_RSA_PKCS = (6UL);
    public const ulong RIPEMD128_RSA_PKCS = (7UL);
    public const ulong RIPEMD160_RSA_PKCS = (8UL);
    public const ulong RSA_PKCS_OAEP = (9UL);
    public const ulong RSA_X9_31_KEY_PAIR_GEN = (0xaUL);
    public const ulong RSA_X9_31 = (0xbUL);
    public const ulong SHA1_RSA_X9_31 = (0xcUL);
    public const ulong RSA_PKCS_PSS = (0xdUL);
    public const ulong SHA1_RSA_PKCS_PSS = (0xeUL);
    public const ulong DSA_KEY_PAIR_GEN = (0x10UL);
    public const ulong DSA = (0x11UL);
    public const ulong DSA_SHA1 = (0x12UL);
    public const ulong DSA_SHA224 = (0x13UL);
    public const ulong DSA_SHA256 = (0x14UL);
    public const ulong DSA_SHA384 = (0x15UL);
    public const ulong DSA_SHA512 = (0x16UL);
    public const ulong DH_PKCS_KEY_PAIR_GEN = (0x20UL);
    public const ulong DH_PKCS_DERIVE = (0x21UL);
    public const ulong X9_42_DH_KEY_PAIR_GEN = (0x30UL);
    public const ulong X9_42_DH_DERIVE = (0x31UL);
    public const ulong X9_42_DH_HYBRID_DERIVE = (0x32UL);
    public const ulong X9_42_MQV_DERIVE = (0x33UL);
    public const ulong SHA256_RSA_PKCS = (0x40UL);
    public const ulong SHA384_RSA_PKCS = (0x41UL);
    public const ulong SHA512_RSA_PKCS = (0x42UL);
    public const ulong SHA256_RSA_PKCS_PSS = (0x43UL);
    public const ulong SHA384_RSA_PKCS_PSS = (0x44UL);
    public const ulong SHA512_RSA_PKCS_PSS = (0x45UL);
    public const ulong SHA512_224 = (0x48UL);
    public const ulong SHA512_224_HMAC = (0x49UL);
    public const ulong SHA512_224_HMAC_GENERAL = (0x4aUL);
    public const ulong SHA512_224_KEY_DERIVATION = (0x4bUL);
    public const ulong SHA512_256 = (0x4cUL);
    public const ulong SHA512_256_HMAC = (0x4dUL);
    public const ulong SHA512_256_HMAC_GENERAL = (0x4eUL);
    public const ulong SHA512_256_KEY_DERIVATION = (0x4fUL);
    public const ulong SHA512_T = (0x50UL);
    public const ulong SHA512_T_HMAC = (0x51UL);
    public const ulong SHA512_T_HMAC_GENERAL = (0x52UL);
    public const ulong SHA512_T_KEY_DERIVATION = (0x53UL);
    public const ulong RC2_KEY_GEN = (0x100UL);
    public const ulong RC2_ECB = (0x101UL);
    public const ulong RC2_CBC = (0x102UL);
    public const ulong RC2_MAC = (0x103UL);
    public const ulong RC2_MAC_GENERAL = (0x104UL);
    public const ulong RC2_CBC_PAD = (0x105UL);
    public const ulong RC4_KEY_GEN = (0x110UL);
    public const ulong RC4 = (0x111UL);
    public const ulong DES_KEY_GEN = (0x120UL);
    public const ulong DES_ECB = (0x121UL);
    public const ulong DES_CBC = (0x122UL);
    public const ulong DES_MAC = (0x123UL);
    public const ulong DES_MAC_GENERAL = (0x124UL);
    public const ulong DES_CBC_PAD = (0x125UL);
    public const ulong DES2_KEY_GEN = (0x130UL);
    public const ulong DES3_KEY_GEN = (0x131UL);
    public const ulong DES3_ECB = (0x132UL);
    public const ulong DES3_CBC = (0x133UL);
    public const ulong DES3_MAC = (0x134UL);
    public const ulong DES3_MAC_GENERAL = (0x135UL);
    public const ulong DES3_CBC_PAD = (0x136UL);
    public const ulong DES3_CMAC_GENERAL = (0x137UL);
    public const ulong DES3_CMAC = (0x138UL);
    public const ulong CDMF_KEY_GEN = (0x140UL);
    public const ulong CDMF_ECB = (0x141UL);
    public const ulong CDMF_CBC = (0x142UL);
    public const ulong CDMF_MAC = (0x143UL);
    public const ulong CDMF_MAC_GENERAL = (0x144UL);
    public const ulong CDMF_CBC_PAD = (0x145UL);
    public const ulong DES_OFB64 = (0x150UL);
    public const ulong DES_OFB8 = (0x151UL);
    public const ulong DES_CFB64 = (0x152UL);
    public const ulong DES_CFB8 = (0x153UL);
    public const ulong MD2 = (0x200UL);
    public const ulong MD2_HMAC = (0x201UL);
    public const ulong MD2_HMAC_GENERAL = (0x202UL);
    public const ulong MD5 = (0x210UL);
    public const ulong MD5_HMAC = (0x211UL);
    public const ulong MD5_HMAC_GENERAL = (0x212UL);
    public const ulong SHA_1 = (0x220UL);
    public const ulong SHA_1_HMAC = (0x221UL);
    public const ulong SHA_1_HMAC_GENERAL = (0x222UL);
    public const ulong RIPEMD128 = (0x230UL);
    public const ulong RIPEMD128_HMAC = (0x231UL);
    public const ulong RIPEMD128_HMAC_GENERAL = (0x232UL);
    public const ulong RIPEMD160 = (0x240UL);
    public const ulong RIPEMD160_HMAC = (0x241UL);
    public const ulong RIPEMD160_HMAC_GENERAL = (0x242UL);
    public const ulong SHA256 = (0x250UL);
    public const ulong SHA256_HMAC = (0x251UL);
    public const ulong SHA256_HMAC_GENERAL = (0x252UL);
    public const ulong SHA384 = (0x260UL);
    public const ulong SHA384_HMAC = (0x261UL);
    public const ulong SHA384_HMAC_GENERAL = (0x262UL);
    public const ulong SHA512 = (0x270UL);
    public const ulong SHA512_HMAC = (0x271UL);
    public const ulong SHA512_HMAC_GENERAL = (0x272UL);
    public const ulong SECURID_KEY_GEN = (0x280UL);
    public const ulong SECURID = (0x282UL);
    public const ulong HOTP_KEY_GEN = (0x290UL);
    public const ulong HOTP = (0x291UL);
    public const ulong ACTI = (0x2a0UL);
    public const ulong ACTI_KEY_GEN = (0x2a1UL);
    public const ulong CAST_KEY_GEN = (0x300UL);
    public const ulong CAST_ECB = (0x301UL);
    public const ulong CAST_CBC = (0x302UL);
    public const ulong CAST_MAC = (0x303UL);
    public const ulong CAST_MAC_GENERAL = (0x304UL);
    public const ulong CAST_CBC_PAD = (0x305UL);
    public const ulong CAST3_KEY_GEN = (0x310UL);
    public const ulong CAST3_ECB = (0x311UL);
    public const ulong CAST3_CBC = (0x312UL);
    public const ulong CAST3_MAC = (0x313UL);
    public const ulong CAST3_MAC_GENERAL = (0x314UL);
    public const ulong CAST3_CBC_PAD = (0x315UL);
    public const ulong CAST5_KEY_GEN = (0x320UL);
    public const ulong CAST128_KEY_GEN = (0x320UL);
    public const ulong CAST5_ECB = (0x321UL);
    public const ulong CAST128_ECB = (0x321UL);
    public const ulong CAST5_CBC = (0x322UL);
    public const ulong CAST128_CBC = (0x322UL);
    public const ulong CAST5_MAC = (0x323UL);
    public const ulong CAST128_MAC = (0x323UL);
    public const ulong CAST5_MAC_GENERAL = (0x324UL);
    public const ulong CAST128_MAC_GENERAL = (0x324UL);
    public const ulong CAST5_CBC_PAD = (0x325UL);
    public const ulong CAST128_CBC_PAD = (0x325UL);
    public const ulong RC5_KEY_GEN = (0x330UL);
    public const ulong RC5_ECB = (0x331UL);
    public const ulong RC5_CBC = (0x332UL);
    public const ulong RC5_MAC = (0x333UL);
    public const ulong RC5_MAC_GENERAL = (0x334UL);
    public const ulong RC5_CBC_PAD = (0x335UL);
    public const ulong IDEA_KEY_GEN = (0x340UL);
    public const ulong IDEA_ECB = (0x341UL);
    public const ulong IDEA_CBC = (0x342UL);
    public const ulong IDEA_MAC = (0x343UL);
    public const ulong IDEA_MAC_GENERAL = (0x344UL);
    public const ulong IDEA_CBC_PAD = (0x345UL);
    public const ulong GENERIC_SECRET_KEY_GEN = (0x350UL);
    public const ulong CONCATENATE_BASE_AND_KEY = (0x360UL);
    public const ulong CONCATENATE_BASE_AND_DATA = (0x362UL);
    public const ulong CONCATENATE_DATA_AND_BASE = (0x363UL);
    public const ulong XOR_BASE_AND_DATA = (0x364UL);
    public const ulong EXTRACT_KEY_FROM_KEY = (0x365UL);
    public const ulong SSL3_PRE_MASTER_KEY_GEN = (0x370UL);
    public const ulong SSL3_MASTER_KEY_DERIVE = (0x371UL);
    public const ulong SSL3_KEY_AND_MAC_DERIVE = (0x372UL);
    public const ulong SSL3_MASTER_KEY_DERIVE_DH = (0x373UL);
    public const ulong TLS_PRE_MASTER_KEY_GEN = (0x374UL);
    public const ulong TLS_MASTER_KEY_DERIVE = (0x375UL);
    public const ulong TLS_KEY_AND_MAC_DERIVE = (0x376UL);
    public const ulong TLS_MASTER_KEY_DERIVE_DH = (0x377UL);
    public const ulong TLS_PRF = (0x378UL);
    public const ulong SSL3_MD5_MAC = (0x380UL);
    public const ulong SSL3_SHA1_MAC = (0x381UL);
    public const ulong MD5_KEY_DERIVATION = (0x390UL);
    public const ulong MD2_KEY_DERIVATION = (0x391UL);
    public const ulong SHA1_KEY_DERIVATION = (0x392UL);
    public const ulong SHA256_KEY_DERIVATION = (0x393UL);
    public const ulong SHA384_KEY_DERIVATION = (0x394UL);
    public const ulong SHA512_KEY_DERIVATION = (0x395UL);
    public const ulong PBE_MD2_DES_CBC = (0x3a0UL);
    public const ulong PBE_MD5_DES_CBC = (0x3a1UL);
    public const ulong PBE_MD5_CAST_CBC = (0x3a2UL);
    public const ulong PBE_MD5_CAST3_CBC = (0x3a3UL);
    public const ulong PBE_MD5_CAST5_CBC = (0x3a4UL);
    public const ulong PBE_MD5_CAST128_CBC = (0x3a4UL);
    public const ulong PBE_SHA1_CAST5_CBC = (0x3a5UL);
    public const ulong PBE_SHA1_CAST128_CBC = (0x3a5UL);
    public const ulong PBE_SHA1_RC4_128 = (0x3a6UL);
    public const ulong PBE_SHA1_RC4_40 = (0x3a7UL);
    public const ulong PBE_SHA1_DES3_EDE_CBC = (0x3a8UL);
    public const ulong PBE_SHA1_DES2_EDE_CBC = (0x3a9UL);
    public const ulong PBE_SHA1_RC2_128_CBC = (0x3aaUL);
    public const ulong PBE_SHA1_RC2_40_CBC = (0x3abUL);
    public const ulong PKCS5_PBKD2 = (0x3b0UL);
    public const ulong PBA_SHA1_WITH_SHA1_HMAC = (0x3c0UL);
    public const ulong WTLS_PRE_MASTER_KEY_GEN = (0x3d0UL);
    public const ulong WTLS_MASTER_KEY_DERIVE = (0x3d1UL);
    public const ulong WTLS_MASTER_KEY_DERIVE_DH_ECC = (0x3d2UL);
    public const ulong WTLS_PRF = (0x3d3UL);
    public const ulong WTLS_SERVER_KEY_AND_MAC_DERIVE = (0x3d4UL);
    public const ulong WTLS_CLIENT_KEY_AND_MAC_DERIVE = (0x3d5UL);
    public const ulong TLS10_MAC_SERVER = (0x3d6UL);
    public const ulong TLS10_MAC_CLIENT = (0x3d7UL);
    public const ulong TLS12_MAC = (0x3d8UL);
    public const ulong TLS12_KDF = (0x3d9UL);
    public const ulong TLS12_MASTER_KEY_DERIVE = (0x3e0UL);
    public const ulong TLS12_KEY_AND_MAC_DERIVE = (0x3e1UL);
    public const ulong TLS12_MASTER_KEY_DERIVE_DH = (0x3e2UL);
    public const ulong TLS12_KEY_SAFE_DERIVE = (0x3e3UL);
    public const ulong TLS_MAC = (0x3e4UL);
    public const ulong TLS_KDF = (0x3e5UL);
    public const ulong KEY_WRAP_LYNKS = (0x400UL);
    public const ulong KEY_WRAP_SET_OAEP = (0x401UL);
    public const ulong CMS_SIG = (0x500UL);
    public const ulong KIP_DERIVE = (0x510UL);
    public const ulong KIP_WRAP = (0x511UL);
    public const ulong KIP_MAC = (0x512UL);
    public const ulong ARIA_KEY_GEN = (0x560UL);
    public const ulong ARIA_ECB = (0x561UL);
    public const ulong ARIA_CBC = (0x562UL);
    public const ulong ARIA_MAC = (0x563UL);
    public const ulong ARIA_MAC_GENERAL = (0x564UL);
    public const ulong ARIA_CBC_PAD = (0x565UL);
    public const ulong ARIA_ECB_ENCRYPT_DATA = (0x566UL);
    public const ulong ARIA_CBC_ENCRYPT_DATA = (0x567UL);
    public const ulong SEED_KEY_GEN = (0x650UL);
    public const ulong SEED_ECB = (0x651UL);
    public const ulong SEED_CBC = (0x652UL);
    public const ulong SEED_MAC = (0x653UL);
    public const ulong SEED_MAC_GENERAL = (0x654UL);
    public const ulong SEED_CBC_PAD = (0x655UL);
    public const ulong SEED_ECB_ENCRYPT_DATA = (0x656UL);
    public const ulong SEED_CBC_ENCRYPT_DATA = (0x657UL);
    public const ulong SKIPJACK_KEY_GEN = (0x1000UL);
    public const ulong SKIPJACK_ECB64 = (0x1001UL);
    public const ulong SKIPJACK_CBC64 = (0x1002UL);
    public const ulong SKIPJACK_OFB64 = (0x1003UL);
    public const ulong SKIPJACK_CFB64 = (0x1004UL);
    public const ulong SKIPJACK_CFB32 = (0x1005UL);
    public const ulong SKIPJACK_CFB16 = (0x1006UL);
    public const ulong SKIPJACK_CFB8 = (0x1007UL);
    public const ulong SKIPJACK_WRAP = (0x1008UL);
    public const ulong SKIPJACK_PRIVATE_WRAP = (0x1009UL);
    public const ulong SKIPJACK_RELAYX = (0x100aUL);
    public const ulong KEA_KEY_PAIR_GEN = (0x1010UL);
    public const ulong KEA_KEY_DERIVE = (0x1011UL);
    public const ulong FORTEZZA_TIMESTAMP = (0x1020UL);
    public const ulong BATON_KEY_GEN = (0x1030UL);
    public const ulong BATON_ECB128 = (0x1031UL);
    public const ulong BATON_ECB96 = (0x1032UL);
    public const ulong BATON_CBC128 = (0x1033UL);
    public const ulong BATON_COUNTER = (0x1034UL);
    public const ulong BATON_SHUFFLE = (0x1035UL);
    public const ulong BATON_WRAP = (0x1036UL);
    public const ulong ECDSA_KEY_PAIR_GEN = (0x1040UL);
    public const ulong EC_KEY_PAIR_GEN = (0x1040UL);
    public const ulong ECDSA = (0x1041UL);
    public const ulong ECDSA_SHA1 = (0x1042UL);
    public const ulong ECDSA_SHA224 = (0x1043UL);
    public const ulong ECDSA_SHA256 = (0x1044UL);
    public const ulong ECDSA_SHA384 = (0x1045UL);
    public const ulong ECDSA_SHA512 = (0x1046UL);
    public const ulong ECDH1_DERIVE = (0x1050UL);
    public const ulong ECDH1_COFACTOR_DERIVE = (0x1051UL);
    public const ulong ECMQV_DERIVE = (0x1052UL);
    public const ulong ECDH_AES_KEY_WRAP = (0x1053UL);
    public const ulong RSA_AES_KEY_WRAP = (0x1054UL);
    public const ulong JUNIPER_KEY_GEN = (0x1060UL);
    public const ulong JUNIPER_ECB128 = (0x1061UL);
    public const ulong JUNIPER_CBC128 = (0x1062UL);
    public const ulong JUNIPER_COUNTER = (0x1063UL);
    public const ulong JUNIPER_SHUFFLE = (0x1064UL);
    public const ulong JUNIPER_WRAP = (0x1065UL);
    public const ulong FASTHASH = (0x1070UL);
    public const ulong AES_KEY_GEN = (0x1080UL);
    public const ulong AES_ECB = (0x1081UL);
    public const ulong AES_CBC = (0x1082UL);
    public const ulong AES_MAC = (0x1083UL);
    public const ulong AES_MAC_GENERAL = (0x1084UL);
    public const ulong AES_CBC_PAD = (0x1085UL);
    public const ulong AES_CTR = (0x1086UL);
    public const ulong AES_GCM = (0x1087UL);
    public const ulong AES_CCM = (0x1088UL);
    public const ulong AES_CTS = (0x1089UL);
    public const ulong AES_CMAC = (0x108aUL);
    public const ulong AES_CMAC_GENERAL = (0x108bUL);
    public const ulong AES_XCBC_MAC = (0x108cUL);
    public const ulong AES_XCBC_MAC_96 = (0x108dUL);
    public const ulong AES_GMAC = (0x108eUL);
    public const ulong BLOWFISH_KEY_GEN = (0x1090UL);
    public const ulong BLOWFISH_CBC = (0x1091UL);
    public const ulong TWOFISH_KEY_GEN = (0x1092UL);
    public const ulong TWOFISH_CBC = (0x1093UL);
    public const ulong BLOWFISH_CBC_PAD = (0x1094UL);
    public const ulong TWOFISH_CBC_PAD = (0x1095UL);
    public const ulong DES_ECB_ENCRYPT_DATA = (0x1100UL);
    public const ulong DES_CBC_ENCRYPT_DATA = (0x1101UL);
    public const ulong DES3_ECB_ENCRYPT_DATA = (0x1102UL);
    public const ulong DES3_CBC_ENCRYPT_DATA = (0x1103UL);
    public const ulong AES_ECB_ENCRYPT_DATA = (0x1104UL);
    public const ulong AES_CBC_ENCRYPT_DATA = (0x1105UL);
    public const ulong GOSTR3410_KEY_PAIR_GEN = (0x1200UL);
    public const ulong GOSTR3410 = (0x1201UL);
    public const ulong GOSTR3410_WITH_GOSTR3411 = (0x1202UL);
    public const ulong GOSTR3410_KEY_WRAP = (0x1203UL);
    public const ulong GOSTR3410_DERIVE = (0x1204UL);
    public const ulong GOSTR3411 = (0x1210UL);
    public const ulong GOSTR3411_HMAC = (0x1211UL);
    public const ulong GOST28147_KEY_GEN = (0x1220UL);
    public const ulong GOST28147_ECB = (0x1221UL);
    public const ulong GOST28147 = (0x1222UL);
    public const ulong GOST28147_MAC = (0x1223UL);
    public const ulong GOST28147_KEY_WRAP = (0x1224UL);
    public const ulong DSA_PARAMETER_GEN = (0x2000UL);
    public const ulong DH_PKCS_PARAMETER_GEN = (0x2001UL);
    public const ulong X9_42_DH_PARAMETER_GEN = (0x2002UL);
    public const ulong DSA_PROBABLISTIC_PARAMETER_GEN = (0x2003UL);
    public const ulong DSA_SHAWE_TAYLOR_PARAMETER_GEN = (0x2004UL);
    public const ulong AES_OFB = (0x2104UL);
    public const ulong AES_CFB64 = (0x2105UL);
    public const ulong AES_CFB8 = (0x2106UL);
    public const ulong AES_CFB128 = (0x2107UL);
    public const ulong AES_CFB1 = (0x2108UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
    public const ulong SHA224 = (0x255UL);
    public const ulong SHA224_HMAC = (0x256UL);
    public const ulong SHA224_HMAC_GENERAL = (0x257UL);
    public const ulong SHA224_RSA_PKCS = (0x46UL);
    public const ulong SHA224_RSA_PKCS_PSS = (0x47UL);
    public const ulong SHA224_KEY_DERIVATION = (0x396UL);
    public const ulong CAMELLIA_KEY_GEN = (0x550UL);
    public const ulong CAMELLIA_ECB = (0x551UL);
    public const ulong CAMELLIA_CBC = (0x552UL);
    public const ulong CAMELLIA_MAC = (0x553UL);
    public const ulong CAMELLIA_MAC_GENERAL = (0x554UL);
    public const ulong CAMELLIA_CBC_PAD = (0x555UL);
    public const ulong CAMELLIA_ECB_ENCRYPT_DATA = (0x556UL);
    public const ulong CAMELLIA_CBC_ENCRYPT_DATA = (0x557UL);
    public const ulong CAMELLIA_CTR = (0x558UL);
    public const ulong AES_KEY_WRAP = (0x2109UL);
    public const ulong AES_KEY_WRAP_PAD = (0x210aUL);
    public const ulong RSA_PKCS_TPM_1_1 = (0x4001UL);
    public const ulong RSA_PKCS_OAEP_TPM_1_1 = (0x4002UL);
    public const ulong EC_EDWARDS_KEY_PAIR_GEN = (0x1055UL);
    public const ulong EDDSA = (0x1057UL);
}

/// <summary>Return values (CKR_*).</summary>
public static partial class CKR
{
    public const ulong OK = (0UL);
    public const ulong CANCEL = (1UL);
    public const ulong HOST_MEMORY = (2UL);
    public const ulong SLOT_ID_INVALID = (3UL);
    public const ulong GENERAL_ERROR = (5UL);
    public const ulong FUNCTION_FAILED = (6UL);
    public const ulong ARGUMENTS_BAD = (7UL);
    public const ulong NO_EVENT = (8UL);
    public const ulong NEED_TO_CREATE_THREADS = (9UL);
    public const ulong CANT_LOCK = (0xaUL);
    public const ulong ATTRIBUTE_READ_ONLY = (0x10UL);
    public const ulong ATTRIBUTE_SENSITIVE = (0x11UL);
    public const ulong ATTRIBUTE_TYPE_INVALID = (0x12UL);
    public const ulong ATTRIBUTE_VALUE_INVALID = (0x13UL);
    public const ulong ACTION_PROHIBITED = (0x1BUL);
    public const ulong DATA_INVALID = (0x20UL);
    public const ulong DATA_LEN_RANGE = (0x21UL);
    public const ulong DEVICE_ERROR = (0x30UL);
    public const ulong DEVICE_MEMORY = (0x31UL);
    public const ulong DEVICE_REMOVED = (0x32UL);
    public const ulong ENCRYPTED_DATA_INVALID = (0x40UL);
    public const ulong ENCRYPTED_DATA_LEN_RANGE = (0x41UL);
    public const ulong FUNCTION_CANCELED = (0x50UL);
    public const ulong FUNCTION_NOT_PARALLEL = (0x51UL);
    public const ulong FUNCTION_NOT_SUPPORTED = (0x54UL);
    public const ulong KEY_HANDLE_INVALID = (0x60UL);
    public const ulong KEY_SIZE_RANGE = (0x62UL);
    public const ulong KEY_TYPE_INCONSISTENT = (0x63UL);
    public const ulong KEY_NOT_NEEDED = (0x64UL);
    public const ulong KEY_CHANGED = (0x65UL);
    public const ulong KEY_NEEDED = (0x66UL);
    public const ulong KEY_INDIGESTIBLE = (0x67UL);
    public const ulong KEY_FUNCTION_NOT_PERMITTED = (0x68UL);
    public const ulong KEY_NOT_WRAPPABLE = (0x69UL);
    public const ulong KEY_UNEXTRACTABLE = (0x6aUL);
    public const ulong MECHANISM_INVALID = (0x70UL);
    public const ulong MECHANISM_PARAM_INVALID = (0x71UL);
    public const ulong OBJECT_HANDLE_INVALID = (0x82UL);
    public const ulong OPERATION_ACTIVE = (0x90UL);
    public const ulong OPERATION_NOT_INITIALIZED = (0x91UL);
    public const ulong PIN_INCORRECT = (0xa0UL);
    public const ulong PIN_INVALID = (0xa1UL);
    public const ulong PIN_LEN_RANGE = (0xa2UL);
    public const ulong PIN_EXPIRED = (0xa3UL);
    public const ulong PIN_LOCKED = (0xa4UL);
    public const ulong SESSION_CLOSED = (0xb0UL);
    public const ulong SESSION_COUNT = (0xb1UL);
    public const ulong SESSION_HANDLE_INVALID = (0xb3UL);
    public const ulong SESSION_PARALLEL_NOT_SUPPORTED = (0xb4UL);
    public const ulong SESSION_READ_ONLY = (0xb5UL);
    public const ulong SESSION_EXISTS = (0xb6UL);
    public const ulong SESSION_READ_ONLY_EXISTS = (0xb7UL);
    public const ulong SESSION_READ_WRITE_SO_EXISTS = (0xb8UL);
    public const ulong SIGNATURE_INVALID = (0xc0UL);
    public const ulong SIGNATURE_LEN_RANGE = (0xc1UL);
    public const ulong TEMPLATE_INCOMPLETE = (0xd0UL);
    public const ulong TEMPLATE_INCONSISTENT = (0xd1UL);
    public const ulong TOKEN_NOT_PRESENT = (0xe0UL);
    public const ulong TOKEN_NOT_RECOGNIZED = (0xe1UL);
    public const ulong TOKEN_WRITE_PROTECTED = (0xe2UL);
    public const ulong UNWRAPPING_KEY_HANDLE_INVALID = (0xf0UL);
    public const ulong UNWRAPPING_KEY_SIZE_RANGE = (0xf1UL);
    public const ulong UNWRAPPING_KEY_TYPE_INCONSISTENT = (0xf2UL);
    public const ulong USER_ALREADY_LOGGED_IN = (0x100UL);
    public const ulong USER_NOT_LOGGED_IN = (0x101UL);
    public const ulong USER_PIN_NOT_INITIALIZED = (0x102UL);
    public const ulong USER_TYPE_INVALID = (0x103UL);
    public const ulong USER_ANOTHER_ALREADY_LOGGED_IN = (0x104UL);
    public const ulong USER_TOO_MANY_TYPES = (0x105UL);
    public const ulong WRAPPED_KEY_INVALID = (0x110UL);
    public const ulong WRAPPED_KEY_LEN_RANGE = (0x112UL);
    public const ulong WRAPPING_KEY_HANDLE_INVALID = (0x113UL);
    public const ulong WRAPPING_KEY_SIZE_RANGE = (0x114UL);
    public const ulong WRAPPING_KEY_TYPE_INCONSISTENT = (0x115UL);
    public const ulong RANDOM_SEED_NOT_SUPPORTED = (0x120UL);
    public const ulong RANDOM_NO_RNG = (0x121UL);
    public const ulong DOMAIN_PARAMS_INVALID = (0x130UL);
    public const ulong CURVE_NOT_SUPPORTED = (0x140UL);
    public const ulong BUFFER_TOO_SMALL = (0x150UL);
    public const ulong SAVED_STATE_INVALID = (0x160UL);
    public const ulong INFORMATION_SENSITIVE = (0x170UL);
    public const ulong STATE_UNSAVEABLE = (0x180UL);
    public const ulong CRYPTOKI_NOT_INITIALIZED = (0x190UL);
    public const ulong CRYPTOKI_ALREADY_INITIALIZED = (0x191UL);
    public const ulong MUTEX_BAD = (0x1a0UL);
    public const ulong MUTEX_NOT_LOCKED = (0x1a1UL);
    public const ulong NEW_PIN_MODE = (0x1b0UL);
    public const ulong NEXT_OTP = (0x1b1UL);
    public const ulong EXCEEDED_MAX_ITERATIONS = (0x1c0UL);
    public const ulong FIPS_SELF_TEST_FAILED = (0x1c1UL);
    public const ulong LIBRARY_LOAD_FAILED = (0x1c2UL);
    public const ulong PIN_TOO_WEAK = (0x1c3UL);
    public const ulong PUBLIC_KEY_INVALID = (0x1c4UL);
    public const ulong FUNCTION_REJECTED = (0x200UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
}

/// <summary>Object classes (CKO_*).</summary>
public static partial class CKO
{
    public const ulong DATA = (0UL);
    public const ulong CERTIFICATE = (1UL);
    public const ulong PUBLIC_KEY = (2UL);
    public const ulong PRIVATE_KEY = (3UL);
    public const ulong SECRET_KEY = (4UL);
    public const ulong HW_FEATURE = (5UL);
    public const ulong DOMAIN_PARAMETERS = (6UL);
    public const ulong MECHANISM = (7UL);
    public const ulong OTP_KEY = (8UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
}

/// <summary>Key types (CKK_*).</summary>
public static partial class CKK
{
    public const ulong RSA = (0UL);
    public const ulong DSA = (1UL);
    public const ulong DH = (2UL);
    public const ulong ECDSA = (3UL);
    public const ulong EC = (3UL);
    public const ulong X9_42_DH = (4UL);
    public const ulong KEA = (5UL);
    public const ulong GENERIC_SECRET = (0x10UL);
    public const ulong RC2 = (0x11UL);
    public const ulong RC4 = (0x12UL);
    public const ulong DES = (0x13UL);
    public const ulong DES2 = (0x14UL);
    public const ulong DES3 = (0x15UL);
    public const ulong CAST = (0x16UL);
    public const ulong CAST3 = (0x17UL);
    public const ulong CAST128 = (0x18UL);
    public const ulong RC5 = (0x19UL);
    public const ulong IDEA = (0x1aUL);
    public const ulong SKIPJACK = (0x1bUL);
    public const ulong BATON = (0x1cUL);
    public const ulong JUNIPER = (0x1dUL);
    public const ulong CDMF = (0x1eUL);
    public const ulong AES = (0x1fUL);
    public const ulong BLOWFISH = (0x20UL);
    public const ulong TWOFISH = (0x21UL);
    public const ulong SECURID = (0x22UL);
    public const ulong HOTP = (0x23UL);
    public const ulong ACTI = (0x24UL);
    public const ulong CAMELLIA = (0x25UL);
    public const ulong ARIA = (0x26UL);
    public const ulong MD5_HMAC = (0x27UL);
    public const ulong SHA_1_HMAC = (0x28UL);
    public const ulong RIPEMD128_HMAC = (0x29UL);
    public const ulong RIPEMD160_HMAC = (0x2aUL);
    public const ulong SHA256_HMAC = (0x2bUL);
    public const ulong SHA384_HMAC = (0x2cUL);
    public const ulong SHA512_HMAC = (0x2dUL);
    public const ulong SHA224_HMAC = (0x2eUL);
    public const ulong SEED = (0x2fUL);
    public const ulong GOSTR3410 = (0x30UL);
    public const ulong GOSTR3411 = (0x31UL);
    public const ulong GOST28147 = (0x32UL);
    public const ulong EC_EDWARDS = (0x40UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
}

/// <summary>Flags (CKF_*): token, slot, session, mechanism and initialize flags share this namespace, as in the specification.</summary>
public static partial class CKF
{
    public const ulong TOKEN_PRESENT = (1UL << 0);
    public const ulong REMOVABLE_DEVICE = (1UL << 1);
    public const ulong HW_SLOT = (1UL << 2);
    public const ulong ARRAY_ATTRIBUTE = (1UL << 30);
    public const ulong RNG = (1UL << 0);
    public const ulong WRITE_PROTECTED = (1UL << 1);
    public const ulong LOGIN_REQUIRED = (1UL << 2);
    public const ulong USER_PIN_INITIALIZED = (1UL << 3);
    public const ulong RESTORE_KEY_NOT_NEEDED = (1UL << 5);
    public const ulong CLOCK_ON_TOKEN = (1UL << 6);
    public const ulong PROTECTED_AUTHENTICATION_PATH = (1UL << 8);
    public const ulong DUAL_CRYPTO_OPERATIONS = (1UL << 9);
    public const ulong TOKEN_INITIALIZED = (1UL << 10);
    public const ulong SECONDARY_AUTHENTICATION = (1UL << 11);
    public const ulong USER_PIN_COUNT_LOW = (1UL << 16);
    public const ulong USER_PIN_FINAL_TRY = (1UL << 17);
    public const ulong USER_PIN_LOCKED = (1UL << 18);
    public const ulong USER_PIN_TO_BE_CHANGED = (1UL << 19);
    public const ulong SO_PIN_COUNT_LOW = (1UL << 20);
    public const ulong SO_PIN_FINAL_TRY = (1UL << 21);
    public const ulong SO_PIN_LOCKED = (1UL << 22);
    public const ulong SO_PIN_TO_BE_CHANGED = (1UL << 23);
    public const ulong RW_SESSION = (1UL << 1);
    public const ulong SERIAL_SESSION = (1UL << 2);
    public const ulong NEXT_OTP = (0x01UL);
    public const ulong EXCLUDE_TIME = (0x02UL);
    public const ulong EXCLUDE_COUNTER = (0x04UL);
    public const ulong EXCLUDE_CHALLENGE = (0x08UL);
    public const ulong EXCLUDE_PIN = (0x10UL);
    public const ulong USER_FRIENDLY_OTP = (0x20UL);
    public const ulong HW = (1UL << 0);
    public const ulong ENCRYPT = (1UL << 8);
    public const ulong DECRYPT = (1UL << 9);
    public const ulong DIGEST = (1UL << 10);
    public const ulong SIGN = (1UL << 11);
    public const ulong SIGN_RECOVER = (1UL << 12);
    public const ulong VERIFY = (1UL << 13);
    public const ulong VERIFY_RECOVER = (1UL << 14);
    public const ulong GENERATE = (1UL << 15);
    public const ulong GENERATE_KEY_PAIR = (1UL << 16);
    public const ulong WRAP = (1UL << 17);
    public const ulong UNWRAP = (1UL << 18);
    public const ulong DERIVE = (1UL << 19);
    public const ulong EXTENSION = ( (1UL << 31));
    public const ulong EC_F_P = (1UL << 20);
    public const ulong EC_NAMEDCURVE = (1UL << 23);
    public const ulong EC_UNCOMPRESS = (1UL << 24);
    public const ulong EC_COMPRESS = (1UL << 25);
    public const ulong DONT_BLOCK = (1UL);
    public const ulong LIBRARY_CANT_CREATE_OS_THREADS = (1UL << 0);
    public const ulong OS_LOCKING_OK = (1UL << 1);
}

/// <summary>User types (CKU_*).</summary>
public static partial class CKU
{
    public const ulong SO = (0UL);
    public const ulong USER = (1UL);
    public const ulong CONTEXT_SPECIFIC = (2UL);
}

/// <summary>Session states (CKS_*).</summary>
public static partial class CKS
{
    public const ulong RO_PUBLIC_SESSION = (0UL);
    public const ulong RO_USER_FUNCTIONS = (1UL);
    public const ulong RW_PUBLIC_SESSION = (2UL);
    public const ulong RW_USER_FUNCTIONS = (3UL);
    public const ulong RW_SO_FUNCTIONS = (4UL);
}

/// <summary>Certificate types (CKC_*).</summary>
public static partial class CKC
{
    public const ulong X_509 = (0UL);
    public const ulong X_509_ATTR_CERT = (1UL);
    public const ulong WTLS = (2UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
    public const ulong OPENPGP = (CKC.VENDOR_DEFINED|0x504750UL);
}

/// <summary>Mask generation functions (CKG_*).</summary>
public static partial class CKG
{
    public const ulong MGF1_SHA1 = 0x00000001UL;
    public const ulong MGF1_SHA224 = 0x00000005UL;
    public const ulong MGF1_SHA256 = 0x00000002UL;
    public const ulong MGF1_SHA384 = 0x00000003UL;
    public const ulong MGF1_SHA512 = 0x00000004UL;
}

/// <summary>Key derivation functions (CKD_*).</summary>
public static partial class CKD
{
    public const ulong NULL = (0x01UL);
    public const ulong SHA1_KDF = (0x02UL);
    public const ulong SHA1_KDF_ASN1 = (0x03UL);
    public const ulong SHA1_KDF_CONCATENATE = (0x04UL);
    public const ulong SHA224_KDF = (0x05UL);
    public const ulong SHA256_KDF = (0x06UL);
    public const ulong SHA384_KDF = (0x07UL);
    public const ulong SHA512_KDF = (0x08UL);
    public const ulong CPDIVERSIFY_KDF = (0x09UL);
}

/// <summary>OAEP source types (CKZ_*).</summary>
public static partial class CKZ
{
    public const ulong DATA_SPECIFIED = (0x01UL);
}

/// <summary>Hardware feature types (CKH_*).</summary>
public static partial class CKH
{
    public const ulong MONOTONIC_COUNTER = (1UL);
    public const ulong CLOCK = (2UL);
    public const ulong USER_INTERFACE = (3UL);
    public const ulong VENDOR_DEFINED = ( (1UL << 31));
}

/// <summary>Notifications (CKN_*).</summary>
public static partial class CKN
{
    public const ulong SURRENDER = (0UL);
    public const ulong OTP_CHANGED = (0x01UL);
}
