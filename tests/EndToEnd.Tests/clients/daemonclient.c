/*
 * daemonclient: the slot daemon's end-to-end tests (issue DAEMON) as real client processes: access control run
 * as other Unix users, clear failures, slot events, application isolation and the 300-process swarm.
 * Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev), -lpthread -ldl.
 *
 *   daemonclient MODULE init                    prints "init rv=0x.. ms=N"
 *   daemonclient MODULE slots                   prints "slots=<id,id,...>"
 *   daemonclient MODULE probe SLOT              prints "slotinfo rv=0x.. tokeninfo rv=0x.. open rv=0x.."
 *   daemonclient MODULE wait-block SECONDS      READY, then a blocking C_WaitForSlotEvent in a second thread while the
 *                                               main thread keeps calling C_GetSlotList; prints
 *                                               "event rv=0x.. slot=N parallel=<calls made meanwhile>" and "slots=..."
 *   daemonclient MODULE wait-poll SECONDS       READY, then C_WaitForSlotEvent(CKF_DONT_BLOCK) until an event:
 *                                               "event rv=0x.. slot=N", then "slots=..."
 *   daemonclient MODULE holder SLOT LABEL GOFILE  opens a R/W session, creates a session object LABEL, starts a
 *                                               SHA-256 digest ("abc" so far) and a find; prints
 *                                               "READY session=H object=O"; when GOFILE exists finishes both and prints
 *                                               "found=N digest=<hex> label=<label>"
 *   daemonclient MODULE intruder SLOT OBJECT LABEL  tries another application's session 1 and object OBJECT: prints
 *                                               "sessioninfo=0x.. digest=0x.. find=0x.. close=0x.. attr=0x.. found=N closeall=0x.."
 *   daemonclient MODULE ops SLOT N             known numbers of operations for the statistics (no login): session keys
 *                                               AES-128, AES-192, AES-256 (CKM_AES_KEY_GEN) and 3DES (CKM_DES3_KEY_GEN),
 *                                               then N x SHA-256 digest, N x AES-ECB encryption with each AES key and
 *                                               N x DES3-ECB encryption; prints "DONE ops=N"
 *   daemonclient MODULE fork SLOT LABEL         the parent opens a R/W session, creates a session object LABEL and starts a
 *                                               SHA-256 digest ("ab"), then forks. The child prints
 *                                               "child slots=0x.. open=0x.. init=0x.. parentsession=0x.. own=0x.. digest=<hex>
 *                                               found=N" (before its C_Initialize: C_GetSlotList, C_OpenSession; after:
 *                                               the parent's session handle, its own session, a digest of "abc", a find of
 *                                               LABEL); when it has exited the parent prints "parent sessioninfo=0x..
 *                                               digest=<hex of the whole "abc"> found=N"
 *   daemonclient MODULE deadline                C_Initialize, then C_GetSlotList in a second thread and, 200 ms later,
 *                                               C_Finalize in the main thread; prints "init rv=0x..", then
 *                                               "call rv=0x.. ms=N" and "finalize rv=0x.. ms=N" (ms since the call began)
 *   daemonclient MODULE swarm SLOT N KILL PIN DIR   forks N children (waves of 25), each: C_Initialize, a R/O and a R/W
 *                                               session, User login, one token object and one session object
 *                                               (CKA_APPLICATION "swarm"), a find. Children 0..KILL-1 then leave an
 *                                               operation open (digest, find, or just the login). Prints "READY N" once all
 *                                               are ready; when DIR/kill exists SIGKILLs children 0..KILL-1 ("KILLED K");
 *                                               when DIR/go exists the others find every token object (must be N + the
 *                                               ones already there) and only their own session object, close and
 *                                               finalize; prints "DONE ok=X fail=Y".
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "client.h"

static CK_FUNCTION_LIST_PTR p11;


static void load(const char *module)
{
    p11 = load_functions(open_module(module));
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void print_slots(void)
{
    CK_SLOT_ID ids[256];
    CK_ULONG n = 256;
    CHECK(p11->C_GetSlotList(CK_FALSE, ids, &n), "C_GetSlotList");
    printf("slots=");
    for (CK_ULONG i = 0; i < n; i++)
        printf(i ? ",%lu" : "%lu", (unsigned long)ids[i]);
    printf("\n");
}

static int cmd_init(void)
{
    double t0 = now_ms();
    CK_RV rv = p11->C_Initialize(NULL);
    printf("init rv=0x%lx ms=%.0f\n", (unsigned long)rv, now_ms() - t0);
    if (rv == CKR_OK)
        p11->C_Finalize(NULL);
    return 0;
}

static int cmd_slots(void)
{
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    print_slots();
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static int cmd_probe(CK_SLOT_ID slot)
{
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_SESSION_HANDLE s;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CK_RV a = p11->C_GetSlotInfo(slot, &si);
    CK_RV b = p11->C_GetTokenInfo(slot, &ti);
    CK_RV c = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
    printf("slotinfo rv=0x%lx tokeninfo rv=0x%lx open rv=0x%lx\n", (unsigned long)a, (unsigned long)b, (unsigned long)c);
    if (a == CKR_OK)
        printf("slot manufacturer=%.32s hw=%u.%u fw=%u.%u\n", (const char *)si.manufacturerID,
               si.hardwareVersion.major, si.hardwareVersion.minor, si.firmwareVersion.major, si.firmwareVersion.minor);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static volatile int waiter_done;
static CK_RV waiter_rv;
static CK_SLOT_ID waiter_slot;

static void *waiter(void *arg)
{
    (void)arg;
    waiter_rv = p11->C_WaitForSlotEvent(0, &waiter_slot, NULL);
    waiter_done = 1;
    return NULL;
}

static int cmd_wait_block(int seconds)
{
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    CHECK(p11->C_Initialize(&args), "C_Initialize");
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    printf("READY\n");
    fflush(stdout);
    long parallel = 0;
    double deadline = now_ms() + seconds * 1000.0;
    while (!waiter_done && now_ms() < deadline) {
        CK_ULONG n = 0;
        CHECK(p11->C_GetSlotList(CK_FALSE, NULL, &n), "C_GetSlotList(parallel)");
        parallel++;
        usleep(20000);
    }
    if (!waiter_done) {
        printf("FAIL no event within %d s\n", seconds);
        fflush(stdout);
        _exit(4);
    }
    pthread_join(t, NULL);
    printf("event rv=0x%lx slot=%lu parallel=%ld\n", (unsigned long)waiter_rv, (unsigned long)waiter_slot, parallel);
    print_slots();
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static double call_start;
static volatile double call_ms;
static CK_RV call_rv;

static void *slow_call(void *arg)
{
    (void)arg;
    CK_ULONG n = 0;
    call_rv = p11->C_GetSlotList(CK_FALSE, NULL, &n);
    call_ms = now_ms() - call_start;
    return NULL;
}

static int cmd_deadline(void)
{
    CK_RV rv = p11->C_Initialize(NULL);
    printf("init rv=0x%lx\n", (unsigned long)rv);
    if (rv != CKR_OK)
        return 0;
    pthread_t t;
    call_start = now_ms();
    pthread_create(&t, NULL, slow_call, NULL);
    usleep(200000);
    rv = p11->C_Finalize(NULL);
    double fin = now_ms() - call_start;
    pthread_join(t, NULL);
    printf("call rv=0x%lx ms=%.0f\n", (unsigned long)call_rv, call_ms);
    printf("finalize rv=0x%lx ms=%.0f\n", (unsigned long)rv, fin);
    return 0;
}

static int cmd_wait_poll(int seconds)
{
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot = 0;
    CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
    printf("first rv=0x%lx\n", (unsigned long)rv);
    printf("READY\n");
    fflush(stdout);
    double deadline = now_ms() + seconds * 1000.0;
    while ((rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL)) == CKR_NO_EVENT && now_ms() < deadline)
        usleep(20000);
    printf("event rv=0x%lx slot=%lu\n", (unsigned long)rv, (unsigned long)slot);
    print_slots();
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static CK_OBJECT_CLASS data_class = CKO_DATA;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static int cmd_holder(CK_SLOT_ID slot, const char *label, const char *gofile)
{
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE o, found[16];
    CK_ULONG n = 0;
    CK_ATTRIBUTE obj[] = {
        { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &no, sizeof no },
        { CKA_LABEL, (void *)label, strlen(label) },
    };
    CK_ATTRIBUTE find[] = { { CKA_LABEL, (void *)label, strlen(label) } };
    CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p11->C_CreateObject(s, obj, 3, &o), "C_CreateObject");
    CHECK(p11->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2), "C_DigestUpdate");
    CHECK(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "c", 1), "C_DigestUpdate");
    printf("READY session=%lu object=%lu\n", (unsigned long)s, (unsigned long)o);
    fflush(stdout);
    while (!exists(gofile))
        usleep(20000);
    CK_BYTE digest[32];
    CK_ULONG dlen = sizeof digest;
    CHECK(p11->C_DigestFinal(s, digest, &dlen), "C_DigestFinal");
    CHECK(p11->C_FindObjectsInit(s, find, 1), "C_FindObjectsInit");
    CHECK(p11->C_FindObjects(s, found, 16, &n), "C_FindObjects");
    CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    char value[128];
    CK_ATTRIBUTE get = { CKA_LABEL, value, sizeof value - 1 };
    CHECK(p11->C_GetAttributeValue(s, o, &get, 1), "C_GetAttributeValue");
    value[get.ulValueLen] = 0;
    printf("found=%lu digest=", (unsigned long)n);
    for (CK_ULONG i = 0; i < dlen; i++)
        printf("%02x", digest[i]);
    printf(" label=%s\n", value);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

static int cmd_intruder(CK_SLOT_ID slot, CK_OBJECT_HANDLE object, const char *label)
{
    CK_SESSION_INFO info;
    CK_SESSION_HANDLE mine;
    CK_OBJECT_HANDLE found[16];
    CK_ULONG n = 0;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    /* The other process's session handle is 1 in its own application; here there is no session at all. */
    CK_RV si = p11->C_GetSessionInfo(1, &info);
    CK_RV dg = p11->C_DigestUpdate(1, (CK_BYTE_PTR) "x", 1);
    CK_RV fd = p11->C_FindObjects(1, found, 16, &n);
    CK_RV cl = p11->C_CloseSession(1);
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &mine), "C_OpenSession");
    char value[128];
    CK_ATTRIBUTE get = { CKA_LABEL, value, sizeof value };
    CK_RV at = p11->C_GetAttributeValue(mine, object, &get, 1);
    CK_ATTRIBUTE find[] = { { CKA_LABEL, (void *)label, strlen(label) } };
    CHECK(p11->C_FindObjectsInit(mine, find, 1), "C_FindObjectsInit");
    n = 0;
    CHECK(p11->C_FindObjects(mine, found, 16, &n), "C_FindObjects");
    CHECK(p11->C_FindObjectsFinal(mine), "C_FindObjectsFinal");
    CK_RV ca = p11->C_CloseAllSessions(slot);
    printf("sessioninfo=0x%lx digest=0x%lx find=0x%lx close=0x%lx attr=0x%lx found=%lu closeall=0x%lx\n",
           (unsigned long)si, (unsigned long)dg, (unsigned long)fd, (unsigned long)cl, (unsigned long)at,
           (unsigned long)n, (unsigned long)ca);
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return 0;
}

