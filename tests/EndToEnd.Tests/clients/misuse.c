/*
 * misuse.c: the C ABI misused as careless callers do — calls before C_Initialize and after C_Finalize, NULL pointers,
 * NULL length pointers, short buffers, wrong lengths, invalid handles, fork children, concurrent C_Finalize. Each
 * check prints "OK name rv=0x.." or "BAD name rv=0x.. want ..." (the codes of PKCS#11 3.0 section 5); "DONE bad=N"
 * at the end. A crash or a hang is the test runner's to see (it kills the client after a deadline).
 * Usage: misuse MODULE SLOT USER_PIN
 */
#include "client.h"
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static int bad;
static CK_FUNCTION_LIST *f;

/* rv must be one of the wanted codes (a list ending with (CK_RV)-1). */
static void expect_any(const char *name, CK_RV rv, const CK_RV *want)
{
    for (const CK_RV *w = want; *w != (CK_RV)-1; w++)
        if (rv == *w) {
            printf("OK %s rv=0x%lx\n", name, rv);
            return;
        }
    bad++;
    printf("BAD %s rv=0x%lx want", name, rv);
    for (const CK_RV *w = want; *w != (CK_RV)-1; w++) printf(" 0x%lx", *w);
    printf("\n");
}
#define EXPECT(name, call, ...)                                  \
    do {                                                         \
        const CK_RV want_[] = {__VA_ARGS__, (CK_RV)-1};          \
        expect_any(name, (call), want_);                         \
    } while (0)

static volatile int stop;
static CK_SLOT_ID slot;

/* A thread calling the module in a loop while another finalizes: every answer is OK or "not initialized". */
static void *caller(void *arg)
{
    long *unexpected = arg;
    while (!stop) {
        CK_ULONG n = 0;
        CK_RV rv = f->C_GetSlotList(CK_FALSE, NULL, &n);
        CK_SESSION_HANDLE s;
        CK_RV rv2 = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
        if (rv2 == CKR_OK) rv2 = f->C_CloseSession(s);
        if ((rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED) ||
            (rv2 != CKR_OK && rv2 != CKR_CRYPTOKI_NOT_INITIALIZED && rv2 != CKR_SESSION_HANDLE_INVALID)) {
            printf("unexpected concurrent answer rv=0x%lx rv2=0x%lx\n", rv, rv2);
            (*unexpected)++;
        }
    }
    return NULL;
}

