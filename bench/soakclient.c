/*
 * soakclient.c - one process of bench/soak.sh: until the deadline, a mixed workload against slot 0 (sessions, login,
 * C_FindObjects, token and session objects, HMAC signatures, multi-part SHA-256 digests, every 20th round a
 * C_Finalize + C_Initialize, i.e. a reconnect). Each token object it has been told was created is appended to
 * LOG ("<label>\n") after C_CreateObject returned CKR_OK; an unexpected rv is counted and printed.
 *   soakclient MODULE PIN SECONDS LOG        the workload; prints "calls=N errors=N"
 *   soakclient MODULE PIN --check PREFIX     prints "objects=N sessions=N" (token objects labelled PREFIX*, C_GetTokenInfo)
 */
#include "../tests/EndToEnd.Tests/clients/client.h"
#include <unistd.h>

static CK_FUNCTION_LIST *f;
static long calls, errors;

static CK_RV call(const char *what, CK_RV rv, CK_RV also)
{
    calls++;
    if (rv != CKR_OK && rv != also) {
        errors++;
        printf("error %s rv=0x%lx\n", what, rv);
        fflush(stdout);
    }
    return rv;
}

int main(int argc, char **argv)
{
    if (argc < 5) return 2;
    f = load_functions(open_module(argv[1]));
    const char *pin = argv[2];
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY, data = CKO_DATA;
    CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    if (strcmp(argv[3], "--check") == 0) {
        CHECK(f->C_Initialize(NULL), "C_Initialize");
        CK_SESSION_HANDLE s;
        CHECK(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), "C_OpenSession");
        CHECK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), "C_Login");
        CK_ATTRIBUTE t[] = {{CKA_CLASS, &data, sizeof data}, {CKA_TOKEN, &yes, sizeof yes}};
        CHECK(f->C_FindObjectsInit(s, t, 2), "C_FindObjectsInit");
        long n = 0;
        size_t plen = strlen(argv[4]);
        for (;;) {
            CK_OBJECT_HANDLE h[256];
            CK_ULONG got = 0;
            CHECK(f->C_FindObjects(s, h, 256, &got), "C_FindObjects");
            if (got == 0) break;
            for (CK_ULONG i = 0; i < got; i++) {
                char label[128] = {0};
                CK_ATTRIBUTE l = {CKA_LABEL, label, sizeof label - 1};
                if (f->C_GetAttributeValue(s, h[i], &l, 1) == CKR_OK && l.ulValueLen >= plen && memcmp(label, argv[4], plen) == 0) n++;
            }
        }
        CHECK(f->C_FindObjectsFinal(s), "C_FindObjectsFinal");
        CK_TOKEN_INFO ti;
        CHECK(f->C_GetTokenInfo(0, &ti), "C_GetTokenInfo");
        printf("objects=%ld sessions=%lu\n", n, ti.ulSessionCount);
        return 0;
    }

    double end = now_ms() + atof(argv[3]) * 1000;
    FILE *log = fopen(argv[4], "a");
    if (log == NULL) return 2;
    CK_BYTE key[32], msg[256], out[64];
    memset(key, 7, sizeof key);
    memset(msg, 1, sizeof msg);
    long round = 0;
    call("C_Initialize", f->C_Initialize(NULL), 0);
    while (now_ms() < end) {
        round++;
        CK_SESSION_HANDLE s;
        if (call("C_OpenSession", f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), 0) != CKR_OK) break;
        call("C_Login", f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)), CKR_USER_ALREADY_LOGGED_IN);
        /* a session HMAC key and a signature */
        CK_ATTRIBUTE kt[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_TOKEN, &no, sizeof no},
                             {CKA_VALUE, key, sizeof key}, {CKA_SIGN, &yes, sizeof yes}};
        CK_OBJECT_HANDLE k;
        if (call("C_CreateObject(key)", f->C_CreateObject(s, kt, 5, &k), 0) == CKR_OK) {
            CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
            CK_ULONG len = sizeof out;
            if (call("C_SignInit", f->C_SignInit(s, &hmac, k), 0) == CKR_OK) call("C_Sign", f->C_Sign(s, msg, sizeof msg, out, &len), 0);
            call("C_DestroyObject", f->C_DestroyObject(s, k), 0);
        }
        /* a multi-part digest */
        CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
        if (call("C_DigestInit", f->C_DigestInit(s, &sha), 0) == CKR_OK) {
            for (int i = 0; i < 3; i++) call("C_DigestUpdate", f->C_DigestUpdate(s, msg, sizeof msg), 0);
            CK_ULONG len = sizeof out;
            call("C_DigestFinal", f->C_DigestFinal(s, out, &len), 0);
        }
        /* every 4th round a token object, logged once created */
        if (round % 4 == 0) {
            char label[96];
            snprintf(label, sizeof label, "soak-%d-%ld", (int)getpid(), round);
            CK_ATTRIBUTE dt[] = {{CKA_CLASS, &data, sizeof data}, {CKA_TOKEN, &yes, sizeof yes}, {CKA_LABEL, label, strlen(label)},
                                 {CKA_VALUE, msg, 32}};
            CK_OBJECT_HANDLE o;
            if (call("C_CreateObject(token)", f->C_CreateObject(s, dt, 4, &o), 0) == CKR_OK) {
                fprintf(log, "%s\n", label);
                fflush(log);
            }
        }
        /* a find */
        CK_ATTRIBUTE ft[] = {{CKA_CLASS, &data, sizeof data}};
        if (call("C_FindObjectsInit", f->C_FindObjectsInit(s, ft, 1), 0) == CKR_OK) {
            CK_OBJECT_HANDLE h[16];
            CK_ULONG got;
            call("C_FindObjects", f->C_FindObjects(s, h, 16, &got), 0);
            call("C_FindObjectsFinal", f->C_FindObjectsFinal(s), 0);
        }
        call("C_CloseSession", f->C_CloseSession(s), 0);
        if (round % 20 == 0) {
            call("C_Finalize", f->C_Finalize(NULL), 0);
            call("C_Initialize", f->C_Initialize(NULL), 0);
        }
    }
    call("C_Finalize", f->C_Finalize(NULL), 0);
    printf("calls=%ld errors=%ld\n", calls, errors);
    return errors == 0 ? 0 : 1;
}