/* ---- swarm ---- */

static CK_ULONG count_objects(CK_SESSION_HANDLE s, CK_BBOOL token)
{
    CK_ATTRIBUTE t[] = { { CKA_APPLICATION, "swarm", 5 }, { CKA_TOKEN, &token, sizeof token } };
    CK_OBJECT_HANDLE found[512];
    CK_ULONG n = 0, total = 0;
    CHECK(p11->C_FindObjectsInit(s, t, 2), "C_FindObjectsInit");
    do {
        CHECK(p11->C_FindObjects(s, found, 512, &n), "C_FindObjects");
        total += n;
    } while (n > 0);
    CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    return total;
}

static void swarm_child(const char *module, CK_SLOT_ID slot, int i, int victim, const char *pin, int ready_fd, int go_fd,
                        CK_ULONG expect_token)
{
    load(module);
    CK_SESSION_HANDLE ro, rw;
    CK_OBJECT_HANDLE o;
    char label[64];
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), "C_OpenSession(ro)");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw), "C_OpenSession(rw)");
    CHECK(p11->C_Login(rw, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), "C_Login");
    snprintf(label, sizeof label, "swarm-%d", i);
    CK_ATTRIBUTE tok[] = {
        { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &yes, sizeof yes }, { CKA_PRIVATE, &no, sizeof no },
        { CKA_LABEL, label, strlen(label) }, { CKA_APPLICATION, "swarm", 5 },
    };
    CHECK(p11->C_CreateObject(rw, tok, 5, &o), "C_CreateObject(token)");
    CK_ATTRIBUTE ses[] = {
        { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &no, sizeof no },
        { CKA_LABEL, label, strlen(label) }, { CKA_APPLICATION, "swarm", 5 },
    };
    CHECK(p11->C_CreateObject(rw, ses, 4, &o), "C_CreateObject(session)");
    if (count_objects(ro, CK_FALSE) != 1) {
        printf("FAIL child %d sees other session objects\n", i);
        fflush(stdout);
        _exit(5);
    }
    count_objects(ro, CK_TRUE);
    if (victim) {
        CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
        CK_ATTRIBUTE all[] = { { CKA_APPLICATION, "swarm", 5 } };
        switch (i % 3) {
        case 0:
            CHECK(p11->C_DigestInit(ro, &sha), "C_DigestInit");
            CHECK(p11->C_DigestUpdate(ro, (CK_BYTE_PTR) "partial", 7), "C_DigestUpdate");
            break;
        case 1:
            CHECK(p11->C_FindObjectsInit(ro, all, 1), "C_FindObjectsInit(victim)");
            break;
        default:
            break; /* logged in, nothing else */
        }
    }
    if (write(ready_fd, "r", 1) != 1)
        _exit(6);
    char c;
    while (read(go_fd, &c, 1) > 0) /* EOF = go */
        ;
    CK_ULONG tokens = count_objects(ro, CK_TRUE), sessions = count_objects(ro, CK_FALSE);
    if (tokens != expect_token || sessions != 1) {
        printf("FAIL child %d found token=%lu (expected %lu) session=%lu (expected 1)\n", i, (unsigned long)tokens,
               (unsigned long)expect_token, (unsigned long)sessions);
        fflush(stdout);
        _exit(7);
    }
    CHECK(p11->C_Logout(rw), "C_Logout");
    CHECK(p11->C_CloseSession(ro), "C_CloseSession");
    CHECK(p11->C_CloseSession(rw), "C_CloseSession");
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    _exit(0);
}

