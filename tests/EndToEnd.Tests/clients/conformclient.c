/*
 * conformclient: the mechanisms of openCryptoki's soft token that this module gained, through the module from C.
 * openCryptoki's IBM SHA-3 numbers, ECDH with an SP 800-56A KDF (CKD_*_KDF_SP800), CKM_AES_KEY_WRAP_PKCS7,
 * CKM_PUB_KEY_FROM_PRIV_KEY and, on a slot whose policy has legacy = on, MD2 and RSA keys of 512 bits (refused on the
 * default slot). Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev), -ldl.
 *
 *   conformclient MODULE SLOT LEGACYSLOT USERPIN EC_D EC_PEER RSA_N RSA_E RSA_D RSA_P RSA_Q RSA_DP RSA_DQ RSA_QI
 *
 * (hex arguments: the P-256 private value and peer point of the ECDH known answer, the 512-bit RSA key's components).
 * Prints one line "name rv=0x.. ..." per check, then "DONE". Failures of set-up calls print "FAIL <call> rv=0x.." and exit 2.
 */
#include "client.h"

#define CKM_IBM_SHA3_256 0x80010002UL
#define CKM_IBM_SHA3_256_HMAC 0x80010026UL
#define CKM_AES_KEY_WRAP_PKCS7 0x210CUL
#define CKM_PUB_KEY_FROM_PRIV_KEY 0x403AUL
#define CKD_SHA256_KDF_SP800 0x10UL
#define CKK_ML_DSA 0x4AUL
#define CKM_ML_DSA 0x1DUL
#define CKA_SEED 0x637UL
#define CKP_ML_DSA_44 1UL

static CK_FUNCTION_LIST *p;

static CK_ULONG unhex(const char *s, CK_BYTE *out, CK_ULONG cap)
{
    CK_ULONG n = strlen(s) / 2;
    if (n > cap) {
        printf("FAIL hex argument too long\n");
        exit(2);
    }
    for (CK_ULONG i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &out[i]);
    return n;
}

static CK_SESSION_HANDLE login(CK_SLOT_ID slot, const char *pin)
{
    CK_SESSION_HANDLE s;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login");
    return s;
}

static void attribute(CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
    static CK_BYTE v[2048];
    CK_ATTRIBUTE a = {type, v, sizeof v};
    CK_RV rv = p->C_GetAttributeValue(s, h, &a, 1);
    if (rv != CKR_OK) {
        printf(" %s=rv0x%lx", label, rv);
        return;
    }
    print_hex(label, v, a.ulValueLen);
}

static void digest(CK_SESSION_HANDLE s, const char *name, CK_MECHANISM_TYPE type, const char *text)
{
    CK_MECHANISM m = {type, NULL, 0};
    CK_BYTE out[64];
    CK_ULONG len = sizeof out;
    CK_RV rv = p->C_DigestInit(s, &m);
    if (rv == CKR_OK) rv = p->C_Digest(s, (CK_BYTE *)text, strlen(text), out, &len);
    printf("%s rv=0x%lx", name, rv);
    if (rv == CKR_OK) print_hex("digest", out, len);
    printf("\n");
}

