/*
 * pqcclient: PKCS#11 3.2 HashML-DSA signing with a context (CK_SIGN_ADDITIONAL_CONTEXT, CK_HASH_SIGN_ADDITIONAL_CONTEXT)
 * and RSA-OAEP key encapsulation, driven through the 3.2 function list of C_GetInterface("PKCS 11", {3,2}). Debian's
 * p11-kit pkcs11.h has no 3.x types: client.h declares the function lists, the parameters used here are below.
 * Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev), -ldl.
 *
 *   pqcclient MODULE SLOT USERPIN    prints one line "name rv=0x.. ..." per check, then "DONE"
 *
 * Failures of set-up calls print "FAIL <call> rv=0x.." and exit 2.
 */
#include "client.h"

/* PKCS#11 3.2 (pkcs11t.h) */
typedef struct {
    CK_ULONG hedgeVariant;
    CK_BYTE *pContext;
    CK_ULONG ulContextLen;
} v32_sign_additional_context;

typedef struct {
    CK_ULONG hedgeVariant;
    CK_BYTE *pContext;
    CK_ULONG ulContextLen;
    CK_MECHANISM_TYPE hash;
} v32_hash_sign_additional_context;

#define V32_CKK_ML_DSA 0x4AUL
#define V32_CKM_ML_DSA_KEY_PAIR_GEN 0x1CUL
#define V32_CKM_HASH_ML_DSA 0x1FUL
#define V32_CKM_HASH_ML_DSA_SHA256 0x24UL
#define V32_CKA_ENCAPSULATE 0x633UL
#define V32_CKA_DECAPSULATE 0x634UL
#define V32_CKP_ML_DSA_65 0x2UL
#define V32_CKH_HEDGE_PREFERRED 0x0UL
#define V32_CKH_HEDGE_REQUIRED 0x1UL
#define V32_CKH_DETERMINISTIC_REQUIRED 0x2UL


static CK_FUNCTION_LIST *p;

static CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *sigLen)
{
    CK_RV rv = p->C_SignInit(s, m, key);
    if (rv != CKR_OK) return rv;
    return p->C_Sign(s, (CK_BYTE *)data, len, sig, sigLen);
}