static int cmd_swarm(const char *module, CK_SLOT_ID slot, int n, int kill_n, const char *pin, const char *dir, CK_ULONG expect_token)
{
    int ready[2], go[2];
    if (pipe(ready) || pipe(go)) {
        printf("FAIL pipe\n");
        return 2;
    }
    pid_t *pids = calloc(n, sizeof(pid_t));
    const int wave = 25;
    for (int start = 0; start < n; start += wave) {
        int end = start + wave < n ? start + wave : n;
        for (int i = start; i < end; i++) {
            pid_t pid = fork();
            if (pid < 0) {
                printf("FAIL fork\n");
                return 2;
            }
            if (pid == 0) {
                close(ready[0]);
                close(go[1]);
                swarm_child(module, slot, i, i < kill_n, pin, ready[1], go[0], expect_token);
            }
            pids[i] = pid;
        }
        for (int i = start; i < end; i++) {
            char c;
            if (read(ready[0], &c, 1) != 1) {
                printf("FAIL a child died before it was ready\n");
                fflush(stdout);
                for (int k = 0; k < end; k++)
                    kill(pids[k], SIGKILL);
                return 2;
            }
        }
    }
    close(go[0]);
    printf("READY %d\n", n);
    fflush(stdout);
    char path[512];
    snprintf(path, sizeof path, "%s/kill", dir);
    while (!exists(path))
        usleep(20000);
    for (int i = 0; i < kill_n; i++)
        kill(pids[i], SIGKILL);
    for (int i = 0; i < kill_n; i++)
        waitpid(pids[i], NULL, 0);
    printf("KILLED %d\n", kill_n);
    fflush(stdout);
    snprintf(path, sizeof path, "%s/go", dir);
    while (!exists(path))
        usleep(20000);
    close(go[1]);
    int ok = 0, fail = 0;
    for (int i = kill_n; i < n; i++) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok++;
        else
            fail++;
    }
    printf("DONE ok=%d fail=%d\n", ok, fail);
    free(pids);
    return fail == 0 ? 0 : 4;
}