/* An RSA private key of the given components, CKA_SIGN; then C_SignInit(SHA256_RSA_PKCS) and C_Sign of text. */
static void rsa_sign(CK_SESSION_HANDLE s, const char *name, char **c, const char *text)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_KEY_TYPE kt = CKK_RSA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    static CK_BYTE v[8][128];
    CK_ULONG n[8];
    for (int i = 0; i < 8; i++) n[i] = unhex(c[i], v[i], sizeof v[i]);
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_TOKEN, &no, sizeof no}, {CKA_SIGN, &yes, sizeof yes},
        {CKA_MODULUS, v[0], n[0]}, {CKA_PUBLIC_EXPONENT, v[1], n[1]}, {CKA_PRIVATE_EXPONENT, v[2], n[2]},
        {CKA_PRIME_1, v[3], n[3]}, {CKA_PRIME_2, v[4], n[4]}, {CKA_EXPONENT_1, v[5], n[5]}, {CKA_EXPONENT_2, v[6], n[6]},
        {CKA_COEFFICIENT, v[7], n[7]},
    };
    CK_OBJECT_HANDLE key;
    CK_RV rv = p->C_CreateObject(s, t, 12, &key);
    printf("%s create=0x%lx", name, rv);
    if (rv == CKR_OK) {
        CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
        CK_BYTE sig[128];
        CK_ULONG len = sizeof sig;
        rv = p->C_SignInit(s, &m, key);
        if (rv == CKR_OK) rv = p->C_Sign(s, (CK_BYTE *)text, strlen(text), sig, &len);
        printf(" rv=0x%lx", rv);
        if (rv == CKR_OK) print_hex("sig", sig, len);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc < 15) {
        fprintf(stderr, "usage: conformclient MODULE SLOT LEGACYSLOT USERPIN EC_D EC_PEER RSA_N RSA_E RSA_D RSA_P RSA_Q RSA_DP RSA_DQ RSA_QI\n");
        return 1;
    }
    p = load_functions(open_module(argv[1]));
    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot = (CK_SLOT_ID)strtoul(argv[2], NULL, 10), legacySlot = (CK_SLOT_ID)strtoul(argv[3], NULL, 10);
    CK_SESSION_HANDLE s = login(slot, argv[4]);
    CK_OBJECT_CLASS secretClass = CKO_SECRET_KEY, privateClass = CKO_PRIVATE_KEY;
    CK_KEY_TYPE generic = CKK_GENERIC_SECRET, aes = CKK_AES, ec = CKK_EC;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

    /* ---- IBM SHA-3: digest "abc"; HMAC with key 0b x 20 over "Hi There" ---- */
    digest(s, "ibm-sha3-256", CKM_IBM_SHA3_256, "abc");
    CK_BYTE hmacKey[20];
    memset(hmacKey, 0x0b, sizeof hmacKey);
    CK_ATTRIBUTE hmacTemplate[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_TOKEN, &no, sizeof no},
        {CKA_VALUE, hmacKey, sizeof hmacKey}, {CKA_SIGN, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE hmac;
    CHECK(p->C_CreateObject(s, hmacTemplate, 5, &hmac), "C_CreateObject(hmac)");
    CK_MECHANISM hmacMech = {CKM_IBM_SHA3_256_HMAC, NULL, 0};
    CK_BYTE mac[64];
    CK_ULONG macLen = sizeof mac;
    CK_RV rv = p->C_SignInit(s, &hmacMech, hmac);
    if (rv == CKR_OK) rv = p->C_Sign(s, (CK_BYTE *)"Hi There", 8, mac, &macLen);
    printf("ibm-sha3-256-hmac rv=0x%lx", rv);
    if (rv == CKR_OK) print_hex("mac", mac, macLen);
    printf("\n");

    /* ---- ECDH1_DERIVE and ECDH1_COFACTOR_DERIVE with CKD_SHA256_KDF_SP800, shared data 0102030405, 40 bytes ---- */
    CK_BYTE d[32], peer[80];
    CK_ULONG dLen = unhex(argv[5], d, sizeof d), peerLen = unhex(argv[6], peer, sizeof peer);
    CK_ATTRIBUTE ecTemplate[] = {
        {CKA_CLASS, &privateClass, sizeof privateClass}, {CKA_KEY_TYPE, &ec, sizeof ec}, {CKA_TOKEN, &no, sizeof no},
        {CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VALUE, d, dLen}, {CKA_DERIVE, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE ecKey;
    CHECK(p->C_CreateObject(s, ecTemplate, 6, &ecKey), "C_CreateObject(ec)");
    CK_BYTE shared[] = {1, 2, 3, 4, 5};
    CK_ECDH1_DERIVE_PARAMS ecdh = {CKD_SHA256_KDF_SP800, sizeof shared, shared, peerLen, peer};
    CK_ULONG len40 = 40;
    CK_ATTRIBUTE derivedTemplate[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_VALUE_LEN, &len40, sizeof len40},
        {CKA_SENSITIVE, &no, sizeof no}, {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_TOKEN, &no, sizeof no},
    };
    CK_MECHANISM_TYPE ecdhMechs[] = {CKM_ECDH1_DERIVE, CKM_ECDH1_COFACTOR_DERIVE};
    for (int i = 0; i < 2; i++) {
        CK_MECHANISM m = {ecdhMechs[i], &ecdh, sizeof ecdh};
        CK_OBJECT_HANDLE k = 0;
        rv = p->C_DeriveKey(s, &m, ecKey, derivedTemplate, 6, &k);
        printf("%s rv=0x%lx", i == 0 ? "ecdh-sp800" : "ecdh-cofactor-sp800", rv);
        if (rv == CKR_OK) attribute(s, "key", k, CKA_VALUE);
        printf("\n");
    }

    /* ---- CKM_AES_KEY_WRAP_PKCS7: encrypt 8 bytes; wrap and unwrap a 20-byte generic secret ---- */
    CK_BYTE kek[16];
    for (int i = 0; i < 16; i++) kek[i] = (CK_BYTE)i;
    CK_ATTRIBUTE kekTemplate[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, sizeof no},
        {CKA_VALUE, kek, sizeof kek}, {CKA_ENCRYPT, &yes, sizeof yes}, {CKA_DECRYPT, &yes, sizeof yes},
        {CKA_WRAP, &yes, sizeof yes}, {CKA_UNWRAP, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE kekHandle;
    CHECK(p->C_CreateObject(s, kekTemplate, 8, &kekHandle), "C_CreateObject(kek)");
    CK_MECHANISM kw = {CKM_AES_KEY_WRAP_PKCS7, NULL, 0};
    CK_BYTE plain[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}, wrapped[64];
    CK_ULONG wrappedLen = sizeof wrapped;
    rv = p->C_EncryptInit(s, &kw, kekHandle);
    if (rv == CKR_OK) rv = p->C_Encrypt(s, plain, sizeof plain, wrapped, &wrappedLen);
    printf("kw-pkcs7-encrypt rv=0x%lx", rv);
    if (rv == CKR_OK) print_hex("out", wrapped, wrappedLen);
    printf("\n");
    CK_BYTE secret[20];
    memset(secret, 0x42, sizeof secret);
    CK_ATTRIBUTE secretTemplate[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_TOKEN, &no, sizeof no},
        {CKA_VALUE, secret, sizeof secret}, {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_SENSITIVE, &no, sizeof no},
    };
    CK_OBJECT_HANDLE toWrap, unwrapped = 0;
    CHECK(p->C_CreateObject(s, secretTemplate, 6, &toWrap), "C_CreateObject(secret)");
    wrappedLen = sizeof wrapped;
    rv = p->C_WrapKey(s, &kw, kekHandle, toWrap, wrapped, &wrappedLen);
    printf("kw-pkcs7-wrap rv=0x%lx len=%lu", rv, wrappedLen);
    if (rv == CKR_OK) {
        CK_ATTRIBUTE unwrapTemplate[] = {
            {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_TOKEN, &no, sizeof no},
            {CKA_SENSITIVE, &no, sizeof no}, {CKA_EXTRACTABLE, &yes, sizeof yes},
        };
        rv = p->C_UnwrapKey(s, &kw, kekHandle, wrapped, wrappedLen, unwrapTemplate, 5, &unwrapped);
        printf(" unwrap=0x%lx", rv);
        if (rv == CKR_OK) attribute(s, "value", unwrapped, CKA_VALUE);
    }
    printf("\n");

    /* ---- CKM_PUB_KEY_FROM_PRIV_KEY of a generated P-256 pair (the private key has CKA_DERIVE FALSE) ---- */
    CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_TOKEN, &no, sizeof no}, {CKA_VERIFY, &yes, sizeof yes}};
    CK_ATTRIBUTE privT[] = {{CKA_TOKEN, &no, sizeof no}, {CKA_SIGN, &yes, sizeof yes}, {CKA_DERIVE, &no, sizeof no}};
    CK_OBJECT_HANDLE pub, priv, fromPriv = 0;
    CHECK(p->C_GenerateKeyPair(s, &gen, pubT, 3, privT, 3, &pub, &priv), "C_GenerateKeyPair(ec)");
    CK_MECHANISM pubFromPriv = {CKM_PUB_KEY_FROM_PRIV_KEY, NULL, 0};
    rv = p->C_DeriveKey(s, &pubFromPriv, priv, NULL, 0, &fromPriv);
    printf("pub-from-priv rv=0x%lx", rv);
    if (rv == CKR_OK) {
        CK_BYTE a[128], b[128];
        CK_OBJECT_CLASS cls = 0;
        CK_BBOOL verify = CK_FALSE;
        CK_ATTRIBUTE pa[] = {{CKA_EC_POINT, a, sizeof a}};
        CK_ATTRIBUTE pb[] = {{CKA_EC_POINT, b, sizeof b}, {CKA_CLASS, &cls, sizeof cls}, {CKA_VERIFY, &verify, sizeof verify}};
        CHECK(p->C_GetAttributeValue(s, pub, pa, 1), "C_GetAttributeValue(pub)");
        CHECK(p->C_GetAttributeValue(s, fromPriv, pb, 3), "C_GetAttributeValue(derived)");
        printf(" same=%d class=%lu verify=%d", pa[0].ulValueLen == pb[0].ulValueLen && memcmp(a, b, pa[0].ulValueLen) == 0, cls, verify);
    }
    printf("\n");

    /* ---- an ML-DSA-44 private key from its seed alone (CKA_SEED 01..20), its public key, a signature that verifies ---- */
    {
        CK_KEY_TYPE mldsa = CKK_ML_DSA;
        CK_ULONG set = CKP_ML_DSA_44;
        CK_BYTE seed[32];
        for (int i = 0; i < 32; i++) seed[i] = (CK_BYTE)(i + 1);
        CK_ATTRIBUTE seedTemplate[] = {
            {CKA_CLASS, &privateClass, sizeof privateClass}, {CKA_KEY_TYPE, &mldsa, sizeof mldsa}, {CKA_TOKEN, &no, sizeof no},
            {V32_CKA_PARAMETER_SET, &set, sizeof set}, {CKA_SEED, seed, sizeof seed}, {CKA_SIGN, &yes, sizeof yes},
        };
        CK_OBJECT_HANDLE seeded = 0, seededPub = 0;
        rv = p->C_CreateObject(s, seedTemplate, 6, &seeded);
        printf("mldsa-seed create=0x%lx", rv);
        if (rv == CKR_OK) {
            CK_BYTE value[4];
            CK_ATTRIBUTE secret = {CKA_VALUE, value, sizeof value};
            printf(" value-read=0x%lx", p->C_GetAttributeValue(s, seeded, &secret, 1));
            rv = p->C_DeriveKey(s, &pubFromPriv, seeded, NULL, 0, &seededPub);
            printf(" derive=0x%lx", rv);
            CK_MECHANISM mech = {CKM_ML_DSA, NULL, 0};
            CK_BYTE sig[4096];
            CK_ULONG sigLen = sizeof sig;
            rv = p->C_SignInit(s, &mech, seeded);
            if (rv == CKR_OK) rv = p->C_Sign(s, (CK_BYTE *)"seeded", 6, sig, &sigLen);
            printf(" sign=0x%lx len=%lu", rv, sigLen);
            if (rv == CKR_OK && seededPub != 0) {
                rv = p->C_VerifyInit(s, &mech, seededPub);
                if (rv == CKR_OK) rv = p->C_Verify(s, (CK_BYTE *)"seeded", 6, sig, sigLen);
                printf(" verify=0x%lx", rv);
            }
            if (seededPub != 0) attribute(s, "pub", seededPub, CKA_VALUE);
        }
        printf("\n");
    }

    /* ---- legacy: refused on the default slot, offered where the policy has legacy = on ---- */
    digest(s, "md2-default", CKM_MD2, "abc");
    rsa_sign(s, "rsa512-default", argv + 7, "OpenCryptokiActors known answer");
    CK_SESSION_HANDLE ls = login(legacySlot, argv[4]);
    digest(ls, "md2-legacy", CKM_MD2, "abc");
    digest(ls, "ripemd160-legacy", CKM_RIPEMD160, "abc");
    CK_MECHANISM_INFO info;
    printf("md2-info-default rv=0x%lx\n", p->C_GetMechanismInfo(slot, CKM_MD2, &info));
    rv = p->C_GetMechanismInfo(legacySlot, CKM_SHA256_RSA_PKCS, &info);
    printf("rsa-info-legacy rv=0x%lx min=%lu\n", rv, info.ulMinKeySize);
    rsa_sign(ls, "rsa512-legacy", argv + 7, "OpenCryptokiActors known answer");

    p->C_CloseSession(ls);
    p->C_CloseSession(s);
    p->C_Finalize(NULL);
    printf("DONE\n");
    return 0;
}
