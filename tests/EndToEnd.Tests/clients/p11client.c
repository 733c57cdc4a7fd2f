/*
 * p11client: a tiny PKCS#11 client used by the end-to-end tests as a real second process.
 * Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev).
 *
 *   p11client MODULE count SLOT              prints "sessions=<ulSessionCount> rw=<ulRwSessionCount>"
 *   p11client MODULE find-label SLOT LABEL   prints "found=<n>" (public objects with that CKA_LABEL)
 *   p11client MODULE hold SLOT N             opens N sessions (the last one R/W), prints "READY", sleeps
 *   p11client MODULE init-timing             prints "rv=0x.. ms=<elapsed>" for C_Initialize
 *   p11client MODULE interfaces              C_GetInterfaceList and C_GetInterface (PKCS#11 3.0 entry points):
 *                                            prints "interface name=<n> version=<M.m>" per entry, then
 *                                            "get default=<M.m> v240=<M.m>"
 *   p11client MODULE fork                    C_Initialize, fork; the child prints what it gets before
 *                                            and after its own C_Initialize
 *   p11client MODULE init-token SLOT SOPIN LABEL   C_InitToken
 *   p11client MODULE burst SLOT PREFIX N     creates public token data objects PREFIX-0 .. PREFIX-(N-1) (CKA_VALUE =
 *                                            the label) on one R/W session, one at a time; prints "OK <label> <handle>"
 *                                            after each CKR_OK (stdout line-buffered), "FAIL ..." at the first error
 *   p11client MODULE secrets SLOT PIN PREFIX N       logs in as user, creates private token generic-secret keys
 *                                            PREFIX-0 .. PREFIX-(N-1) whose CKA_VALUE is derived from the label (readable:
 *                                            not sensitive); prints "created=<n>"
 *   p11client MODULE check-secrets SLOT PIN PREFIX N logs in as user, finds each PREFIX-i and compares its CKA_VALUE;
 *                                            prints "checked=<n>", or "FAIL <label> ..." at the first wrong one
 *   p11client MODULE dump SLOT               every public object: "OBJ <handle> <label> <intact|damaged>" (intact:
 *                                            CKA_VALUE equals the label), then "count=<n>"
 *
 * Exit status 0 on success; on a failing call prints "FAIL <function> rv=0x<rv>" and exits 2.
 */
#include <unistd.h>
#include <sys/wait.h>
#include "client.h"

static CK_FUNCTION_LIST_PTR p11;
static void *module_handle;


static void load(const char *module)
{
    p11 = load_functions(module_handle = open_module(module));
}

static int cmd_count(CK_SLOT_ID slot)
{
    CK_TOKEN_INFO info;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_GetTokenInfo(slot, &info), "C_GetTokenInfo");
    printf("sessions=%lu rw=%lu\n", (unsigned long)info.ulSessionCount, (unsigned long)info.ulRwSessionCount);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static int cmd_find_label(CK_SLOT_ID slot, const char *label)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE found[64];
    CK_ULONG n = 0, total = 0;
    CK_ATTRIBUTE tmpl[] = { { CKA_LABEL, (void *)label, strlen(label) } };
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p11->C_FindObjectsInit(s, tmpl, 1), "C_FindObjectsInit");
    do {
        CHECK(p11->C_FindObjects(s, found, 64, &n), "C_FindObjects");
        total += n;
    } while (n > 0);
    CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    printf("found=%lu\n", (unsigned long)total);
    CHECK(p11->C_CloseSession(s), "C_CloseSession");
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static int cmd_hold(CK_SLOT_ID slot, int n)
{
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    for (int i = 0; i < n; i++) {
        CK_SESSION_HANDLE s;
        CK_FLAGS flags = CKF_SERIAL_SESSION | (i == n - 1 ? CKF_RW_SESSION : 0);
        CHECK(p11->C_OpenSession(slot, flags, NULL, NULL, &s), "C_OpenSession");
    }
    printf("READY\n");
    fflush(stdout);
    for (;;)
        pause();
    return 0;
}

static int cmd_init_timing(void)
{
    double t0 = now_ms();
    CK_RV rv = p11->C_Initialize(NULL);
    double t1 = now_ms();
    printf("rv=0x%lx ms=%.0f\n", (unsigned long)rv, t1 - t0);
    if (rv == CKR_OK)
        p11->C_Finalize(NULL);
    return 0;
}

