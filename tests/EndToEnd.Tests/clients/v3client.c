/*
 * v3client: the PKCS#11 3.0 functions of the module, driven through the 3.0 function list that
 * C_GetInterface("PKCS 11", {3,0}) returns (Pkcs11Interop 5.3.0 has no 3.0 API; Debian's p11-kit pkcs11.h
 * has no 3.0 types either: client.h declares the 3.0 tail of the list).
 * Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev), -ldl.
 *
 *   v3client MODULE SLOT USERPIN    runs every check and prints one line "name rv=0x.. ..." per check, then "DONE"
 *
 * Failures of set-up calls print "FAIL <call> rv=0x.." and exit 2.
 */
#include "client.h"

#define V32_CKM_ML_KEM_KEY_PAIR_GEN 0xFUL
#define V32_CKM_ML_KEM 0x17UL
#define V32_CKP_ML_KEM_768 0x2UL

/* 3.0 per-message parameters and constants */
typedef struct {
    CK_BYTE *pIv;
    CK_ULONG ulIvLen;
    CK_ULONG ulIvFixedBits;
    CK_ULONG ivGenerator;
    CK_BYTE *pTag;
    CK_ULONG ulTagBits;
} v3_gcm_msg;

typedef struct {
    CK_ULONG ulDataLen;
    CK_BYTE *pNonce;
    CK_ULONG ulNonceLen;
    CK_ULONG ulNonceFixedBits;
    CK_ULONG nonceGenerator;
    CK_BYTE *pMAC;
    CK_ULONG ulMACLen;
} v3_ccm_msg;

typedef struct {
    CK_BYTE *pNonce;
    CK_ULONG ulNonceLen;
    CK_BYTE *pTag;
} v3_chacha_msg;

#define V3_CKG_NO_GENERATE 0UL
#define V3_CKG_GENERATE 1UL
#define V3_CKG_GENERATE_COUNTER 2UL
#define V3_CKG_GENERATE_RANDOM 3UL
#define V3_CKG_GENERATE_COUNTER_XOR 4UL
#define V3_CKF_END_OF_MESSAGE 1UL
#define V3_CKK_CHACHA20 0x33UL
#define V3_CKM_CHACHA20_POLY1305 0x4021UL
#define V3_CKF_MESSAGE_ENCRYPT 0x2UL

#define V3_CKF_FIND_OBJECTS 0x40UL

static v3_function_list *f;
static CK_FUNCTION_LIST *p;


