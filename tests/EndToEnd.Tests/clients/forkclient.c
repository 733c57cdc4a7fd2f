/*
 * forkclient: fork safety of the "PKCS 11" 3.0 interface (CKF_INTERFACE_FORK_SAFE). The parent logs in, makes a session
 * object, starts a multi-part SHA-256 digest and a multi-part HMAC-SHA256 sign, then fork()s. The child goes on without
 * C_Initialize: it finishes both operations on its own data, uses and destroys its copy of the session object, makes an
 * object of its own and logs out. The parent then finishes its operations on its data and checks that nothing the child
 * did reached it. Expected values are computed with one-shot calls in fresh sessions.
 *
 *   forkclient MODULE SLOT USERPIN    prints "child ..." lines (the child) and "parent ..." lines, then "DONE"
 */
#include <sys/wait.h>
#include <unistd.h>
#include "client.h"

static CK_FUNCTION_LIST *p;

static void one_shot_digest(CK_SESSION_HANDLE s, const char *text, CK_BYTE *out)
{
    CK_MECHANISM m = {CKM_SHA256, NULL, 0};
    CK_ULONG n = 32;
    CHECK(p->C_DigestInit(s, &m), "C_DigestInit(one-shot)");
    CHECK(p->C_Digest(s, (CK_BYTE *)text, strlen(text), out, &n), "C_Digest(one-shot)");
}

static void one_shot_hmac(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, const char *text, CK_BYTE *out)
{
    CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
    CK_ULONG n = 32;
    CHECK(p->C_SignInit(s, &m, key), "C_SignInit(one-shot)");
    CHECK(p->C_Sign(s, (CK_BYTE *)text, strlen(text), out, &n), "C_Sign(one-shot)");
}

static CK_ULONG count_labelled(CK_SESSION_HANDLE s, const char *label)
{
    CK_ATTRIBUTE t = {CKA_LABEL, (void *)label, strlen(label)};
    CK_OBJECT_HANDLE found[8];
    CK_ULONG n = 0;
    CHECK(p->C_FindObjectsInit(s, &t, 1), "C_FindObjectsInit");
    CHECK(p->C_FindObjects(s, found, 8, &n), "C_FindObjects");
    CHECK(p->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    return n;
}

/* Finishes the session's digest and sign with `text` and compares them with one-shot results of `whole`. */
static void finish(const char *who, CK_SESSION_HANDLE s, CK_SLOT_ID slot, CK_OBJECT_HANDLE key, const char *text, const char *whole)
{
    CK_BYTE d[32], mac[32], want[32];
    CK_ULONG dn = sizeof d, mn = sizeof mac;
    CK_RV r1 = p->C_DigestUpdate(s, (CK_BYTE *)text, strlen(text));
    CK_RV r2 = p->C_DigestFinal(s, d, &dn);
    CK_RV r3 = p->C_SignUpdate(s, (CK_BYTE *)text, strlen(text));
    CK_RV r4 = p->C_SignFinal(s, mac, &mn);
    CK_SESSION_HANDLE fresh;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &fresh), "C_OpenSession(fresh)");
    one_shot_digest(fresh, whole, want);
    int digest_ok = r2 == CKR_OK && dn == 32 && memcmp(d, want, 32) == 0;
    one_shot_hmac(fresh, key, whole, want);
    int mac_ok = r4 == CKR_OK && mn == 32 && memcmp(mac, want, 32) == 0;
    CHECK(p->C_CloseSession(fresh), "C_CloseSession(fresh)");
    printf("%s digest rv=0x%lx/0x%lx ok=%d sign rv=0x%lx/0x%lx ok=%d\n", who, (unsigned long)r1, (unsigned long)r2, digest_ok,
           (unsigned long)r3, (unsigned long)r4, mac_ok);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: forkclient MODULE SLOT USERPIN\n");
        return 1;
    }
    void *module = open_module(argv[1]);
    v3_function_list *f = (v3_function_list *)load_interface(module, 3, 0);
    p = &f->base;
    CK_SLOT_ID slot = strtoul(argv[2], NULL, 10);
    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SESSION_HANDLE s;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p->C_Login(s, CKU_USER, (CK_UTF8CHAR *)argv[3], strlen(argv[3])), "C_Login");

    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE value[32];
    for (int i = 0; i < 32; i++) value[i] = (CK_BYTE)(7 * i + 1);
    CK_ATTRIBUTE kt[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &gs, sizeof gs}, {CKA_TOKEN, &no, sizeof no}, {CKA_PRIVATE, &yes, sizeof yes},
                         {CKA_SIGN, &yes, sizeof yes}, {CKA_VALUE, value, 32}, {CKA_LABEL, "fork-key", 8}};
    CK_OBJECT_HANDLE key;
    CHECK(p->C_CreateObject(s, kt, 7, &key), "C_CreateObject(session key)");

    CK_MECHANISM sha = {CKM_SHA256, NULL, 0}, hmac = {CKM_SHA256_HMAC, NULL, 0};
    CHECK(p->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p->C_DigestUpdate(s, (CK_BYTE *)"before fork, ", 13), "C_DigestUpdate");
    CHECK(p->C_SignInit(s, &hmac, key), "C_SignInit");
    CHECK(p->C_SignUpdate(s, (CK_BYTE *)"before fork, ", 13), "C_SignUpdate");
    fflush(stdout);

    pid_t child = fork();
    if (child < 0) {
        printf("FAIL fork\n");
        return 2;
    }
    if (child == 0) {
        CK_SESSION_INFO info;
        CK_RV rv = p->C_GetSessionInfo(s, &info);
        printf("child session rv=0x%lx state=%lu\n", (unsigned long)rv, (unsigned long)info.state);
        CK_RV first = p->C_Initialize(NULL);
        printf("child initialize rv=0x%lx again=0x%lx\n", (unsigned long)first, (unsigned long)p->C_Initialize(NULL));
        finish("child", s, slot, key, "the child", "before fork, the child");
        printf("child session-object found=%lu\n", (unsigned long)count_labelled(s, "fork-key"));
        printf("child destroy rv=0x%lx\n", (unsigned long)p->C_DestroyObject(s, key));
        CK_ATTRIBUTE own[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &gs, sizeof gs}, {CKA_TOKEN, &no, sizeof no},
                              {CKA_VALUE, value, 16}, {CKA_LABEL, "child-only", 10}};
        CK_OBJECT_HANDLE mine;
        printf("child create rv=0x%lx\n", (unsigned long)p->C_CreateObject(s, own, 5, &mine));
        printf("child logout rv=0x%lx\n", (unsigned long)p->C_Logout(s));
        printf("child finalize rv=0x%lx\n", (unsigned long)p->C_Finalize(NULL));
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent child-exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    CK_SESSION_INFO info;
    CK_RV rv = p->C_GetSessionInfo(s, &info);
    printf("parent session rv=0x%lx state=%lu\n", (unsigned long)rv, (unsigned long)info.state);
    finish("parent", s, slot, key, "the parent", "before fork, the parent");
    printf("parent session-object found=%lu child-object found=%lu\n", (unsigned long)count_labelled(s, "fork-key"),
           (unsigned long)count_labelled(s, "child-only"));
    CHECK(p->C_Finalize(NULL), "C_Finalize");
    printf("DONE\n");
    fflush(stdout);
    return 0;
}