static CK_RV verify(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG sigLen)
{
    CK_RV rv = p->C_VerifyInit(s, m, key);
    if (rv != CKR_OK) return rv;
    return p->C_Verify(s, (CK_BYTE *)data, len, sig, sigLen);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pqcclient MODULE SLOT USERPIN\n");
        return 1;
    }
    v32_function_list *g = (v32_function_list *)load_interface(open_module(argv[1]), 3, 2);
    p = &g->base30.base;
    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot = (CK_SLOT_ID)strtoul(argv[2], NULL, 10);
    CK_SESSION_HANDLE s;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p->C_Login(s, CKU_USER, (CK_UTF8CHAR *)argv[3], strlen(argv[3])), "C_Login");
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_RV rv;

    /* ---- HashML-DSA (SHA-256 pre-hash) with a context ---- */
    CK_MECHANISM_INFO mi;
    CHECK(p->C_GetMechanismInfo(slot, V32_CKM_HASH_ML_DSA_SHA256, &mi), "C_GetMechanismInfo(CKM_HASH_ML_DSA_SHA256)");
    printf("hashmldsa-info sign=%d verify=%d min=%lu max=%lu\n", (mi.flags & CKF_SIGN) != 0, (mi.flags & CKF_VERIFY) != 0, mi.ulMinKeySize, mi.ulMaxKeySize);
    CK_ULONG set = V32_CKP_ML_DSA_65;
    CK_ATTRIBUTE dsaPub[] = {{V32_CKA_PARAMETER_SET, &set, sizeof set}, {CKA_TOKEN, &no, sizeof no}};
    CK_ATTRIBUTE dsaPriv[] = {{CKA_SENSITIVE, &yes, sizeof yes}, {CKA_TOKEN, &no, sizeof no}};
    CK_MECHANISM dsaGen = {V32_CKM_ML_DSA_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE dsaPubKey, dsaPrivKey;
    CHECK(p->C_GenerateKeyPair(s, &dsaGen, dsaPub, 2, dsaPriv, 2, &dsaPubKey, &dsaPrivKey), "C_GenerateKeyPair(ML-DSA-65)");

    static const CK_BYTE msg[] = "a message signed with HashML-DSA through the module";
    CK_BYTE ctx[] = "context of the application";
    v32_sign_additional_context det = {V32_CKH_DETERMINISTIC_REQUIRED, ctx, sizeof ctx - 1};
    v32_sign_additional_context hedged = {V32_CKH_HEDGE_REQUIRED, ctx, sizeof ctx - 1};
    CK_MECHANISM mDet = {V32_CKM_HASH_ML_DSA_SHA256, &det, sizeof det};
    CK_MECHANISM mHedged = {V32_CKM_HASH_ML_DSA_SHA256, &hedged, sizeof hedged};
    CK_BYTE sig1[5000], sig2[5000], sig3[5000];
    CK_ULONG len1 = sizeof sig1, len2 = sizeof sig2, len3 = sizeof sig3;
    rv = sign(s, &mDet, dsaPrivKey, msg, sizeof msg - 1, sig1, &len1);
    printf("hashmldsa-sign-deterministic rv=0x%lx len=%lu\n", rv, len1);
    CHECK(sign(s, &mDet, dsaPrivKey, msg, sizeof msg - 1, sig2, &len2), "C_Sign(deterministic again)");
    printf("hashmldsa-deterministic-repeats=%d\n", len1 == len2 && memcmp(sig1, sig2, len1) == 0);
    CHECK(sign(s, &mHedged, dsaPrivKey, msg, sizeof msg - 1, sig3, &len3), "C_Sign(hedged)");
    printf("hashmldsa-hedged-differs=%d\n", len1 == len3 && memcmp(sig1, sig3, len1) != 0);
    rv = verify(s, &mHedged, dsaPubKey, msg, sizeof msg - 1, sig1, len1);
    printf("hashmldsa-verify rv=0x%lx\n", rv);
    rv = verify(s, &mDet, dsaPubKey, msg, sizeof msg - 1, sig3, len3);
    printf("hashmldsa-verify-hedged rv=0x%lx\n", rv);

    /* in parts */
    CHECK(p->C_VerifyInit(s, &mDet, dsaPubKey), "C_VerifyInit(parts)");
    CHECK(p->C_VerifyUpdate(s, (CK_BYTE *)msg, 10), "C_VerifyUpdate");
    CHECK(p->C_VerifyUpdate(s, (CK_BYTE *)msg + 10, sizeof msg - 11), "C_VerifyUpdate");
    rv = p->C_VerifyFinal(s, sig1, len1);
    printf("hashmldsa-verify-parts rv=0x%lx\n", rv);

    /* another context, no context */
    CK_BYTE other[] = "another context";
    v32_sign_additional_context otherCtx = {V32_CKH_HEDGE_PREFERRED, other, sizeof other - 1};
    CK_MECHANISM mOther = {V32_CKM_HASH_ML_DSA_SHA256, &otherCtx, sizeof otherCtx};
    CK_MECHANISM mNone = {V32_CKM_HASH_ML_DSA_SHA256, NULL, 0};
    rv = verify(s, &mOther, dsaPubKey, msg, sizeof msg - 1, sig1, len1);
    printf("hashmldsa-verify-other-context rv=0x%lx\n", rv);
    rv = verify(s, &mNone, dsaPubKey, msg, sizeof msg - 1, sig1, len1);
    printf("hashmldsa-verify-no-context rv=0x%lx\n", rv);

    /* CKM_HASH_ML_DSA: the caller's SHA-256 digest, the hash named in CK_HASH_SIGN_ADDITIONAL_CONTEXT */
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    CK_BYTE digest[32];
    CK_ULONG digestLen = sizeof digest;
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p->C_Digest(s, (CK_BYTE *)msg, sizeof msg - 1, digest, &digestLen), "C_Digest");
    v32_hash_sign_additional_context hctx = {V32_CKH_DETERMINISTIC_REQUIRED, ctx, sizeof ctx - 1, CKM_SHA256};
    CK_MECHANISM mGeneric = {V32_CKM_HASH_ML_DSA, &hctx, sizeof hctx};
    CK_ULONG len4 = sizeof sig2;
    rv = sign(s, &mGeneric, dsaPrivKey, digest, digestLen, sig2, &len4);
    printf("hashmldsa-generic-sign rv=0x%lx same=%d\n", rv, len4 == len1 && memcmp(sig1, sig2, len1) == 0);
    rv = verify(s, &mGeneric, dsaPubKey, digest, digestLen, sig3, len3);
    printf("hashmldsa-generic-verify rv=0x%lx\n", rv);
    len4 = sizeof sig2;
    rv = sign(s, &mGeneric, dsaPrivKey, digest, 31, sig2, &len4);
    printf("hashmldsa-generic-short-digest rv=0x%lx\n", rv);
    rv = p->C_SignInit(s, &mDet, dsaPubKey);
    printf("hashmldsa-sign-public-key rv=0x%lx\n", rv);

    /* parameter errors */
    CK_BYTE longCtx[256];
    memset(longCtx, 7, sizeof longCtx);
    v32_sign_additional_context tooLong = {V32_CKH_HEDGE_PREFERRED, longCtx, sizeof longCtx};
    CK_MECHANISM mLong = {V32_CKM_HASH_ML_DSA_SHA256, &tooLong, sizeof tooLong};
    rv = p->C_SignInit(s, &mLong, dsaPrivKey);
    printf("hashmldsa-context-256 rv=0x%lx\n", rv);
    tooLong.ulContextLen = 255;
    rv = p->C_SignInit(s, &mLong, dsaPrivKey);
    if (rv == CKR_OK) {
        CK_ULONG n = sizeof sig2;
        rv = p->C_Sign(s, (CK_BYTE *)msg, sizeof msg - 1, sig2, &n);
    }
    printf("hashmldsa-context-255 rv=0x%lx\n", rv);
    v32_sign_additional_context badHedge = {3, ctx, sizeof ctx - 1};
    CK_MECHANISM mBad = {V32_CKM_HASH_ML_DSA_SHA256, &badHedge, sizeof badHedge};
    rv = p->C_SignInit(s, &mBad, dsaPrivKey);
    printf("hashmldsa-bad-hedge rv=0x%lx\n", rv);
    CK_MECHANISM mGenericNoHash = {V32_CKM_HASH_ML_DSA, &det, sizeof det};
    rv = p->C_SignInit(s, &mGenericNoHash, dsaPrivKey);
    printf("hashmldsa-generic-without-hash rv=0x%lx\n", rv);

    /* ---- RSA-OAEP encapsulation ---- */
    CHECK(p->C_GetMechanismInfo(slot, CKM_RSA_PKCS_OAEP, &mi), "C_GetMechanismInfo(CKM_RSA_PKCS_OAEP)");
    printf("oaep-info encapsulate=%d decapsulate=%d\n", (mi.flags & V32_CKF_ENCAPSULATE) != 0, (mi.flags & V32_CKF_DECAPSULATE) != 0);
    CK_ULONG bits = 2048;
    CK_ATTRIBUTE rsaPub[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_TOKEN, &no, sizeof no}};
    CK_ATTRIBUTE rsaPriv[] = {{CKA_TOKEN, &no, sizeof no}};
    CK_MECHANISM rsaGen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE rsaPubKey, rsaPrivKey;
    CHECK(p->C_GenerateKeyPair(s, &rsaGen, rsaPub, 2, rsaPriv, 1, &rsaPubKey, &rsaPrivKey), "C_GenerateKeyPair(RSA)");
    CK_BBOOL encap = 0, decap = 0;
    CK_ATTRIBUTE ea[] = {{V32_CKA_ENCAPSULATE, &encap, sizeof encap}}, da[] = {{V32_CKA_DECAPSULATE, &decap, sizeof decap}};
    CHECK(p->C_GetAttributeValue(s, rsaPubKey, ea, 1), "C_GetAttributeValue(CKA_ENCAPSULATE)");
    CHECK(p->C_GetAttributeValue(s, rsaPrivKey, da, 1), "C_GetAttributeValue(CKA_DECAPSULATE)");
    printf("rsa-defaults encapsulate=%d decapsulate=%d\n", encap, decap);

    CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_MECHANISM mOaep = {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
    CK_OBJECT_CLASS secretClass = CKO_SECRET_KEY;
    CK_KEY_TYPE aesType = CKK_AES;
    CK_ULONG aesLen = 32;
    CK_ATTRIBUTE aes[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aesType, sizeof aesType},
                          {CKA_VALUE_LEN, &aesLen, sizeof aesLen}, {CKA_ENCRYPT, &yes, sizeof yes}, {CKA_DECRYPT, &yes, sizeof yes},
                          {CKA_SENSITIVE, &no, sizeof no}, {CKA_TOKEN, &no, sizeof no}};
    CK_BYTE ct[512];
    CK_ULONG ctLen = 0;
    CK_OBJECT_HANDLE k1 = 0, k2 = 0;
    rv = g->C_EncapsulateKey(s, &mOaep, rsaPubKey, aes, 7, NULL, &ctLen, &k1);
    printf("oaep-encapsulate-null rv=0x%lx len=%lu handle=%d\n", rv, ctLen, k1 != 0);
    ctLen = sizeof ct;
    rv = g->C_EncapsulateKey(s, &mOaep, rsaPubKey, aes, 7, ct, &ctLen, &k1);
    printf("oaep-encapsulate rv=0x%lx len=%lu handle=%d\n", rv, ctLen, k1 != 0);
    rv = g->C_DecapsulateKey(s, &mOaep, rsaPrivKey, aes, 7, ct, ctLen, &k2);
    printf("oaep-decapsulate rv=0x%lx handle=%d\n", rv, k2 != 0 && k2 != k1);

    /* encrypt with the encapsulated key, decrypt with the decapsulated one */
    static const CK_BYTE iv[16] = "0123456789abcdef";
    static const CK_BYTE plain[32] = "thirty-two bytes of plaintext!!";
    CK_MECHANISM cbc = {CKM_AES_CBC, (void *)iv, sizeof iv};
    CK_BYTE enc[64], dec[64];
    CK_ULONG encLen = sizeof enc, decLen = sizeof dec;
    CHECK(p->C_EncryptInit(s, &cbc, k1), "C_EncryptInit(encapsulated key)");
    CHECK(p->C_Encrypt(s, (CK_BYTE *)plain, sizeof plain, enc, &encLen), "C_Encrypt");
    CHECK(p->C_DecryptInit(s, &cbc, k2), "C_DecryptInit(decapsulated key)");
    rv = p->C_Decrypt(s, enc, encLen, dec, &decLen);
    printf("oaep-keys-agree rv=0x%lx match=%d\n", rv, decLen == sizeof plain && memcmp(dec, plain, sizeof plain) == 0);

    /* the ciphertext is OAEP of the key's value */
    CK_BYTE value[64], recovered[256];
    CK_ATTRIBUTE va[] = {{CKA_VALUE, value, sizeof value}};
    CHECK(p->C_GetAttributeValue(s, k1, va, 1), "C_GetAttributeValue(CKA_VALUE)");
    CK_ULONG recLen = sizeof recovered;
    CHECK(p->C_DecryptInit(s, &mOaep, rsaPrivKey), "C_DecryptInit(OAEP)");
    rv = p->C_Decrypt(s, ct, ctLen, recovered, &recLen);
    printf("oaep-ciphertext-decrypts rv=0x%lx match=%d\n", rv, recLen == va[0].ulValueLen && recLen == 32 && memcmp(recovered, value, 32) == 0);

    /* errors */
    ct[7] ^= 1;
    CK_OBJECT_HANDLE k3 = 0;
    rv = g->C_DecapsulateKey(s, &mOaep, rsaPrivKey, aes, 7, ct, ctLen, &k3);
    printf("oaep-decapsulate-tampered rv=0x%lx\n", rv);
    CK_ATTRIBUTE noEncapAttr[] = {{V32_CKA_ENCAPSULATE, &no, sizeof no}};
    CHECK(p->C_SetAttributeValue(s, rsaPubKey, noEncapAttr, 1), "C_SetAttributeValue(CKA_ENCAPSULATE=FALSE)");
    ctLen = sizeof ct;
    rv = g->C_EncapsulateKey(s, &mOaep, rsaPubKey, aes, 7, ct, &ctLen, &k3);
    printf("oaep-encapsulate-not-permitted rv=0x%lx\n", rv);
    CK_ATTRIBUTE noDecapAttr[] = {{V32_CKA_DECAPSULATE, &no, sizeof no}};
    CHECK(p->C_SetAttributeValue(s, rsaPrivKey, noDecapAttr, 1), "C_SetAttributeValue(CKA_DECAPSULATE=FALSE)");
    ct[7] ^= 1;
    rv = g->C_DecapsulateKey(s, &mOaep, rsaPrivKey, aes, 7, ct, 256, &k3);
    printf("oaep-decapsulate-not-permitted rv=0x%lx\n", rv);
    CK_ULONG bigLen = 191;
    CK_ATTRIBUTE big[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_VALUE_LEN, &bigLen, sizeof bigLen}, {CKA_TOKEN, &no, sizeof no}};
    CK_ATTRIBUTE encapAgain[] = {{V32_CKA_ENCAPSULATE, &yes, sizeof yes}};
    CHECK(p->C_SetAttributeValue(s, rsaPubKey, encapAgain, 1), "C_SetAttributeValue(CKA_ENCAPSULATE=TRUE)");
    ctLen = sizeof ct;
    rv = g->C_EncapsulateKey(s, &mOaep, rsaPubKey, big, 3, ct, &ctLen, &k3);
    printf("oaep-encapsulate-too-long rv=0x%lx\n", rv);

    p->C_Logout(s);
    p->C_CloseSession(s);
    p->C_Finalize(NULL);
    printf("DONE\n");
    return 0;
}