static CK_OBJECT_HANDLE secret(CK_SESSION_HANDLE s, CK_KEY_TYPE type, const CK_BYTE *value, CK_ULONG len, int cipher)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_KEY_TYPE, &type, sizeof type},
        {CKA_TOKEN, &no, sizeof no},
        {CKA_VALUE, (void *)value, len},
        {cipher ? CKA_ENCRYPT : CKA_SIGN, &yes, sizeof yes},
        {cipher ? CKA_DECRYPT : CKA_VERIFY, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE h;
    CHECK(p->C_CreateObject(s, t, 6, &h), "C_CreateObject");
    return h;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: v3client MODULE SLOT USERPIN\n");
        return 1;
    }
    f = (v3_function_list *)load_interface(open_module(argv[1]), 3, 0);
    p = &f->base;
    printf("interface version=%d.%d\n", p->version.major, p->version.minor);

    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot = (CK_SLOT_ID)strtoul(argv[2], NULL, 10);
    const char *pin = argv[3];
    CK_ULONG pinLen = strlen(pin);
    CK_SESSION_HANDLE s;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");

    /* ---- C_LoginUser ---- */
    CK_RV rv = f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR *)pin, pinLen, (CK_UTF8CHAR *)"alice", 5);
    printf("loginuser-wrong-name rv=0x%lx\n", rv);
    rv = f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR *)pin, pinLen, NULL, 3);
    printf("loginuser-null-name-with-length rv=0x%lx\n", rv);
    rv = f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR *)"00000000", 8, (CK_UTF8CHAR *)"user", 4);
    printf("loginuser-wrong-pin rv=0x%lx\n", rv);
    rv = f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR *)pin, pinLen, NULL, 0);
    printf("loginuser-null-name rv=0x%lx\n", rv);
    CHECK(p->C_Logout(s), "C_Logout");
    rv = f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR *)pin, pinLen, (CK_UTF8CHAR *)"user", 4);
    printf("loginuser-named rv=0x%lx\n", rv);
    CK_SESSION_INFO info;
    CHECK(p->C_GetSessionInfo(s, &info), "C_GetSessionInfo");
    printf("session state=%lu\n", info.state);
    rv = f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR *)pin, pinLen, (CK_UTF8CHAR *)"user", 4);
    printf("loginuser-again rv=0x%lx\n", rv);

    static const CK_BYTE aes[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
    static const CK_BYTE mac[32] = "0123456789abcdef0123456789abcdef";
    CK_OBJECT_HANDLE aesKey = secret(s, CKK_AES, aes, sizeof aes, 1);
    CK_OBJECT_HANDLE macKey = secret(s, CKK_GENERIC_SECRET, mac, sizeof mac, 0);
    CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
    CK_BYTE data[32];
    for (int i = 0; i < 32; i++) data[i] = (CK_BYTE)(i * 7 + 1);

    /* reference values from single-part calls */
    CK_BYTE refCipher[32], refDigest[32], refMac[32];
    CK_ULONG n = sizeof refCipher;
    CHECK(p->C_EncryptInit(s, &ecb, aesKey), "C_EncryptInit");
    CHECK(p->C_Encrypt(s, data, 32, refCipher, &n), "C_Encrypt");
    n = sizeof refDigest;
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p->C_Digest(s, data, 32, refDigest, &n), "C_Digest");
    n = sizeof refMac;
    CHECK(p->C_SignInit(s, &hmac, macKey), "C_SignInit");
    CHECK(p->C_Sign(s, data, 32, refMac, &n), "C_Sign");

    /* ---- C_DigestEncryptUpdate ---- */
    CK_BYTE out[64], out2[64], md[32];
    CK_ULONG outLen = sizeof out, mdLen;
    rv = p->C_DigestEncryptUpdate(s, data, 32, out, &outLen);
    printf("digestencrypt-none-active rv=0x%lx\n", rv);
    CHECK(p->C_EncryptInit(s, &ecb, aesKey), "C_EncryptInit");
    outLen = sizeof out;
    rv = p->C_DigestEncryptUpdate(s, data, 32, out, &outLen);
    printf("digestencrypt-digest-missing rv=0x%lx\n", rv);
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    rv = p->C_DigestInit(s, &sha);
    printf("digestinit-twice rv=0x%lx\n", rv);
    outLen = 0;
    rv = p->C_DigestEncryptUpdate(s, data, 32, NULL, &outLen);
    printf("digestencrypt-null rv=0x%lx len=%lu\n", rv, outLen);
    outLen = 5;
    rv = p->C_DigestEncryptUpdate(s, data, 32, out, &outLen);
    printf("digestencrypt-short rv=0x%lx len=%lu\n", rv, outLen);
    outLen = sizeof out;
    rv = p->C_DigestEncryptUpdate(s, data, 32, out, &outLen);
    printf("digestencrypt rv=0x%lx len=%lu match=%d\n", rv, outLen, outLen == 32 && memcmp(out, refCipher, 32) == 0);
    n = sizeof out2;
    CHECK(p->C_EncryptFinal(s, out2, &n), "C_EncryptFinal");
    mdLen = sizeof md;
    CHECK(p->C_DigestFinal(s, md, &mdLen), "C_DigestFinal");
    printf("digestencrypt-digest match=%d\n", mdLen == 32 && memcmp(md, refDigest, 32) == 0);

    /* ---- C_DecryptDigestUpdate ---- */
    CHECK(p->C_DecryptInit(s, &ecb, aesKey), "C_DecryptInit");
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    outLen = sizeof out;
    rv = p->C_DecryptDigestUpdate(s, refCipher, 32, out, &outLen);
    printf("decryptdigest rv=0x%lx len=%lu match=%d\n", rv, outLen, outLen == 32 && memcmp(out, data, 32) == 0);
    n = sizeof out2;
    CHECK(p->C_DecryptFinal(s, out2, &n), "C_DecryptFinal");
    mdLen = sizeof md;
    CHECK(p->C_DigestFinal(s, md, &mdLen), "C_DigestFinal");
    printf("decryptdigest-digest match=%d\n", mdLen == 32 && memcmp(md, refDigest, 32) == 0);

    /* ---- C_SignEncryptUpdate ---- */
    CHECK(p->C_SignInit(s, &hmac, macKey), "C_SignInit");
    outLen = sizeof out;
    rv = p->C_SignEncryptUpdate(s, data, 32, out, &outLen);
    printf("signencrypt-encrypt-missing rv=0x%lx\n", rv);
    CHECK(p->C_EncryptInit(s, &ecb, aesKey), "C_EncryptInit");
    outLen = sizeof out;
    rv = p->C_SignEncryptUpdate(s, data, 16, out, &outLen);
    n = sizeof out - 16;
    CK_RV rv2 = p->C_SignEncryptUpdate(s, data + 16, 16, out + 16, &n);
    printf("signencrypt rv=0x%lx rv2=0x%lx match=%d\n", rv, rv2, outLen == 16 && n == 16 && memcmp(out, refCipher, 32) == 0);
    n = sizeof out2;
    CHECK(p->C_EncryptFinal(s, out2, &n), "C_EncryptFinal");
    mdLen = sizeof md;
    CHECK(p->C_SignFinal(s, md, &mdLen), "C_SignFinal");
    printf("signencrypt-mac match=%d\n", mdLen == 32 && memcmp(md, refMac, 32) == 0);

    /* ---- C_DecryptVerifyUpdate ---- */
    CHECK(p->C_DecryptInit(s, &ecb, aesKey), "C_DecryptInit");
    CHECK(p->C_VerifyInit(s, &hmac, macKey), "C_VerifyInit");
    outLen = sizeof out;
    rv = p->C_DecryptVerifyUpdate(s, refCipher, 32, out, &outLen);
    printf("decryptverify rv=0x%lx len=%lu match=%d\n", rv, outLen, outLen == 32 && memcmp(out, data, 32) == 0);
    n = sizeof out2;
    CHECK(p->C_DecryptFinal(s, out2, &n), "C_DecryptFinal");
    rv = p->C_VerifyFinal(s, refMac, 32);
    printf("decryptverify-verify rv=0x%lx\n", rv);
    CHECK(p->C_DecryptInit(s, &ecb, aesKey), "C_DecryptInit");
    CHECK(p->C_VerifyInit(s, &hmac, macKey), "C_VerifyInit");
    outLen = sizeof out;
    CHECK(p->C_DecryptVerifyUpdate(s, refCipher, 32, out, &outLen), "C_DecryptVerifyUpdate");
    n = sizeof out2;
    CHECK(p->C_DecryptFinal(s, out2, &n), "C_DecryptFinal");
    CK_BYTE bad[32];
    memcpy(bad, refMac, 32);
    bad[0] ^= 1;
    rv = p->C_VerifyFinal(s, bad, 32);
    printf("decryptverify-verify-bad rv=0x%lx\n", rv);

    /* ---- C_SessionCancel ---- */
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p->C_EncryptInit(s, &ecb, aesKey), "C_EncryptInit");
    rv = f->C_SessionCancel(s, CKF_DIGEST);
    printf("cancel-digest rv=0x%lx\n", rv);
    rv = p->C_DigestUpdate(s, data, 32);
    printf("cancel-digest-update rv=0x%lx\n", rv);
    outLen = sizeof out;
    rv = p->C_EncryptUpdate(s, data, 32, out, &outLen);
    printf("cancel-encrypt-still-active rv=0x%lx\n", rv);
    rv = f->C_SessionCancel(s, CKF_ENCRYPT | CKF_DECRYPT | CKF_SIGN | CKF_VERIFY);
    printf("cancel-several rv=0x%lx\n", rv);
    outLen = sizeof out;
    rv = p->C_EncryptUpdate(s, data, 32, out, &outLen);
    printf("cancel-encrypt-update rv=0x%lx\n", rv);
    rv = p->C_EncryptInit(s, &ecb, aesKey);
    printf("cancel-encrypt-init-again rv=0x%lx\n", rv);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE ft[] = {{CKA_CLASS, &cls, sizeof cls}};
    CHECK(p->C_FindObjectsInit(s, ft, 1), "C_FindObjectsInit");
    rv = f->C_SessionCancel(s, V3_CKF_FIND_OBJECTS | CKF_ENCRYPT);
    printf("cancel-find rv=0x%lx\n", rv);
    CK_OBJECT_HANDLE found[4];
    CK_ULONG nfound = 0;
    rv = p->C_FindObjects(s, found, 4, &nfound);
    printf("cancel-find-objects rv=0x%lx\n", rv);
    rv = p->C_FindObjectsInit(s, ft, 1);
    printf("cancel-find-init-again rv=0x%lx\n", rv);
    CHECK(p->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    rv = f->C_SessionCancel(s, CKF_DIGEST);
    printf("cancel-nothing-active rv=0x%lx\n", rv);
    rv = f->C_SessionCancel(s + 1000, CKF_DIGEST);
    printf("cancel-bad-session rv=0x%lx\n", rv);

    /* ---- message-based encryption: AES-GCM (key = aes, plaintext = data, aad below; checked by the test with .NET AesGcm) ---- */
    CK_MECHANISM gcm = {CKM_AES_GCM, NULL, 0};
    CK_BYTE aad[20];
    for (int i = 0; i < 20; i++) aad[i] = (CK_BYTE)(0xa0 + i);
    CK_BYTE iv[12], tag[16], ct[64], pt[64];
    CK_ULONG ctLen, ptLen;
    v3_gcm_msg gp = {iv, 12, 0, V3_CKG_NO_GENERATE, tag, 128};
    CK_MECHANISM_INFO mi;
    CHECK(p->C_GetMechanismInfo(slot, CKM_AES_GCM, &mi), "C_GetMechanismInfo");
    printf("gcm-info message-encrypt=%d\n", (mi.flags & V3_CKF_MESSAGE_ENCRYPT) != 0);
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-encrypt-not-init rv=0x%lx\n", rv);
    rv = f->C_MessageEncryptInit(s, &gcm, macKey);
    printf("msg-encrypt-init-sign-key rv=0x%lx\n", rv);
    CHECK(f->C_MessageEncryptInit(s, &gcm, aesKey), "C_MessageEncryptInit");
    rv = f->C_MessageEncryptInit(s, &gcm, aesKey);
    printf("msg-encrypt-init-twice rv=0x%lx\n", rv);

    for (int i = 0; i < 12; i++) iv[i] = (CK_BYTE)(0xca + i);
    ctLen = 0;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, NULL, &ctLen);
    printf("msg-gcm-null rv=0x%lx len=%lu\n", rv, ctLen);
    ctLen = 5;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-short rv=0x%lx len=%lu\n", rv, ctLen);
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-nogen rv=0x%lx len=%lu", rv, ctLen);
    print_hex("iv", iv, 12), print_hex("ct", ct, ctLen), print_hex("tag", tag, 16), printf("\n");
    CK_BYTE ct1[32], tag1[16], iv1[12];
    memcpy(ct1, ct, 32), memcpy(tag1, tag, 16), memcpy(iv1, iv, 12);

    /* counter: 32 fixed bits, then the context's counter (0, 1) */
    for (int m = 0; m < 2; m++) {
        memset(iv, 0, 12);
        iv[0] = 1, iv[1] = 2, iv[2] = 3, iv[3] = 4;
        gp.ulIvFixedBits = 32, gp.ivGenerator = V3_CKG_GENERATE_COUNTER;
        ctLen = sizeof ct;
        rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
        printf("msg-gcm-counter%d rv=0x%lx len=%lu", m, rv, ctLen);
        print_hex("iv", iv, 12), print_hex("ct", ct, ctLen), print_hex("tag", tag, 16), printf("\n");
    }
    /* counter XOR: the caller's 12 bytes with the counter (now 2) XORed into the last 64 bits */
    for (int i = 0; i < 12; i++) iv[i] = (CK_BYTE)(0x50 + i);
    gp.ulIvFixedBits = 32, gp.ivGenerator = V3_CKG_GENERATE_COUNTER_XOR;
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-xor rv=0x%lx len=%lu", rv, ctLen);
    print_hex("iv", iv, 12), print_hex("ct", ct, ctLen), print_hex("tag", tag, 16), printf("\n");
    /* random: 96 random bits */
    memset(iv, 0, 12);
    gp.ulIvFixedBits = 0, gp.ivGenerator = V3_CKG_GENERATE_RANDOM;
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-random rv=0x%lx len=%lu", rv, ctLen);
    print_hex("iv", iv, 12), print_hex("ct", ct, ctLen), print_hex("tag", tag, 16), printf("\n");
    /* misuse */
    gp.ulIvFixedBits = 96, gp.ivGenerator = V3_CKG_GENERATE;
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-all-fixed rv=0x%lx\n", rv);
    gp.ulIvFixedBits = 0, gp.ivGenerator = 9;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-bad-generator rv=0x%lx\n", rv);
    gp.ivGenerator = V3_CKG_NO_GENERATE, gp.ulTagBits = 8;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-bad-tagbits rv=0x%lx\n", rv);
    gp.ulTagBits = 128;
    rv = f->C_EncryptMessage(s, &gp, 7, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-bad-paramlen rv=0x%lx\n", rv);
    rv = f->C_EncryptMessage(s, NULL, 0, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-null-param rv=0x%lx\n", rv);
    v3_chacha_msg wrongForm = {iv, 12, tag};
    rv = f->C_EncryptMessage(s, &wrongForm, sizeof wrongForm, aad, 20, data, 32, ct, &ctLen);
    printf("msg-gcm-chacha-param rv=0x%lx\n", rv);

    /* multi-part: IV as given, tag from the last part */
    memcpy(iv, iv1, 12);
    gp.ulIvFixedBits = 0, gp.ivGenerator = V3_CKG_NO_GENERATE;
    memset(tag, 0, 16);
    ctLen = sizeof ct;
    rv = f->C_EncryptMessageNext(s, &gp, sizeof gp, data, 16, ct, &ctLen, 0);
    printf("msg-next-no-begin rv=0x%lx\n", rv);
    rv = f->C_EncryptMessageBegin(s, &gp, sizeof gp, aad, 20);
    printf("msg-begin rv=0x%lx\n", rv);
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-encrypt-during-multipart rv=0x%lx\n", rv);
    rv = f->C_EncryptMessageBegin(s, &gp, sizeof gp, aad, 20);
    printf("msg-begin-twice rv=0x%lx\n", rv);
    ctLen = sizeof ct;
    rv = f->C_EncryptMessageNext(s, &gp, sizeof gp, data, 16, ct, &ctLen, 0);
    printf("msg-next1 rv=0x%lx len=%lu\n", rv, ctLen);
    CK_ULONG n2 = 0;
    rv = f->C_EncryptMessageNext(s, &gp, sizeof gp, data + 16, 16, NULL, &n2, V3_CKF_END_OF_MESSAGE);
    printf("msg-next2-null rv=0x%lx len=%lu\n", rv, n2);
    ctLen = sizeof ct;
    rv = f->C_EncryptMessageNext(s, &gp, sizeof gp, data + 16, 16, ct, &ctLen, V3_CKF_END_OF_MESSAGE);
    printf("msg-next2 rv=0x%lx len=%lu same=%d tag-same=%d\n", rv, ctLen, ctLen == 32 && memcmp(ct, ct1, 32) == 0, memcmp(tag, tag1, 16) == 0);
    rv = f->C_MessageEncryptFinal(s);
    printf("msg-encrypt-final rv=0x%lx\n", rv);
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-encrypt-after-final rv=0x%lx\n", rv);

    /* decryption */
    CHECK(f->C_MessageDecryptInit(s, &gcm, aesKey), "C_MessageDecryptInit");
    memcpy(iv, iv1, 12), memcpy(tag, tag1, 16);
    ptLen = sizeof pt;
    rv = f->C_DecryptMessage(s, &gp, sizeof gp, aad, 20, ct1, 32, pt, &ptLen);
    printf("msg-decrypt rv=0x%lx len=%lu match=%d\n", rv, ptLen, ptLen == 32 && memcmp(pt, data, 32) == 0);
    tag[3] ^= 1;
    ptLen = sizeof pt;
    rv = f->C_DecryptMessage(s, &gp, sizeof gp, aad, 20, ct1, 32, pt, &ptLen);
    printf("msg-decrypt-bad-tag rv=0x%lx\n", rv);
    tag[3] ^= 1;
    aad[0] ^= 1;
    rv = f->C_DecryptMessage(s, &gp, sizeof gp, aad, 20, ct1, 32, pt, &ptLen);
    printf("msg-decrypt-bad-aad rv=0x%lx\n", rv);
    aad[0] ^= 1;
    gp.ivGenerator = V3_CKG_GENERATE_COUNTER;
    rv = f->C_DecryptMessage(s, &gp, sizeof gp, aad, 20, ct1, 32, pt, &ptLen);
    printf("msg-decrypt-generator rv=0x%lx\n", rv);
    gp.ivGenerator = V3_CKG_NO_GENERATE;
    CHECK(f->C_DecryptMessageBegin(s, &gp, sizeof gp, aad, 20), "C_DecryptMessageBegin");
    ptLen = sizeof pt;
    rv = f->C_DecryptMessageNext(s, &gp, sizeof gp, ct1, 20, pt, &ptLen, 0);
    printf("msg-decrypt-next1 rv=0x%lx len=%lu\n", rv, ptLen);
    ptLen = sizeof pt;
    rv = f->C_DecryptMessageNext(s, &gp, sizeof gp, ct1 + 20, 12, pt, &ptLen, V3_CKF_END_OF_MESSAGE);
    printf("msg-decrypt-next2 rv=0x%lx len=%lu match=%d\n", rv, ptLen, ptLen == 32 && memcmp(pt, data, 32) == 0);
    CHECK(f->C_DecryptMessageBegin(s, &gp, sizeof gp, aad, 20), "C_DecryptMessageBegin");
    tag[0] ^= 0x80;
    ptLen = sizeof pt;
    rv = f->C_DecryptMessageNext(s, &gp, sizeof gp, ct1, 32, pt, &ptLen, V3_CKF_END_OF_MESSAGE);
    printf("msg-decrypt-next-bad-tag rv=0x%lx\n", rv);
    tag[0] ^= 0x80;
    ptLen = sizeof pt;
    rv = f->C_DecryptMessage(s, &gp, sizeof gp, aad, 20, ct1, 32, pt, &ptLen);
    printf("msg-decrypt-after-failure rv=0x%lx match=%d\n", rv, ptLen == 32 && memcmp(pt, data, 32) == 0);
    rv = f->C_SessionCancel(s, 0x4UL); /* CKF_MESSAGE_DECRYPT */
    printf("msg-decrypt-cancel rv=0x%lx\n", rv);
    rv = f->C_DecryptMessage(s, &gp, sizeof gp, aad, 20, ct1, 32, pt, &ptLen);
    printf("msg-decrypt-after-cancel rv=0x%lx\n", rv);

    /* AES-CCM: 13-byte nonce, 16-byte MAC, ulDataLen 32 */
    CK_MECHANISM ccm = {CKM_AES_CCM, NULL, 0};
    CK_BYTE nonce[13], mac2[16];
    for (int i = 0; i < 13; i++) nonce[i] = (CK_BYTE)(0x10 + i);
    v3_ccm_msg cp = {32, nonce, 13, 0, V3_CKG_NO_GENERATE, mac2, 16};
    CHECK(f->C_MessageEncryptInit(s, &ccm, aesKey), "C_MessageEncryptInit(CCM)");
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &cp, sizeof cp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-ccm rv=0x%lx len=%lu", rv, ctLen);
    print_hex("nonce", nonce, 13), print_hex("ct", ct, ctLen), print_hex("tag", mac2, 16), printf("\n");
    cp.ulDataLen = 31;
    CK_BYTE ctx[64];
    CK_ULONG ctxLen = sizeof ctx;
    rv = f->C_EncryptMessage(s, &cp, sizeof cp, aad, 20, data, 32, ctx, &ctxLen);
    printf("msg-ccm-wrong-datalen rv=0x%lx\n", rv);
    cp.ulDataLen = 32;
    CHECK(f->C_MessageEncryptFinal(s), "C_MessageEncryptFinal");
    CHECK(f->C_MessageDecryptInit(s, &ccm, aesKey), "C_MessageDecryptInit(CCM)");
    ptLen = sizeof pt;
    rv = f->C_DecryptMessage(s, &cp, sizeof cp, aad, 20, ct, 32, pt, &ptLen);
    printf("msg-ccm-decrypt rv=0x%lx match=%d\n", rv, ptLen == 32 && memcmp(pt, data, 32) == 0);
    mac2[15] ^= 1;
    rv = f->C_DecryptMessage(s, &cp, sizeof cp, aad, 20, ct, 32, pt, &ptLen);
    printf("msg-ccm-decrypt-bad-mac rv=0x%lx\n", rv);
    CHECK(f->C_MessageDecryptFinal(s), "C_MessageDecryptFinal");

    /* ChaCha20-Poly1305: 12-byte nonce, 16-byte tag */
    static const CK_BYTE chachaKeyValue[32] = {0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
                                               0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f};
    CK_OBJECT_HANDLE chachaKey = secret(s, V3_CKK_CHACHA20, chachaKeyValue, 32, 1);
    CK_MECHANISM chacha = {V3_CKM_CHACHA20_POLY1305, NULL, 0};
    v3_chacha_msg xp = {nonce, 12, tag};
    CHECK(f->C_MessageEncryptInit(s, &chacha, chachaKey), "C_MessageEncryptInit(ChaCha20-Poly1305)");
    ctLen = sizeof ct;
    rv = f->C_EncryptMessage(s, &xp, sizeof xp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-chacha rv=0x%lx len=%lu", rv, ctLen);
    print_hex("nonce", nonce, 12), print_hex("ct", ct, ctLen), print_hex("tag", tag, 16), printf("\n");
    rv = f->C_EncryptMessage(s, &gp, sizeof gp, aad, 20, data, 32, ct, &ctLen);
    printf("msg-chacha-gcm-param rv=0x%lx\n", rv);
    CHECK(f->C_MessageEncryptFinal(s), "C_MessageEncryptFinal");
    CHECK(f->C_MessageDecryptInit(s, &chacha, chachaKey), "C_MessageDecryptInit(ChaCha20-Poly1305)");
    ptLen = sizeof pt;
    rv = f->C_DecryptMessage(s, &xp, sizeof xp, aad, 20, ct, 32, pt, &ptLen);
    printf("msg-chacha-decrypt rv=0x%lx match=%d\n", rv, ptLen == 32 && memcmp(pt, data, 32) == 0);
    CHECK(f->C_MessageDecryptFinal(s), "C_MessageDecryptFinal");
    rv = f->C_MessageDecryptInit(s, &chacha, aesKey);
    printf("msg-chacha-aes-key rv=0x%lx\n", rv);

    /* ---- message-based signing: HMAC (reference: refMac from C_Sign), ECDSA P-256 and RSA-PSS (checked by the test with .NET) ---- */
    CK_BYTE sig[512];
    CK_ULONG sigLen = sizeof sig;
    rv = f->C_SignMessage(s, NULL, 0, data, 32, sig, &sigLen);
    printf("msg-sign-not-init rv=0x%lx\n", rv);
    CHECK(f->C_MessageSignInit(s, &hmac, macKey), "C_MessageSignInit");
    sigLen = 0;
    rv = f->C_SignMessage(s, NULL, 0, data, 32, NULL, &sigLen);
    printf("msg-hmac-null rv=0x%lx len=%lu\n", rv, sigLen);
    sigLen = sizeof sig;
    rv = f->C_SignMessage(s, NULL, 0, data, 32, sig, &sigLen);
    printf("msg-hmac rv=0x%lx len=%lu match=%d\n", rv, sigLen, sigLen == 32 && memcmp(sig, refMac, 32) == 0);
    CK_BYTE junk[8] = {0};
    sigLen = sizeof sig;
    rv = f->C_SignMessage(s, junk, sizeof junk, data, 32, sig, &sigLen);
    printf("msg-hmac-param rv=0x%lx\n", rv);
    CHECK(f->C_SignMessageBegin(s, NULL, 0), "C_SignMessageBegin");
    rv = f->C_SignMessage(s, NULL, 0, data, 32, sig, &sigLen);
    printf("msg-sign-during-multipart rv=0x%lx\n", rv);
    rv = f->C_SignMessageNext(s, NULL, 0, data, 10, NULL, NULL);
    printf("msg-hmac-next1 rv=0x%lx\n", rv);
    sigLen = 4;
    rv = f->C_SignMessageNext(s, NULL, 0, data + 10, 22, sig, &sigLen);
    printf("msg-hmac-next2-short rv=0x%lx len=%lu\n", rv, sigLen);
    sigLen = sizeof sig;
    rv = f->C_SignMessageNext(s, NULL, 0, data + 10, 22, sig, &sigLen);
    printf("msg-hmac-next2 rv=0x%lx match=%d\n", rv, sigLen == 32 && memcmp(sig, refMac, 32) == 0);
    CHECK(f->C_MessageSignFinal(s), "C_MessageSignFinal");
    rv = f->C_SignMessageBegin(s, NULL, 0);
    printf("msg-sign-after-final rv=0x%lx\n", rv);
    CHECK(f->C_MessageVerifyInit(s, &hmac, macKey), "C_MessageVerifyInit");
    rv = f->C_VerifyMessage(s, NULL, 0, data, 32, refMac, 32);
    printf("msg-hmac-verify rv=0x%lx\n", rv);
    CK_BYTE badMac[32];
    memcpy(badMac, refMac, 32);
    badMac[31] ^= 1;
    rv = f->C_VerifyMessage(s, NULL, 0, data, 32, badMac, 32);
    printf("msg-hmac-verify-bad rv=0x%lx\n", rv);
    CHECK(f->C_VerifyMessageBegin(s, NULL, 0), "C_VerifyMessageBegin");
    CHECK(f->C_VerifyMessageNext(s, NULL, 0, data, 16, NULL, 0), "C_VerifyMessageNext");
    rv = f->C_VerifyMessageNext(s, NULL, 0, data + 16, 16, refMac, 32);
    printf("msg-hmac-verify-multipart rv=0x%lx\n", rv);
    CHECK(f->C_MessageVerifyFinal(s), "C_MessageVerifyFinal");

    /* ECDSA with SHA-256 on a P-256 key pair made by the token */
    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE ecPub[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, sizeof yes}};
    CK_ATTRIBUTE ecPriv[] = {{CKA_SIGN, &yes, sizeof yes}};
    CK_MECHANISM ecGen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE ecPubKey, ecPrivKey;
    CHECK(p->C_GenerateKeyPair(s, &ecGen, ecPub, 2, ecPriv, 1, &ecPubKey, &ecPrivKey), "C_GenerateKeyPair(EC)");
    CK_BYTE point[128];
    CK_ATTRIBUTE pt1[] = {{CKA_EC_POINT, point, sizeof point}};
    CHECK(p->C_GetAttributeValue(s, ecPubKey, pt1, 1), "C_GetAttributeValue(CKA_EC_POINT)");
    CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
    CHECK(f->C_MessageSignInit(s, &ecdsa, ecPrivKey), "C_MessageSignInit(ECDSA)");
    sigLen = sizeof sig;
    rv = f->C_SignMessage(s, NULL, 0, data, 32, sig, &sigLen);
    printf("msg-ecdsa rv=0x%lx len=%lu", rv, sigLen);
    print_hex("point", point, pt1[0].ulValueLen), print_hex("sig", sig, sigLen), printf("\n");
    CK_BYTE ecSig[64];
    memcpy(ecSig, sig, 64);
    CHECK(f->C_SignMessageBegin(s, NULL, 0), "C_SignMessageBegin(ECDSA)");
    CHECK(f->C_SignMessageNext(s, NULL, 0, data, 5, NULL, NULL), "C_SignMessageNext(ECDSA)");
    sigLen = sizeof sig;
    rv = f->C_SignMessageNext(s, NULL, 0, data + 5, 27, sig, &sigLen);
    printf("msg-ecdsa-multipart rv=0x%lx len=%lu", rv, sigLen);
    print_hex("sig", sig, sigLen), printf("\n");
    CHECK(f->C_MessageSignFinal(s), "C_MessageSignFinal");
    CHECK(f->C_MessageVerifyInit(s, &ecdsa, ecPubKey), "C_MessageVerifyInit(ECDSA)");
    rv = f->C_VerifyMessage(s, NULL, 0, data, 32, ecSig, 64);
    printf("msg-ecdsa-verify rv=0x%lx\n", rv);
    rv = f->C_VerifyMessage(s, NULL, 0, data, 31, ecSig, 64);
    printf("msg-ecdsa-verify-other-data rv=0x%lx\n", rv);
    CHECK(f->C_MessageVerifyFinal(s), "C_MessageVerifyFinal");
    rv = f->C_MessageSignInit(s, &ecdsa, ecPubKey);
    printf("msg-ecdsa-sign-with-public rv=0x%lx\n", rv);

    /* RSA-PSS with SHA-256 on a 2048-bit key pair made by the token */
    CK_ULONG bits = 2048;
    CK_BYTE e3[] = {0x01, 0x00, 0x01};
    CK_ATTRIBUTE rsaPub[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, e3, 3}, {CKA_VERIFY, &yes, sizeof yes}};
    CK_ATTRIBUTE rsaPriv[] = {{CKA_SIGN, &yes, sizeof yes}};
    CK_MECHANISM rsaGen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE rsaPubKey, rsaPrivKey;
    CHECK(p->C_GenerateKeyPair(s, &rsaGen, rsaPub, 3, rsaPriv, 1, &rsaPubKey, &rsaPrivKey), "C_GenerateKeyPair(RSA)");
    CK_BYTE modulus[256];
    CK_ATTRIBUTE mod1[] = {{CKA_MODULUS, modulus, sizeof modulus}};
    CHECK(p->C_GetAttributeValue(s, rsaPubKey, mod1, 1), "C_GetAttributeValue(CKA_MODULUS)");
    CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
    CK_MECHANISM pssMech = {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss};
    CHECK(f->C_MessageSignInit(s, &pssMech, rsaPrivKey), "C_MessageSignInit(PSS)");
    CHECK(f->C_SignMessageBegin(s, NULL, 0), "C_SignMessageBegin(PSS)");
    CHECK(f->C_SignMessageNext(s, NULL, 0, data, 16, NULL, NULL), "C_SignMessageNext(PSS)");
    sigLen = sizeof sig;
    rv = f->C_SignMessageNext(s, NULL, 0, data + 16, 16, sig, &sigLen);
    printf("msg-pss rv=0x%lx len=%lu", rv, sigLen);
    print_hex("modulus", modulus, mod1[0].ulValueLen), print_hex("sig", sig, sigLen), printf("\n");
    CHECK(f->C_MessageSignFinal(s), "C_MessageSignFinal");
    CHECK(f->C_MessageVerifyInit(s, &pssMech, rsaPubKey), "C_MessageVerifyInit(PSS)");
    rv = f->C_VerifyMessage(s, NULL, 0, data, 32, sig, sigLen);
    printf("msg-pss-verify rv=0x%lx\n", rv);
    rv = f->C_VerifyMessage(s, NULL, 0, data, 32, sig, sigLen - 1);
    printf("msg-pss-verify-short rv=0x%lx\n", rv);
    CHECK(f->C_MessageVerifyFinal(s), "C_MessageVerifyFinal");

    /* ---- CKA_PUBLIC_KEY_INFO of generated keys (checked by the test against .NET's SubjectPublicKeyInfo) ---- */
    CK_BYTE spki[1024], spki2[1024], spki3[1024];
    CK_ATTRIBUTE info1[] = {{CKA_PUBLIC_KEY_INFO, spki, sizeof spki}};
    CK_ATTRIBUTE info2[] = {{CKA_PUBLIC_KEY_INFO, spki2, sizeof spki2}};
    CK_ATTRIBUTE info3[] = {{CKA_PUBLIC_KEY_INFO, spki3, sizeof spki3}};
    CHECK(p->C_GetAttributeValue(s, ecPubKey, info1, 1), "C_GetAttributeValue(EC CKA_PUBLIC_KEY_INFO)");
    CHECK(p->C_GetAttributeValue(s, rsaPubKey, info2, 1), "C_GetAttributeValue(RSA CKA_PUBLIC_KEY_INFO)");
    CHECK(p->C_GetAttributeValue(s, rsaPrivKey, info3, 1), "C_GetAttributeValue(RSA private CKA_PUBLIC_KEY_INFO)");
    printf("public-key-info");
    print_hex("ec", spki, info1[0].ulValueLen), print_hex("rsa", spki2, info2[0].ulValueLen);
    printf(" rsa-private-same=%d\n", info3[0].ulValueLen == info2[0].ulValueLen && memcmp(spki2, spki3, info2[0].ulValueLen) == 0);

    /* ---- C_GetOperationState / C_SetOperationState (digests) ---- */
    CK_BYTE state[4096];
    CK_ULONG stateLen = sizeof state;
    rv = p->C_GetOperationState(s, state, &stateLen);
    printf("getstate-none-active rv=0x%lx\n", rv);
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p->C_DigestUpdate(s, data, 16), "C_DigestUpdate");
    stateLen = 0;
    rv = p->C_GetOperationState(s, NULL, &stateLen);
    CK_ULONG needed = stateLen;
    printf("getstate-null rv=0x%lx sized=%d\n", rv, needed > 16 && needed <= sizeof state);
    stateLen = 3;
    rv = p->C_GetOperationState(s, state, &stateLen);
    printf("getstate-short rv=0x%lx same=%d\n", rv, stateLen == needed);
    stateLen = sizeof state;
    rv = p->C_GetOperationState(s, state, &stateLen);
    printf("getstate rv=0x%lx same=%d\n", rv, stateLen == needed);
    CHECK(p->C_EncryptInit(s, &ecb, aesKey), "C_EncryptInit");
    CK_BYTE state2[4096];
    CK_ULONG len2 = sizeof state2;
    rv = p->C_GetOperationState(s, state2, &len2);
    printf("getstate-with-encrypt rv=0x%lx\n", rv);
    CHECK(f->C_SessionCancel(s, CKF_ENCRYPT), "C_SessionCancel");
    CK_SESSION_HANDLE s2;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s2), "C_OpenSession");
    state[stateLen - 1] ^= 1;
    rv = p->C_SetOperationState(s2, state, stateLen, 0, 0);
    printf("setstate-tampered rv=0x%lx\n", rv);
    state[stateLen - 1] ^= 1;
    rv = p->C_SetOperationState(s2, state, stateLen, aesKey, 0);
    printf("setstate-key-given rv=0x%lx\n", rv);
    rv = p->C_SetOperationState(s2, state, stateLen, 0, 0);
    printf("setstate rv=0x%lx\n", rv);
    CHECK(p->C_DigestUpdate(s2, data + 16, 16), "C_DigestUpdate");
    mdLen = sizeof md;
    CHECK(p->C_DigestFinal(s2, md, &mdLen), "C_DigestFinal");
    printf("setstate-digest match=%d\n", mdLen == 32 && memcmp(md, refDigest, 32) == 0);
    CHECK(p->C_DigestUpdate(s, data + 16, 16), "C_DigestUpdate");
    mdLen = sizeof md;
    CHECK(p->C_DigestFinal(s, md, &mdLen), "C_DigestFinal");
    printf("getstate-original-goes-on match=%d\n", mdLen == 32 && memcmp(md, refDigest, 32) == 0);
    CHECK(p->C_CloseSession(s2), "C_CloseSession");
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p->C_DigestKey(s, aesKey), "C_DigestKey");
    stateLen = sizeof state;
    rv = p->C_GetOperationState(s, state, &stateLen);
    printf("getstate-after-digestkey rv=0x%lx\n", rv);
    CHECK(f->C_SessionCancel(s, CKF_DIGEST), "C_SessionCancel");

    /* ---- operation state of encryption (AES-CBC) and MACs (HMAC): sealed blobs, the key supplied again ---- */
    CK_BYTE cbcIv[16] = {0};
    CK_MECHANISM cbc = {CKM_AES_CBC, cbcIv, 16};
    CK_BYTE refCbc[32];
    n = sizeof refCbc;
    CHECK(p->C_EncryptInit(s, &cbc, aesKey), "C_EncryptInit(CBC)");
    CHECK(p->C_Encrypt(s, data, 32, refCbc, &n), "C_Encrypt(CBC)");
    CHECK(p->C_EncryptInit(s, &cbc, aesKey), "C_EncryptInit(CBC)");
    outLen = sizeof out;
    CHECK(p->C_EncryptUpdate(s, data, 16, out, &outLen), "C_EncryptUpdate(CBC)");
    stateLen = sizeof state;
    rv = p->C_GetOperationState(s, state, &stateLen);
    int visible = 0;
    for (CK_ULONG i = 0; i + 16 <= stateLen; i++) visible |= memcmp(state + i, data, 16) == 0;
    printf("getstate-encrypt rv=0x%lx plaintext-visible=%d\n", rv, visible);
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s2), "C_OpenSession");
    rv = p->C_SetOperationState(s2, state, stateLen, 0, 0);
    printf("setstate-encrypt-no-key rv=0x%lx\n", rv);
    rv = p->C_SetOperationState(s2, state, stateLen, aesKey, macKey);
    printf("setstate-encrypt-auth-key rv=0x%lx\n", rv);
    rv = p->C_SetOperationState(s2, state, stateLen, chachaKey, 0);
    printf("setstate-encrypt-other-key rv=0x%lx\n", rv);
    rv = p->C_SetOperationState(s2, state, stateLen, 999999, 0);
    printf("setstate-encrypt-bad-handle rv=0x%lx\n", rv);
    rv = p->C_SetOperationState(s2, state, stateLen, aesKey, 0);
    printf("setstate-encrypt rv=0x%lx\n", rv);
    outLen = sizeof out;
    rv = p->C_EncryptUpdate(s2, data + 16, 16, out, &outLen);
    printf("setstate-encrypt-continues rv=0x%lx match=%d\n", rv, outLen == 16 && memcmp(out, refCbc + 16, 16) == 0);
    n = sizeof out2;
    CHECK(p->C_EncryptFinal(s2, out2, &n), "C_EncryptFinal");
    outLen = sizeof out;
    rv = p->C_EncryptUpdate(s, data + 16, 16, out, &outLen);
    printf("getstate-encrypt-original-goes-on rv=0x%lx match=%d\n", rv, outLen == 16 && memcmp(out, refCbc + 16, 16) == 0);
    n = sizeof out2;
    CHECK(p->C_EncryptFinal(s, out2, &n), "C_EncryptFinal");

    CHECK(p->C_SignInit(s, &hmac, macKey), "C_SignInit");
    CHECK(p->C_SignUpdate(s, data, 10), "C_SignUpdate");
    stateLen = sizeof state;
    CHECK(p->C_GetOperationState(s, state, &stateLen), "C_GetOperationState(HMAC)");
    rv = p->C_SetOperationState(s2, state, stateLen, macKey, 0);
    printf("setstate-hmac-as-encryption-key rv=0x%lx\n", rv);
    rv = p->C_SetOperationState(s2, state, stateLen, 0, macKey);
    printf("setstate-hmac rv=0x%lx\n", rv);
    CHECK(p->C_SignUpdate(s2, data + 10, 22), "C_SignUpdate");
    mdLen = sizeof md;
    CHECK(p->C_SignFinal(s2, md, &mdLen), "C_SignFinal");
    printf("setstate-hmac-mac match=%d\n", mdLen == 32 && memcmp(md, refMac, 32) == 0);
    CHECK(f->C_SessionCancel(s, CKF_SIGN), "C_SessionCancel");
    CHECK(p->C_CloseSession(s2), "C_CloseSession");

    CHECK(f->C_MessageEncryptInit(s, &gcm, aesKey), "C_MessageEncryptInit");
    stateLen = sizeof state;
    rv = p->C_GetOperationState(s, state, &stateLen);
    printf("getstate-message-encrypt rv=0x%lx\n", rv);
    CHECK(f->C_MessageEncryptFinal(s), "C_MessageEncryptFinal");

    CK_OBJECT_CLASS secretClass = CKO_SECRET_KEY;
    CK_KEY_TYPE genericType = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE;

    /* ---- CKA_ALWAYS_AUTHENTICATE: every signature needs C_Login(CKU_CONTEXT_SPECIFIC) ---- */
    CK_ATTRIBUTE aaPub[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, sizeof yes}};
    CK_ATTRIBUTE aaPriv[] = {{CKA_SIGN, &yes, sizeof yes}, {CKA_ALWAYS_AUTHENTICATE, &yes, sizeof yes}, {CKA_PRIVATE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE aaPubKey, aaPrivKey;
    CHECK(p->C_GenerateKeyPair(s, &ecGen, aaPub, 2, aaPriv, 3, &aaPubKey, &aaPrivKey), "C_GenerateKeyPair(always-authenticate)");
    CHECK(p->C_SignInit(s, &ecdsa, aaPrivKey), "C_SignInit(always-authenticate)");
    sigLen = sizeof sig;
    rv = p->C_Sign(s, data, 32, sig, &sigLen);
    printf("always-auth-sign-before-login rv=0x%lx\n", rv);
    rv = p->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)"00000000", 8);
    printf("always-auth-context-wrong-pin rv=0x%lx\n", rv);
    rv = p->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)pin, pinLen);
    printf("always-auth-context-login rv=0x%lx\n", rv);
    sigLen = sizeof sig;
    rv = p->C_Sign(s, data, 32, sig, &sigLen);
    printf("always-auth-sign rv=0x%lx len=%lu\n", rv, sigLen);
    CHECK(p->C_SignInit(s, &ecdsa, aaPrivKey), "C_SignInit(always-authenticate)");
    sigLen = sizeof sig;
    rv = p->C_Sign(s, data, 32, sig, &sigLen);
    printf("always-auth-second-sign-before-login rv=0x%lx\n", rv);
    CHECK(p->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)pin, pinLen), "C_Login(CKU_CONTEXT_SPECIFIC)");
    sigLen = sizeof sig;
    rv = p->C_Sign(s, data, 32, sig, &sigLen);
    printf("always-auth-second-sign rv=0x%lx\n", rv);
    CHECK(p->C_VerifyInit(s, &ecdsa, aaPubKey), "C_VerifyInit");
    rv = p->C_Verify(s, data, 32, sig, sigLen);
    printf("always-auth-verify rv=0x%lx\n", rv);
    CHECK(p->C_SignInit(s, &ecdsa, ecPrivKey), "C_SignInit(ordinary key)");
    sigLen = sizeof sig;
    rv = p->C_Sign(s, data, 32, sig, &sigLen);
    printf("ordinary-key-sign rv=0x%lx\n", rv);

    /* ---- CKA_ALWAYS_AUTHENTICATE on message-based operations: C_MessageSignInit / C_MessageDecryptInit need the context login too ---- */
    CHECK(f->C_MessageSignInit(s, &ecdsa, aaPrivKey), "C_MessageSignInit(always-authenticate)");
    sigLen = sizeof sig;
    rv = f->C_SignMessage(s, NULL, 0, data, 32, sig, &sigLen);
    printf("always-auth-msg-sign-before-login rv=0x%lx\n", rv);
    rv = f->C_SignMessageBegin(s, NULL, 0);
    printf("always-auth-msg-sign-begin-before-login rv=0x%lx\n", rv);
    CHECK(p->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)pin, pinLen), "C_Login(CKU_CONTEXT_SPECIFIC) for a message signature");
    sigLen = sizeof sig;
    rv = f->C_SignMessage(s, NULL, 0, data, 32, sig, &sigLen);
    printf("always-auth-msg-sign rv=0x%lx len=%lu\n", rv, sigLen);
    CHECK(f->C_MessageSignFinal(s), "C_MessageSignFinal(always-authenticate)");
    CHECK(p->C_VerifyInit(s, &ecdsa, aaPubKey), "C_VerifyInit");
    rv = p->C_Verify(s, data, 32, sig, sigLen);
    printf("always-auth-msg-verify rv=0x%lx\n", rv);
    CHECK(f->C_MessageSignInit(s, &ecdsa, aaPrivKey), "C_MessageSignInit(always-authenticate, given up)");
    rv = f->C_MessageSignFinal(s);
    printf("always-auth-msg-final-without-login rv=0x%lx\n", rv);
    CK_KEY_TYPE aaAesType = CKK_AES;
    CK_ATTRIBUTE aaAesT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aaAesType, sizeof aaAesType}, {CKA_TOKEN, &no, sizeof no},
                             {CKA_PRIVATE, &yes, sizeof yes}, {CKA_VALUE, (void *)aes, 16}, {CKA_ENCRYPT, &yes, sizeof yes},
                             {CKA_DECRYPT, &yes, sizeof yes}, {CKA_ALWAYS_AUTHENTICATE, &yes, sizeof yes}};
    /* Message-based decryption is AEAD with secret keys, which have no CKA_ALWAYS_AUTHENTICATE (PKCS#11 3.0 §4.10: private keys only). */
    CK_OBJECT_HANDLE aaAesKey;
    rv = p->C_CreateObject(s, aaAesT, 8, &aaAesKey);
    printf("always-auth-secret-key rv=0x%lx\n", rv);

    /* ---- CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE ---- */
    CK_KEY_TYPE aesType = CKK_AES;
    CK_ATTRIBUTE wrapOnly[] = {{CKA_KEY_TYPE, &genericType, sizeof genericType}};
    CK_ATTRIBUTE unwrapImposed[] = {{CKA_SIGN, &yes, sizeof yes}, {CKA_EXTRACTABLE, &no, sizeof no}};
    static const CK_BYTE kek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    CK_ATTRIBUTE kekT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aesType, sizeof aesType}, {CKA_TOKEN, &no, sizeof no},
                           {CKA_VALUE, (void *)kek, 16}, {CKA_WRAP, &yes, sizeof yes}, {CKA_UNWRAP, &yes, sizeof yes},
                           {CKA_WRAP_TEMPLATE, wrapOnly, sizeof wrapOnly}, {CKA_UNWRAP_TEMPLATE, unwrapImposed, sizeof unwrapImposed}};
    CK_OBJECT_HANDLE kekKey;
    CHECK(p->C_CreateObject(s, kekT, 8, &kekKey), "C_CreateObject(KEK with templates)");
    CK_ATTRIBUTE genT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType}, {CKA_TOKEN, &no, sizeof no},
                           {CKA_VALUE, (void *)mac, 32}, {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE genKey, aesKey2;
    CHECK(p->C_CreateObject(s, genT, 5, &genKey), "C_CreateObject(generic)");
    CK_ATTRIBUTE aesT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aesType, sizeof aesType}, {CKA_TOKEN, &no, sizeof no},
                           {CKA_VALUE, (void *)aes, 16}, {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CHECK(p->C_CreateObject(s, aesT, 5, &aesKey2), "C_CreateObject(aes)");
    CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
    CK_BYTE wrapped[64];
    CK_ULONG wrappedLen = sizeof wrapped;
    rv = p->C_WrapKey(s, &kw, kekKey, genKey, wrapped, &wrappedLen);
    printf("wrap-template-match rv=0x%lx len=%lu\n", rv, wrappedLen);
    CK_BYTE wrapped2[64];
    CK_ULONG wrapped2Len = sizeof wrapped2;
    rv = p->C_WrapKey(s, &kw, kekKey, aesKey2, wrapped2, &wrapped2Len);
    printf("wrap-template-mismatch rv=0x%lx\n", rv);
    CK_ATTRIBUTE unwrapT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType}, {CKA_TOKEN, &no, sizeof no}};
    CK_OBJECT_HANDLE unwrappedKey = 0;
    rv = p->C_UnwrapKey(s, &kw, kekKey, wrapped, wrappedLen, unwrapT, 3, &unwrappedKey);
    CK_BBOOL gotSign = 0, gotExtractable = 1;
    CK_ATTRIBUTE readBack[] = {{CKA_SIGN, &gotSign, sizeof gotSign}, {CKA_EXTRACTABLE, &gotExtractable, sizeof gotExtractable}};
    if (rv == CKR_OK) CHECK(p->C_GetAttributeValue(s, unwrappedKey, readBack, 2), "C_GetAttributeValue(unwrapped)");
    printf("unwrap-template-applied rv=0x%lx sign=%d extractable=%d\n", rv, gotSign, gotExtractable);
    CK_ATTRIBUTE unwrapConflict[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType},
                                     {CKA_TOKEN, &no, sizeof no}, {CKA_SIGN, &no, sizeof no}};
    rv = p->C_UnwrapKey(s, &kw, kekKey, wrapped, wrappedLen, unwrapConflict, 4, &unwrappedKey);
    printf("unwrap-template-conflict rv=0x%lx\n", rv);
    CK_ATTRIBUTE deriveImposed[] = {{CKA_SENSITIVE, &yes, sizeof yes}};
    CK_ATTRIBUTE baseT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType}, {CKA_TOKEN, &no, sizeof no},
                            {CKA_VALUE, (void *)mac, 32}, {CKA_DERIVE, &yes, sizeof yes}, {CKA_DERIVE_TEMPLATE, deriveImposed, sizeof deriveImposed}};
    CK_OBJECT_HANDLE baseKey, derivedKey = 0;
    CHECK(p->C_CreateObject(s, baseT, 6, &baseKey), "C_CreateObject(derive base)");
    CK_MECHANISM kd = {CKM_SHA256_KEY_DERIVATION, NULL, 0};
    CK_ATTRIBUTE deriveT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType}, {CKA_TOKEN, &no, sizeof no}};
    rv = p->C_DeriveKey(s, &kd, baseKey, deriveT, 3, &derivedKey);
    CK_BBOOL gotSensitive = 0;
    CK_ATTRIBUTE readSensitive[] = {{CKA_SENSITIVE, &gotSensitive, sizeof gotSensitive}};
    if (rv == CKR_OK) CHECK(p->C_GetAttributeValue(s, derivedKey, readSensitive, 1), "C_GetAttributeValue(derived)");
    printf("derive-template-applied rv=0x%lx sensitive=%d\n", rv, gotSensitive);
    CK_ATTRIBUTE deriveConflict[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType},
                                     {CKA_TOKEN, &no, sizeof no}, {CKA_SENSITIVE, &no, sizeof no}};
    rv = p->C_DeriveKey(s, &kd, baseKey, deriveConflict, 4, &derivedKey);
    printf("derive-template-conflict rv=0x%lx\n", rv);

    /* ---- token-provided objects: CKO_PROFILE, CKO_HW_FEATURE (clock, monotonic counter) ---- */
    CK_OBJECT_CLASS profileClass = 0x9UL; /* CKO_PROFILE */
    CK_ATTRIBUTE findProfiles[] = {{CKA_CLASS, &profileClass, sizeof profileClass}};
    CK_OBJECT_HANDLE profiles[8];
    CK_ULONG nProfiles = 0;
    CHECK(p->C_FindObjectsInit(s, findProfiles, 1), "C_FindObjectsInit(CKO_PROFILE)");
    CHECK(p->C_FindObjects(s, profiles, 8, &nProfiles), "C_FindObjects(CKO_PROFILE)");
    CHECK(p->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    printf("profiles count=%lu ids=", nProfiles);
    for (CK_ULONG i = 0; i < nProfiles; i++) {
        CK_ULONG pid = 0;
        CK_ATTRIBUTE pa[] = {{0x601UL /* CKA_PROFILE_ID */, &pid, sizeof pid}};
        CHECK(p->C_GetAttributeValue(s, profiles[i], pa, 1), "C_GetAttributeValue(CKA_PROFILE_ID)");
        printf("%s%lu", i ? "," : "", pid);
    }
    printf("\n");
    CK_OBJECT_HANDLE all[256];
    CK_ULONG nAll = 0;
    CHECK(p->C_FindObjectsInit(s, NULL, 0), "C_FindObjectsInit(all)");
    CHECK(p->C_FindObjects(s, all, 256, &nAll), "C_FindObjects(all)");
    CHECK(p->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    int listed = 0;
    for (CK_ULONG i = 0; i < nAll; i++) listed |= nProfiles > 0 && all[i] == profiles[0];
    printf("find-all-lists-profiles=%d\n", listed);
    rv = p->C_DestroyObject(s, profiles[0]);
    printf("profile-destroy rv=0x%lx\n", rv);
    CK_ATTRIBUTE relabel[] = {{CKA_LABEL, "x", 1}};
    rv = p->C_SetAttributeValue(s, profiles[0], relabel, 1);
    printf("profile-set rv=0x%lx\n", rv);
    CK_ULONG baseline = 1;
    CK_ATTRIBUTE newProfile[] = {{CKA_CLASS, &profileClass, sizeof profileClass}, {0x601UL, &baseline, sizeof baseline}};
    CK_OBJECT_HANDLE made;
    rv = p->C_CreateObject(s, newProfile, 2, &made);
    printf("profile-create rv=0x%lx\n", rv);

    CK_OBJECT_CLASS hwClass = CKO_HW_FEATURE;
    CK_HW_FEATURE_TYPE clockType = CKH_CLOCK, counterType = CKH_MONOTONIC_COUNTER;
    CK_ATTRIBUTE findClock[] = {{CKA_CLASS, &hwClass, sizeof hwClass}, {CKA_HW_FEATURE_TYPE, &clockType, sizeof clockType}};
    CK_OBJECT_HANDLE clockObj = 0, counterObj = 0;
    CK_ULONG nFound = 0;
    CHECK(p->C_FindObjectsInit(s, findClock, 2), "C_FindObjectsInit(CKH_CLOCK)");
    CHECK(p->C_FindObjects(s, &clockObj, 1, &nFound), "C_FindObjects(CKH_CLOCK)");
    CHECK(p->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    char now[17] = {0};
    CK_ATTRIBUTE clockValue[] = {{CKA_VALUE, now, 16}};
    rv = nFound == 1 ? p->C_GetAttributeValue(s, clockObj, clockValue, 1) : CKR_OBJECT_HANDLE_INVALID;
    printf("clock rv=0x%lx len=%lu value=%s\n", rv, clockValue[0].ulValueLen, now);
    int clockListed = 0;
    for (CK_ULONG i = 0; i < nAll; i++) clockListed |= nFound == 1 && all[i] == clockObj;
    printf("find-all-lists-clock=%d\n", clockListed);
    CK_ATTRIBUTE findCounter[] = {{CKA_CLASS, &hwClass, sizeof hwClass}, {CKA_HW_FEATURE_TYPE, &counterType, sizeof counterType}};
    CHECK(p->C_FindObjectsInit(s, findCounter, 2), "C_FindObjectsInit(CKH_MONOTONIC_COUNTER)");
    CHECK(p->C_FindObjects(s, &counterObj, 1, &nFound), "C_FindObjects(CKH_MONOTONIC_COUNTER)");
    CHECK(p->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    CK_BYTE c1[8] = {0}, c2[8] = {0};
    CK_ATTRIBUTE cv1[] = {{CKA_VALUE, c1, 8}}, cv2[] = {{CKA_VALUE, c2, 8}};
    CHECK(p->C_GetAttributeValue(s, counterObj, cv1, 1), "C_GetAttributeValue(counter)");
    CHECK(p->C_GetAttributeValue(s, counterObj, cv2, 1), "C_GetAttributeValue(counter)");
    printf("counter found=%lu len=%lu increases=%d\n", nFound, cv1[0].ulValueLen, memcmp(c2, c1, 8) > 0);
    rv = p->C_DestroyObject(s, clockObj);
    printf("clock-destroy rv=0x%lx\n", rv);

    /* ---- PKCS#11 3.2 through C_GetInterface("PKCS 11", {3,2}) ---- */
    CK_VERSION v32 = {3, 2};
    v3_interface *iface32 = NULL;
    CHECK(f->C_GetInterface((CK_UTF8CHAR *)"PKCS 11", &v32, &iface32, 0), "C_GetInterface(3.2)");
    v32_function_list *g = (v32_function_list *)iface32->pFunctionList;
    printf("interface32 version=%d.%d same-3.0-functions=%d\n", g->base30.base.version.major, g->base30.base.version.minor,
           g->base30.C_MessageVerifyFinal == f->C_MessageVerifyFinal && g->base30.base.C_Sign == p->C_Sign);
    CK_VERSION *none = NULL;
    v3_interface *dflt = NULL;
    CHECK(f->C_GetInterface(NULL, none, &dflt, 0), "C_GetInterface(default)");
    printf("interface-default version=%d.%d\n", ((CK_FUNCTION_LIST *)dflt->pFunctionList)->version.major, ((CK_FUNCTION_LIST *)dflt->pFunctionList)->version.minor);
    CHECK(p->C_GetMechanismInfo(slot, V32_CKM_ML_KEM, &mi), "C_GetMechanismInfo(CKM_ML_KEM)");
    printf("mlkem-info encapsulate=%d decapsulate=%d\n", (mi.flags & V32_CKF_ENCAPSULATE) != 0, (mi.flags & V32_CKF_DECAPSULATE) != 0);

    CK_ULONG set = V32_CKP_ML_KEM_768;
    CK_ATTRIBUTE kemPub[] = {{V32_CKA_PARAMETER_SET, &set, sizeof set}};
    CK_ATTRIBUTE kemPriv[] = {{CKA_SENSITIVE, &yes, sizeof yes}};
    CK_MECHANISM kemGen = {V32_CKM_ML_KEM_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE kemPubKey, kemPrivKey;
    CHECK(p->C_GenerateKeyPair(s, &kemGen, kemPub, 1, kemPriv, 1, &kemPubKey, &kemPrivKey), "C_GenerateKeyPair(ML-KEM)");
    CK_MECHANISM kem = {V32_CKM_ML_KEM, NULL, 0};
    CK_ATTRIBUTE shared[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &genericType, sizeof genericType},
                             {CKA_SENSITIVE, &no, sizeof no}, {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CK_BYTE kct[2048];
    CK_ULONG kctLen = 0;
    CK_OBJECT_HANDLE k1 = 0, k2 = 0;
    rv = g->C_EncapsulateKey(s, &kem, kemPubKey, shared, 4, NULL, &kctLen, &k1);
    printf("encapsulate-null rv=0x%lx len=%lu handle=%d\n", rv, kctLen, k1 != 0);
    CK_ULONG shortLen = 16;
    rv = g->C_EncapsulateKey(s, &kem, kemPubKey, shared, 4, kct, &shortLen, &k1);
    printf("encapsulate-short rv=0x%lx len=%lu\n", rv, shortLen);
    kctLen = sizeof kct;
    rv = g->C_EncapsulateKey(s, &kem, kemPubKey, shared, 4, kct, &kctLen, &k1);
    printf("encapsulate rv=0x%lx len=%lu handle=%d\n", rv, kctLen, k1 != 0);
    rv = g->C_DecapsulateKey(s, &kem, kemPrivKey, shared, 4, kct, kctLen, &k2);
    printf("decapsulate rv=0x%lx handle=%d\n", rv, k2 != 0 && k2 != k1);
    CK_BYTE ss1[64], ss2[64];
    CK_ATTRIBUTE v1[] = {{CKA_VALUE, ss1, sizeof ss1}}, v2[] = {{CKA_VALUE, ss2, sizeof ss2}};
    CHECK(p->C_GetAttributeValue(s, k1, v1, 1), "C_GetAttributeValue(k1)");
    CHECK(p->C_GetAttributeValue(s, k2, v2, 1), "C_GetAttributeValue(k2)");
    printf("kem-shared-secret len=%lu match=%d\n", v1[0].ulValueLen, v1[0].ulValueLen == 32 && v2[0].ulValueLen == 32 && memcmp(ss1, ss2, 32) == 0);
    kct[5] ^= 1;
    CK_OBJECT_HANDLE k3 = 0;
    rv = g->C_DecapsulateKey(s, &kem, kemPrivKey, shared, 4, kct, kctLen, &k3);
    CK_ATTRIBUTE v3[] = {{CKA_VALUE, ss2, sizeof ss2}};
    CHECK(p->C_GetAttributeValue(s, k3, v3, 1), "C_GetAttributeValue(k3)");
    printf("decapsulate-tampered rv=0x%lx match=%d\n", rv, memcmp(ss1, ss2, 32) == 0);
    rv = g->C_DecapsulateKey(s, &kem, kemPrivKey, shared, 4, kct, 100, &k3);
    printf("decapsulate-short rv=0x%lx\n", rv);
    kctLen = sizeof kct;
    rv = g->C_EncapsulateKey(s, &kem, kemPrivKey, shared, 4, kct, &kctLen, &k3);
    printf("encapsulate-private-key rv=0x%lx\n", rv);
    rv = g->C_DecapsulateKey(s, &kem, kemPubKey, shared, 4, kct, 1088, &k3);
    printf("decapsulate-public-key rv=0x%lx\n", rv);
    kctLen = sizeof kct;
    rv = g->C_EncapsulateKey(s, &hmac, kemPubKey, shared, 4, kct, &kctLen, &k3);
    printf("encapsulate-hmac rv=0x%lx\n", rv);

    rv = g->C_VerifySignature(s, data, 32);
    printf("verifysig-not-init rv=0x%lx\n", rv);
    CHECK(g->C_VerifySignatureInit(s, &hmac, macKey, refMac, 32), "C_VerifySignatureInit");
    rv = g->C_VerifySignatureInit(s, &hmac, macKey, refMac, 32);
    printf("verifysig-init-twice rv=0x%lx\n", rv);
    rv = g->C_VerifySignature(s, data, 32);
    printf("verifysig-hmac rv=0x%lx\n", rv);
    CHECK(g->C_VerifySignatureInit(s, &hmac, macKey, badMac, 32), "C_VerifySignatureInit");
    rv = g->C_VerifySignature(s, data, 32);
    printf("verifysig-hmac-bad rv=0x%lx\n", rv);
    CHECK(g->C_VerifySignatureInit(s, &hmac, macKey, refMac, 32), "C_VerifySignatureInit");
    CHECK(g->C_VerifySignatureUpdate(s, data, 16), "C_VerifySignatureUpdate");
    CHECK(g->C_VerifySignatureUpdate(s, data + 16, 16), "C_VerifySignatureUpdate");
    rv = g->C_VerifySignatureFinal(s);
    printf("verifysig-hmac-multipart rv=0x%lx\n", rv);
    rv = g->C_VerifySignatureFinal(s);
    printf("verifysig-final-again rv=0x%lx\n", rv);
    CHECK(g->C_VerifySignatureInit(s, &ecdsa, ecPubKey, ecSig, 64), "C_VerifySignatureInit(ECDSA)");
    rv = g->C_VerifySignature(s, data, 32);
    printf("verifysig-ecdsa rv=0x%lx\n", rv);
    rv = g->C_VerifySignatureInit(s, &ecdsa, ecPrivKey, ecSig, 64);
    printf("verifysig-private-key rv=0x%lx\n", rv);
    CK_FLAGS vflags = 0;
    rv = g->C_GetSessionValidationFlags(s, 0, &vflags);
    printf("session-validation-flags rv=0x%lx\n", rv);

    CHECK(p->C_Logout(s), "C_Logout");
    CHECK(p->C_CloseSession(s), "C_CloseSession");
    CHECK(p->C_Finalize(NULL), "C_Finalize");
    printf("DONE\n");
    return 0;
}
