/*
 * v3client: the PKCS#11 3.0 functions of the module, driven through the 3.0 function list that
 * C_GetInterface("PKCS 11", {3,0}) returns (Pkcs11Interop 5.3.0 has no 3.0 API; Debian's p11-kit pkcs11.h
 * has no 3.0 types either, so the 3.0 tail of the list is declared here).
 * Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev), -ldl.
 *
 *   v3client MODULE SLOT USERPIN    runs every check and prints one line "name rv=0x.. ..." per check, then "DONE"
 *
 * Failures of set-up calls print "FAIL <call> rv=0x.." and exit 2.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <p11-kit/pkcs11.h>

typedef struct {
    CK_CHAR *pInterfaceName;
    void *pFunctionList;
    CK_FLAGS flags;
} v3_interface;

/* CK_FUNCTION_LIST_3_0: the 2.40 list followed by the 3.0 additions (the ones used here, in spec order). */
typedef struct {
    CK_FUNCTION_LIST base;
    CK_RV (*C_GetInterfaceList)(v3_interface *, CK_ULONG *);
    CK_RV (*C_GetInterface)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS);
    CK_RV (*C_LoginUser)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *, CK_ULONG);
    CK_RV (*C_SessionCancel)(CK_SESSION_HANDLE, CK_FLAGS);
    CK_RV (*C_MessageEncryptInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
} v3_function_list;

#define V3_CKF_FIND_OBJECTS 0x40UL

static v3_function_list *f;
static CK_FUNCTION_LIST *p;

#define CHECK(call, name)                                                          \
    do {                                                                           \
        CK_RV rv_ = (call);                                                        \
        if (rv_ != CKR_OK) {                                                       \
            printf("FAIL %s rv=0x%lx\n", name, (unsigned long)rv_);                \
            fflush(stdout);                                                        \
            exit(2);                                                               \
        }                                                                          \
    } while (0)

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
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        printf("FAIL dlopen %s\n", dlerror());
        return 3;
    }
    CK_RV (*getif)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS) =
        (CK_RV (*)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS))dlsym(h, "C_GetInterface");
    if (getif == NULL) {
        printf("FAIL dlsym C_GetInterface\n");
        return 3;
    }
    CK_VERSION v30 = {3, 0};
    v3_interface *iface = NULL;
    CHECK(getif((CK_UTF8CHAR *)"PKCS 11", &v30, &iface, 0), "C_GetInterface");
    f = (v3_function_list *)iface->pFunctionList;
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

    /* ---- not offered yet: a clean CKR_FUNCTION_NOT_SUPPORTED ---- */
    CK_MECHANISM gcm = {CKM_AES_GCM, NULL, 0};
    rv = f->C_MessageEncryptInit(s, &gcm, aesKey);
    printf("messageencryptinit rv=0x%lx\n", rv);

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
    CK_ULONG len2 = sizeof out2;
    rv = p->C_GetOperationState(s, out2, &len2);
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

    CHECK(p->C_Logout(s), "C_Logout");
    CHECK(p->C_CloseSession(s), "C_CloseSession");
    CHECK(p->C_Finalize(NULL), "C_Finalize");
    printf("DONE\n");
    return 0;
}