static int cmd_interfaces(void)
{
    CK_RV (*list)(v3_interface *, CK_ULONG *) =
        (CK_RV (*)(v3_interface *, CK_ULONG *))dlsym(module_handle, "C_GetInterfaceList");
    CK_RV (*get)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS) =
        (CK_RV (*)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS))dlsym(module_handle, "C_GetInterface");
    if (list == NULL || get == NULL) {
        printf("FAIL dlsym C_GetInterfaceList/C_GetInterface\n");
        return 2;
    }
    CK_ULONG n = 0;
    CHECK(list(NULL, &n), "C_GetInterfaceList(NULL)");
    v3_interface *items = calloc(n + 1, sizeof(v3_interface));
    CHECK(list(items, &n), "C_GetInterfaceList");
    for (CK_ULONG i = 0; i < n; i++) {
        CK_VERSION *v = (CK_VERSION *)items[i].pFunctionList;
        printf("interface name=%s version=%d.%d\n", (const char *)items[i].pInterfaceName, v->major, v->minor);
    }
    v3_interface *def = NULL, *old = NULL;
    CK_VERSION v240 = { 2, 40 };
    CHECK(get((CK_UTF8CHAR *)"PKCS 11", NULL, &def, 0), "C_GetInterface(default)");
    CHECK(get((CK_UTF8CHAR *)"PKCS 11", &v240, &old, 0), "C_GetInterface(2.40)");
    CK_VERSION *dv = (CK_VERSION *)def->pFunctionList, *ov = (CK_VERSION *)old->pFunctionList;
    printf("get default=%d.%d v240=%d.%d\n", dv->major, dv->minor, ov->major, ov->minor);
    free(items);
    return 0;
}

static int cmd_fork(void)
{
    CK_ULONG count = 0;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_GetSlotList(CK_FALSE, NULL, &count), "C_GetSlotList(parent)");
    printf("parent slots=%lu\n", (unsigned long)count);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL fork\n");
        return 2;
    }
    if (pid == 0) {
        CK_ULONG c = 0;
        CK_RV before = p11->C_GetSlotList(CK_FALSE, NULL, &c);
        CK_RV init = p11->C_Initialize(NULL);
        c = 0;
        CK_RV after = p11->C_GetSlotList(CK_FALSE, NULL, &c);
        printf("child before=0x%lx init=0x%lx after=0x%lx slots=%lu\n", (unsigned long)before,
               (unsigned long)init, (unsigned long)after, (unsigned long)c);
        fflush(stdout);
        p11->C_Finalize(NULL);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(p11->C_GetSlotList(CK_FALSE, NULL, &count), "C_GetSlotList(parent after fork)");
    printf("parent after slots=%lu\n", (unsigned long)count);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 4;
}

static int cmd_init_token(CK_SLOT_ID slot, const char *so_pin, const char *label)
{
    CK_UTF8CHAR padded[32];
    size_t n = strlen(label);
    memset(padded, ' ', sizeof padded);
    memcpy(padded, label, n > 32 ? 32 : n);
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin), padded), "C_InitToken");
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    printf("initialized\n");
    return 0;
}

static int cmd_burst(CK_SLOT_ID slot, const char *prefix, long n)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    char label[128];
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    printf("READY\n");
    for (long i = 0; i < n; i++) {
        CK_OBJECT_HANDLE h;
        snprintf(label, sizeof label, "%s-%ld", prefix, i);
        CK_ATTRIBUTE tmpl[] = {
            { CKA_CLASS, &cls, sizeof cls },
            { CKA_TOKEN, &yes, sizeof yes },
            { CKA_PRIVATE, &no, sizeof no },
            { CKA_LABEL, label, strlen(label) },
            { CKA_VALUE, label, strlen(label) },
        };
        CHECK(p11->C_CreateObject(s, tmpl, 5, &h), "C_CreateObject");
        printf("OK %s %lu\n", label, (unsigned long)h);
    }
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

/* the value of secret PREFIX-i: the label, repeated to 32 bytes */
static void secret_value(const char *label, unsigned char out[32])
{
    size_t n = strlen(label);
    for (int i = 0; i < 32; i++) out[i] = (unsigned char)label[i % n] ^ (unsigned char)i;
}

static CK_SESSION_HANDLE user_session(CK_SLOT_ID slot, const char *pin)
{
    CK_SESSION_HANDLE s;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), "C_Login");
    return s;
}