static CK_OBJECT_HANDLE session_key(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE gen, CK_ULONG len)
{
    CK_MECHANISM m = {gen, NULL, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE aes[] = {
        {CKA_TOKEN, &no, sizeof no}, {CKA_PRIVATE, &no, sizeof no}, {CKA_ENCRYPT, &yes, sizeof yes},
        {CKA_VALUE_LEN, &len, sizeof len},
    };
    CK_OBJECT_HANDLE key;
    CHECK(p11->C_GenerateKey(s, &m, aes, len ? 4 : 3, &key), "C_GenerateKey");
    return key;
}

static void encrypt_n(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE key, CK_ULONG block, unsigned long n)
{
    CK_MECHANISM m = {mech, NULL, 0};
    CK_BYTE in[16] = {0}, out[16];
    for (unsigned long i = 0; i < n; i++) {
        CK_ULONG outlen = sizeof out;
        CHECK(p11->C_EncryptInit(s, &m, key), "C_EncryptInit");
        CHECK(p11->C_Encrypt(s, in, block, out, &outlen), "C_Encrypt");
    }
}

static int cmd_ops(CK_SLOT_ID slot, unsigned long n)
{
    CK_SESSION_HANDLE s;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CK_OBJECT_HANDLE aes128 = session_key(s, CKM_AES_KEY_GEN, 16);
    CK_OBJECT_HANDLE aes192 = session_key(s, CKM_AES_KEY_GEN, 24);
    CK_OBJECT_HANDLE aes256 = session_key(s, CKM_AES_KEY_GEN, 32);
    CK_OBJECT_HANDLE des3 = session_key(s, CKM_DES3_KEY_GEN, 0);
    CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
    for (unsigned long i = 0; i < n; i++) {
        CK_BYTE digest[32];
        CK_ULONG len = sizeof digest;
        CHECK(p11->C_DigestInit(s, &sha), "C_DigestInit");
        CHECK(p11->C_Digest(s, (CK_BYTE_PTR) "abc", 3, digest, &len), "C_Digest");
    }
    encrypt_n(s, CKM_AES_ECB, aes128, 16, n);
    encrypt_n(s, CKM_AES_ECB, aes192, 16, n);
    encrypt_n(s, CKM_AES_ECB, aes256, 16, n);
    encrypt_n(s, CKM_DES3_ECB, des3, 8, n);
    CHECK(p11->C_CloseSession(s), "C_CloseSession");
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    printf("DONE ops=%lu\n", n);
    return 0;
}

static void hex(const CK_BYTE *b, CK_ULONG n)
{
    for (CK_ULONG i = 0; i < n; i++)
        printf("%02x", b[i]);
}

static CK_ULONG count_label(CK_SESSION_HANDLE s, const char *label)
{
    CK_ATTRIBUTE find[] = { { CKA_LABEL, (void *)label, strlen(label) } };
    CK_OBJECT_HANDLE found[16];
    CK_ULONG n = 0;
    CHECK(p11->C_FindObjectsInit(s, find, 1), "C_FindObjectsInit");
    CHECK(p11->C_FindObjects(s, found, 16, &n), "C_FindObjects");
    CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
    return n;
}

static int cmd_fork(CK_SLOT_ID slot, const char *label)
{
    CK_OBJECT_CLASS data_class = CKO_DATA;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE obj[] = {
        { CKA_CLASS, &data_class, sizeof data_class }, { CKA_TOKEN, &no, sizeof no },
        { CKA_LABEL, (void *)label, strlen(label) },
    };
    CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE o;
    CK_BYTE digest[32];
    CK_ULONG dlen = sizeof digest;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p11->C_CreateObject(s, obj, 3, &o), "C_CreateObject");
    CHECK(p11->C_DigestInit(s, &sha), "C_DigestInit");
    CHECK(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2), "C_DigestUpdate");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL fork\n");
        return 2;
    }
    if (pid == 0) {
        CK_ULONG count = 0;
        CK_SESSION_HANDLE mine = 0;
        CK_SESSION_INFO info;
        CK_RV slots = p11->C_GetSlotList(CK_FALSE, NULL, &count);
        CK_RV open = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &mine);
        CK_RV init = p11->C_Initialize(NULL);
        CK_RV parent = p11->C_GetSessionInfo(s, &info);
        CK_RV own = p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &mine);
        printf("child slots=0x%lx open=0x%lx init=0x%lx parentsession=0x%lx own=0x%lx digest=", (unsigned long)slots,
               (unsigned long)open, (unsigned long)init, (unsigned long)parent, (unsigned long)own);
        CHECK(p11->C_DigestInit(mine, &sha), "C_DigestInit(child)");
        CHECK(p11->C_Digest(mine, (CK_BYTE_PTR) "abc", 3, digest, &dlen), "C_Digest(child)");
        hex(digest, dlen);
        printf(" found=%lu\n", (unsigned long)count_label(mine, label));
        fflush(stdout);
        CHECK(p11->C_Finalize(NULL), "C_Finalize(child)");
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CK_SESSION_INFO info;
    CK_RV si = p11->C_GetSessionInfo(s, &info);
    CHECK(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "c", 1), "C_DigestUpdate(parent after fork)");
    CHECK(p11->C_DigestFinal(s, digest, &dlen), "C_DigestFinal(parent after fork)");
    printf("parent sessioninfo=0x%lx digest=", (unsigned long)si);
    hex(digest, dlen);
    printf(" found=%lu\n", (unsigned long)count_label(s, label));
    CHECK(p11->C_Finalize(NULL), "C_Finalize");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 4;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODULE COMMAND [ARGS]\n", argv[0]);
        return 1;
    }
    const char *cmd = argv[2];
    if (strcmp(cmd, "swarm") == 0 && argc == 9)
        return cmd_swarm(argv[1], strtoul(argv[3], NULL, 10), atoi(argv[4]), atoi(argv[5]), argv[6], argv[7],
                         strtoul(argv[8], NULL, 10));
    load(argv[1]);
    if (strcmp(cmd, "init") == 0)
        return cmd_init();
    if (strcmp(cmd, "slots") == 0)
        return cmd_slots();
    if (strcmp(cmd, "deadline") == 0)
        return cmd_deadline();
    if (strcmp(cmd, "probe") == 0 && argc == 4)
        return cmd_probe(strtoul(argv[3], NULL, 10));
    if (strcmp(cmd, "wait-block") == 0 && argc == 4)
        return cmd_wait_block(atoi(argv[3]));
    if (strcmp(cmd, "wait-poll") == 0 && argc == 4)
        return cmd_wait_poll(atoi(argv[3]));
    if (strcmp(cmd, "holder") == 0 && argc == 6)
        return cmd_holder(strtoul(argv[3], NULL, 10), argv[4], argv[5]);
    if (strcmp(cmd, "fork") == 0 && argc == 5)
        return cmd_fork(strtoul(argv[3], NULL, 10), argv[4]);
    if (strcmp(cmd, "ops") == 0 && argc == 5)
        return cmd_ops(strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10));
    if (strcmp(cmd, "intruder") == 0 && argc == 6)
        return cmd_intruder(strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10), argv[5]);
    fprintf(stderr, "unknown command %s\n", cmd);
    return 1;
}