static void *finalizer(void *arg)
{
    *(CK_RV *)arg = f->C_Finalize(NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: misuse MODULE SLOT USER_PIN\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    f = load_functions(open_module(argv[1]));
    slot = strtoul(argv[2], NULL, 10);
    const char *pin = argv[3];
    CK_ULONG count = 0;
    CK_INFO info;
    CK_SESSION_HANDLE s = 0;

    /* ---- before C_Initialize (§5.1: every function but C_Initialize/C_GetFunctionList) ---- */
    EXPECT("before-init GetSlotList", f->C_GetSlotList(CK_FALSE, NULL, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("before-init GetInfo", f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("before-init OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("before-init CloseSession", f->C_CloseSession(1), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("before-init Finalize", f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("before-init GenerateRandom", f->C_GenerateRandom(1, (CK_BYTE *)&count, 1), CKR_CRYPTOKI_NOT_INITIALIZED);

    /* ---- C_Initialize arguments (§5.4) ---- */
    CK_C_INITIALIZE_ARGS reserved = {NULL, NULL, NULL, NULL, 0, (void *)1};
    EXPECT("init pReserved-not-NULL", f->C_Initialize(&reserved), CKR_ARGUMENTS_BAD);
    CK_C_INITIALIZE_ARGS partial = {(CK_CREATEMUTEX)1, NULL, NULL, NULL, 0, NULL};
    EXPECT("init some-mutex-functions", f->C_Initialize(&partial), CKR_ARGUMENTS_BAD);
    EXPECT("init", f->C_Initialize(NULL), CKR_OK);
    EXPECT("init again", f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    EXPECT("finalize pReserved-not-NULL", f->C_Finalize((void *)1), CKR_ARGUMENTS_BAD);

    /* ---- general, slot and token (§5.4, §5.5) ---- */
    EXPECT("GetInfo NULL", f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GetSlotList NULL-count", f->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
    CK_SLOT_ID slots[1];
    count = 0;
    EXPECT("GetSlotList short", f->C_GetSlotList(CK_FALSE, slots, &count), CKR_BUFFER_TOO_SMALL);
    printf("%s GetSlotList short sets count\n", count >= 1 ? "OK" : "BAD"), bad += count >= 1 ? 0 : 1;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    EXPECT("GetSlotInfo NULL", f->C_GetSlotInfo(slot, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GetSlotInfo invalid-slot", f->C_GetSlotInfo(999999, &si), CKR_SLOT_ID_INVALID);
    EXPECT("GetTokenInfo NULL", f->C_GetTokenInfo(slot, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GetTokenInfo invalid-slot", f->C_GetTokenInfo(999999, &ti), CKR_SLOT_ID_INVALID);
    EXPECT("GetMechanismList NULL-count", f->C_GetMechanismList(slot, NULL, NULL), CKR_ARGUMENTS_BAD);
    CK_MECHANISM_TYPE mechs[1];
    count = 1;
    EXPECT("GetMechanismList short", f->C_GetMechanismList(slot, mechs, &count), CKR_BUFFER_TOO_SMALL);
    CK_MECHANISM_INFO mi;
    EXPECT("GetMechanismInfo NULL", f->C_GetMechanismInfo(slot, CKM_AES_CBC, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GetMechanismInfo invalid-mechanism", f->C_GetMechanismInfo(slot, 0x7fff1234UL, &mi), CKR_MECHANISM_INVALID);

    /* ---- sessions (§5.6) ---- */
    EXPECT("OpenSession not-serial", f->C_OpenSession(slot, 0, NULL, NULL, &s), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    EXPECT("OpenSession NULL-handle", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("OpenSession invalid-slot", f->C_OpenSession(999999, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_SLOT_ID_INVALID);
    EXPECT("CloseSession invalid", f->C_CloseSession(0xdeadbeefUL), CKR_SESSION_HANDLE_INVALID);
    CHECK(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CK_SESSION_INFO sinfo;
    EXPECT("GetSessionInfo NULL", f->C_GetSessionInfo(s, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GetSessionInfo invalid", f->C_GetSessionInfo(0xdeadbeefUL, &sinfo), CKR_SESSION_HANDLE_INVALID);
    EXPECT("Login NULL-pin-with-length", f->C_Login(s, CKU_USER, NULL, 8), CKR_ARGUMENTS_BAD);
    EXPECT("Login bad-user-type", f->C_Login(s, 77, (CK_UTF8CHAR *)pin, strlen(pin)), CKR_USER_TYPE_INVALID);
    CHECK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login");

    /* ---- objects (§5.7) ---- */
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE value[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CK_ATTRIBUTE keyT[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, sizeof no},
                           {CKA_VALUE, value, sizeof value}, {CKA_ENCRYPT, &yes, sizeof yes}, {CKA_DECRYPT, &yes, sizeof yes},
                           {CKA_SENSITIVE, &no, sizeof no}};
    CK_OBJECT_HANDLE key = 0;
    EXPECT("CreateObject NULL-template", f->C_CreateObject(s, NULL, 3, &key), CKR_ARGUMENTS_BAD);
    EXPECT("CreateObject NULL-handle", f->C_CreateObject(s, keyT, 7, NULL), CKR_ARGUMENTS_BAD);
    CK_ATTRIBUTE shortClass[] = {{CKA_CLASS, &secret, 3}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, value, sizeof value}};
    EXPECT("CreateObject wrong-ulong-length", f->C_CreateObject(s, shortClass, 3, &key), CKR_ATTRIBUTE_VALUE_INVALID);
    CK_ATTRIBUTE nullValue[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, NULL, 16}};
    EXPECT("CreateObject NULL-value-with-length", f->C_CreateObject(s, nullValue, 3, &key), CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_VALUE_INVALID);
    CHECK(f->C_CreateObject(s, keyT, 7, &key), "C_CreateObject");
    CK_BYTE got[32];
    CK_ATTRIBUTE readT[] = {{CKA_VALUE, got, 4}};
    EXPECT("GetAttributeValue NULL-template", f->C_GetAttributeValue(s, key, NULL, 1), CKR_ARGUMENTS_BAD);
    EXPECT("GetAttributeValue invalid-object", f->C_GetAttributeValue(s, 0xdeadbeefUL, readT, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT("GetAttributeValue short", f->C_GetAttributeValue(s, key, readT, 1), CKR_BUFFER_TOO_SMALL);
    printf("%s GetAttributeValue short sets unavailable\n", readT[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ? "OK" : "BAD"),
        bad += readT[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : 1;
    EXPECT("SetAttributeValue NULL-template", f->C_SetAttributeValue(s, key, NULL, 1), CKR_ARGUMENTS_BAD);
    EXPECT("DestroyObject invalid", f->C_DestroyObject(s, 0xdeadbeefUL), CKR_OBJECT_HANDLE_INVALID);
    CK_ULONG size;
    EXPECT("GetObjectSize NULL", f->C_GetObjectSize(s, key, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GetObjectSize invalid", f->C_GetObjectSize(s, 0xdeadbeefUL, &size), CKR_OBJECT_HANDLE_INVALID);
    EXPECT("FindObjectsInit NULL-template", f->C_FindObjectsInit(s, NULL, 1), CKR_ARGUMENTS_BAD);
    CK_OBJECT_HANDLE found[4];
    CK_ULONG nfound;
    EXPECT("FindObjects not-initialized", f->C_FindObjects(s, found, 4, &nfound), CKR_OPERATION_NOT_INITIALIZED);
    CHECK(f->C_FindObjectsInit(s, NULL, 0), "C_FindObjectsInit");
    EXPECT("FindObjects NULL-array", f->C_FindObjects(s, NULL, 4, &nfound), CKR_ARGUMENTS_BAD);
    EXPECT("FindObjects NULL-count", f->C_FindObjects(s, found, 4, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK);

    /* ---- encryption (§5.8; §5.2: an error other than CKR_BUFFER_TOO_SMALL ends the operation) ---- */
    CK_BYTE iv[16] = {0};
    CK_MECHANISM cbc = {CKM_AES_CBC, iv, sizeof iv};
    CK_MECHANISM cbcShortIv = {CKM_AES_CBC, iv, 3};
    CK_BYTE gcmBytes[7] = {0};
    CK_MECHANISM gcmShort = {CKM_AES_GCM, gcmBytes, sizeof gcmBytes};
    CK_BYTE data[16] = {0}, out[64];
    CK_ULONG outLen = sizeof out;
    EXPECT("EncryptInit NULL-mechanism", f->C_EncryptInit(s, NULL, key), CKR_ARGUMENTS_BAD);
    EXPECT("EncryptInit invalid-key", f->C_EncryptInit(s, &cbc, 0xdeadbeefUL), CKR_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID);
    EXPECT("EncryptInit short-iv", f->C_EncryptInit(s, &cbcShortIv, key), CKR_MECHANISM_PARAM_INVALID);
    EXPECT("EncryptInit gcm-wrong-param-size", f->C_EncryptInit(s, &gcmShort, key), CKR_MECHANISM_PARAM_INVALID);
    EXPECT("Encrypt not-initialized", f->C_Encrypt(s, data, 16, out, &outLen), CKR_OPERATION_NOT_INITIALIZED);
    CHECK(f->C_EncryptInit(s, &cbc, key), "C_EncryptInit");
    EXPECT("EncryptInit active", f->C_EncryptInit(s, &cbc, key), CKR_OPERATION_ACTIVE);
    outLen = 1;
    EXPECT("Encrypt short", f->C_Encrypt(s, data, 16, out, &outLen), CKR_BUFFER_TOO_SMALL);
    printf("%s Encrypt short sets length\n", outLen == 16 ? "OK" : "BAD"), bad += outLen == 16 ? 0 : 1;
    EXPECT("Encrypt NULL-length-pointer", f->C_Encrypt(s, data, 16, out, NULL), CKR_ARGUMENTS_BAD);
    outLen = sizeof out;
    EXPECT("Encrypt after-error-ended", f->C_Encrypt(s, data, 16, out, &outLen), CKR_OPERATION_NOT_INITIALIZED);
    CHECK(f->C_EncryptInit(s, &cbc, key), "C_EncryptInit");
    EXPECT("EncryptUpdate NULL-data-with-length", f->C_EncryptUpdate(s, NULL, 16, out, &outLen), CKR_ARGUMENTS_BAD);
    EXPECT("EncryptFinal after-error-ended", f->C_EncryptFinal(s, out, &outLen), CKR_OPERATION_NOT_INITIALIZED);
    CHECK(f->C_DecryptInit(s, &cbc, key), "C_DecryptInit");
    EXPECT("DecryptFinal NULL-length-pointer", f->C_DecryptFinal(s, out, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("DecryptUpdate after-error-ended", f->C_DecryptUpdate(s, data, 16, out, &outLen), CKR_OPERATION_NOT_INITIALIZED);

    /* ---- digest, random, keys (§5.10, §5.15, §5.14) ---- */
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    EXPECT("DigestInit NULL-mechanism", f->C_DigestInit(s, NULL), CKR_ARGUMENTS_BAD);
    CHECK(f->C_DigestInit(s, &sha), "C_DigestInit");
    EXPECT("Digest NULL-length-pointer", f->C_Digest(s, data, 16, out, NULL), CKR_ARGUMENTS_BAD);
    outLen = sizeof out;
    EXPECT("Digest after-error-ended", f->C_Digest(s, data, 16, out, &outLen), CKR_OPERATION_NOT_INITIALIZED);
    /* C_Digest answered CKR_BUFFER_TOO_SMALL keeps the computed digest for the repeated call; a C_DigestUpdate now must
       be answered (it once went unanswered: the session's hash was already disposed): CKR_OPERATION_ACTIVE, a single-part
       call being under way (PKCS#11 3.0 §5.2), and the repeated C_Digest goes on. */
    CHECK(f->C_DigestInit(s, &sha), "C_DigestInit");
    outLen = 1;
    EXPECT("Digest short", f->C_Digest(s, data, 16, out, &outLen), CKR_BUFFER_TOO_SMALL);
    EXPECT("DigestUpdate after single-part digest", f->C_DigestUpdate(s, data, 16), CKR_OPERATION_ACTIVE);
    outLen = sizeof out;
    EXPECT("Digest after refused update", f->C_Digest(s, data, 16, out, &outLen), CKR_OK);
    /* The same after a short C_Sign with HMAC (it went unanswered too). */
    CK_KEY_TYPE genericType = CKK_GENERIC_SECRET;
    CK_ATTRIBUTE macT[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &genericType, sizeof genericType}, {CKA_TOKEN, &no, sizeof no},
                           {CKA_VALUE, value, sizeof value}, {CKA_SIGN, &yes, sizeof yes}};
    CK_OBJECT_HANDLE macKey;
    CHECK(f->C_CreateObject(s, macT, 5, &macKey), "C_CreateObject(HMAC key)");
    CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
    CHECK(f->C_SignInit(s, &hmac, macKey), "C_SignInit");
    outLen = 1;
    EXPECT("Sign short", f->C_Sign(s, data, 16, out, &outLen), CKR_BUFFER_TOO_SMALL);
    EXPECT("SignUpdate after single-part sign", f->C_SignUpdate(s, data, 16), CKR_FUNCTION_FAILED, CKR_OPERATION_ACTIVE);
    EXPECT("GenerateRandom NULL", f->C_GenerateRandom(s, NULL, 16), CKR_ARGUMENTS_BAD);
    EXPECT("GenerateRandom invalid-session", f->C_GenerateRandom(0xdeadbeefUL, out, 16), CKR_SESSION_HANDLE_INVALID);
    CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_OBJECT_HANDLE k2;
    EXPECT("GenerateKey NULL-handle", f->C_GenerateKey(s, &gen, keyT, 0, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("GenerateKey NULL-mechanism", f->C_GenerateKey(s, NULL, keyT, 0, &k2), CKR_ARGUMENTS_BAD);
    CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
    EXPECT("WrapKey NULL-length-pointer", f->C_WrapKey(s, &kw, key, key, out, NULL), CKR_ARGUMENTS_BAD);
    EXPECT("WrapKey invalid-wrapping-key", f->C_WrapKey(s, &kw, 0xdeadbeefUL, key, out, &outLen), CKR_WRAPPING_KEY_HANDLE_INVALID);
    EXPECT("UnwrapKey NULL-wrapped", f->C_UnwrapKey(s, &kw, key, NULL, 24, keyT, 3, &k2), CKR_ARGUMENTS_BAD);

    /* ---- fork (§5.1 and docs/wire-protocol.md: a child must C_Initialize again) ---- */
    pid_t child = fork();
    if (child == 0) {
        int failures = 0;
        CK_ULONG n = 0;
        if (f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) failures++;
        if (f->C_GetSessionInfo(s, &sinfo) != CKR_CRYPTOKI_NOT_INITIALIZED) failures++;
        if (f->C_Initialize(NULL) != CKR_OK) failures++;
        if (f->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK) failures++;
        if (f->C_GetSessionInfo(s, &sinfo) != CKR_SESSION_HANDLE_INVALID) failures++;
        if (f->C_Finalize(NULL) != CKR_OK) failures++;
        _exit(failures);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("%s fork child status=%d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "OK" : "BAD", status);
    bad += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
    EXPECT("parent session after fork", f->C_GetSessionInfo(s, &sinfo), CKR_OK);

    /* ---- concurrent C_Finalize: callers on 4 threads, two finalizers at once ---- */
    pthread_t callers[4], fin[2];
    long unexpected = 0;
    for (int i = 0; i < 4; i++) pthread_create(&callers[i], NULL, caller, &unexpected);
    usleep(200 * 1000);
    CK_RV frv[2] = {0, 0};
    for (int i = 0; i < 2; i++) pthread_create(&fin[i], NULL, finalizer, &frv[i]);
    for (int i = 0; i < 2; i++) pthread_join(fin[i], NULL);
    usleep(100 * 1000);
    stop = 1;
    for (int i = 0; i < 4; i++) pthread_join(callers[i], NULL);
    int oneFinalized = (frv[0] == CKR_OK && frv[1] == CKR_CRYPTOKI_NOT_INITIALIZED) || (frv[1] == CKR_OK && frv[0] == CKR_CRYPTOKI_NOT_INITIALIZED);
    printf("%s concurrent finalize rv=0x%lx,0x%lx\n", oneFinalized ? "OK" : "BAD", frv[0], frv[1]);
    bad += oneFinalized ? 0 : 1;
    printf("%s concurrent callers unexpected=%ld\n", unexpected == 0 ? "OK" : "BAD", unexpected);
    bad += unexpected == 0 ? 0 : 1;

    /* ---- after C_Finalize ---- */
    EXPECT("after-finalize GetSlotList", f->C_GetSlotList(CK_FALSE, NULL, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("after-finalize CloseSession", f->C_CloseSession(s), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("after-finalize Finalize", f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT("re-init", f->C_Initialize(NULL), CKR_OK);
    EXPECT("old session after re-init", f->C_GetSessionInfo(s, &sinfo), CKR_SESSION_HANDLE_INVALID);
    EXPECT("final finalize", f->C_Finalize(NULL), CKR_OK);

    printf("DONE bad=%d\n", bad);
    return bad == 0 ? 0 : 1;
}