static int cmd_secrets(CK_SLOT_ID slot, const char *pin, const char *prefix, long n)
{
    CK_SESSION_HANDLE s = user_session(slot, pin);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    char label[128];
    unsigned char value[32];
    for (long i = 0; i < n; i++) {
        CK_OBJECT_HANDLE h;
        snprintf(label, sizeof label, "%s-%ld", prefix, i);
        secret_value(label, value);
        CK_ATTRIBUTE tmpl[] = {
            { CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt }, { CKA_TOKEN, &yes, sizeof yes },
            { CKA_PRIVATE, &yes, sizeof yes }, { CKA_SENSITIVE, &no, sizeof no }, { CKA_EXTRACTABLE, &yes, sizeof yes },
            { CKA_LABEL, label, strlen(label) }, { CKA_VALUE, value, sizeof value },
        };
        CHECK(p11->C_CreateObject(s, tmpl, 8, &h), "C_CreateObject");
    }
    printf("created=%ld\n", n);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static int cmd_check_secrets(CK_SLOT_ID slot, const char *pin, const char *prefix, long n)
{
    CK_SESSION_HANDLE s = user_session(slot, pin);
    char label[128];
    unsigned char want[32], got[64];
    for (long i = 0; i < n; i++) {
        CK_OBJECT_HANDLE found[2];
        CK_ULONG count = 0;
        snprintf(label, sizeof label, "%s-%ld", prefix, i);
        CK_ATTRIBUTE t[] = { { CKA_LABEL, label, strlen(label) } };
        CHECK(p11->C_FindObjectsInit(s, t, 1), "C_FindObjectsInit");
        CHECK(p11->C_FindObjects(s, found, 2, &count), "C_FindObjects");
        CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
        if (count != 1) { printf("FAIL %s found=%lu\n", label, (unsigned long)count); return 2; }
        CK_ATTRIBUTE a[] = { { CKA_VALUE, got, sizeof got } };
        CHECK(p11->C_GetAttributeValue(s, found[0], a, 1), "C_GetAttributeValue");
        secret_value(label, want);
        if (a[0].ulValueLen != sizeof want || memcmp(got, want, sizeof want) != 0) { printf("FAIL %s wrong value\n", label); return 2; }
    }
    printf("checked=%ld\n", n);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static int cmd_dump(CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE found[256];
    CK_ULONG n = 0, total = 0;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), "C_OpenSession");
    /* The data objects `burst` made (an empty template would also list the token's profile objects). */
    CK_OBJECT_CLASS dataClass = CKO_DATA;
    CK_ATTRIBUTE data[] = { { CKA_CLASS, &dataClass, sizeof dataClass } };
    CHECK(p11->C_FindObjectsInit(s, data, 1), "C_FindObjectsInit");
    do {
        CHECK(p11->C_FindObjects(s, found, 256, &n), "C_FindObjects");
        for (CK_ULONG i = 0; i < n; i++) {
            char label[256], value[256];
            CK_ATTRIBUTE a[] = { { CKA_LABEL, label, sizeof label - 1 }, { CKA_VALUE, value, sizeof value - 1 } };
            CK_RV rv = p11->C_GetAttributeValue(s, found[i], a, 2);
            if (rv != CKR_OK) {
                printf("OBJ %lu ? damaged rv=0x%lx\n", (unsigned long)found[i], (unsigned long)rv);
                continue;
            }
            label[a[0].ulValueLen] = 0;
            value[a[1].ulValueLen] = 0;
            printf("OBJ %lu %s %s\n", (unsigned long)found[i], label, strcmp(label, value) == 0 ? "intact" : "damaged");
        }
        total += n;
    } while (n > 0);
    CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    printf("count=%lu\n", (unsigned long)total);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODULE COMMAND [ARGS]\n", argv[0]);
        return 1;
    }
    load(argv[1]);
    const char *cmd = argv[2];
    if (strcmp(cmd, "count") == 0 && argc == 4)
        return cmd_count(strtoul(argv[3], NULL, 10));
    if (strcmp(cmd, "find-label") == 0 && argc == 5)
        return cmd_find_label(strtoul(argv[3], NULL, 10), argv[4]);
    if (strcmp(cmd, "hold") == 0 && argc == 5)
        return cmd_hold(strtoul(argv[3], NULL, 10), atoi(argv[4]));
    if (strcmp(cmd, "init-timing") == 0)
        return cmd_init_timing();
    if (strcmp(cmd, "interfaces") == 0)
        return cmd_interfaces();
    if (strcmp(cmd, "fork") == 0)
        return cmd_fork();
    if (strcmp(cmd, "init-token") == 0 && argc == 6)
        return cmd_init_token(strtoul(argv[3], NULL, 10), argv[4], argv[5]);
    if (strcmp(cmd, "burst") == 0 && argc == 6)
        return cmd_burst(strtoul(argv[3], NULL, 10), argv[4], atol(argv[5]));
    if (strcmp(cmd, "secrets") == 0 && argc == 7)
        return cmd_secrets(strtoul(argv[3], NULL, 10), argv[4], argv[5], atol(argv[6]));
    if (strcmp(cmd, "check-secrets") == 0 && argc == 7)
        return cmd_check_secrets(strtoul(argv[3], NULL, 10), argv[4], argv[5], atol(argv[6]));
    if (strcmp(cmd, "dump") == 0 && argc == 4)
        return cmd_dump(strtoul(argv[3], NULL, 10));
    fprintf(stderr, "unknown command %s\n", cmd);
    return 1;
}
