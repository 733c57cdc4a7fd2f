/*
 * storebench: the token-store cases of issue 4 against any PKCS#11 module (ours, SoftHSM2, ...).
 * Plain C, dlopen + C_GetFunctionList, PKCS#11 2.40 calls only. Built by bench/store.sh.
 *
 *   storebench MODULE SLOT PIN populate FROM TO PROCS
 *       creates public token data objects labelled obj-FROM .. obj-(TO-1) with PROCS processes;
 *       prints "populate objects=<n> seconds=<s> per_s=<r>"
 *   storebench MODULE SLOT PIN find N ITER
 *       ITER times: C_FindObjectsInit(CKA_LABEL = obj-<random below N>) + C_FindObjects + C_FindObjectsFinal,
 *       each must find exactly one object; prints "find n=<N> iter=<ITER> median_us=<m> p99_us=<p> mean_us=<a>"
 *   storebench MODULE SLOT PIN create PROCS SECONDS
 *       PROCS processes (one connection, one R/W session, user logged in, each) generate AES-256 token keys
 *       (C_GenerateKey CKM_AES_KEY_GEN, CKA_TOKEN = CKA_PRIVATE = CKA_SENSITIVE = TRUE) for SECONDS;
 *       prints "create procs=<P> ops=<n> seconds=<s> per_s=<r> median_us=<m> p99_us=<p>"
 *
 * Processes, not threads: a PKCS#11 module may serialize a process's calls (ours does: one connection per
 * process), so concurrency at the token comes from several processes.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <poll.h>
#include <signal.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR p11;
static const char *g_module;
static CK_SLOT_ID g_slot;
static const char *g_pin;

#define CHECK(call, name)                                                          \
    do {                                                                           \
        CK_RV rv_ = (call);                                                        \
        if (rv_ != CKR_OK) {                                                       \
            fprintf(stderr, "FAIL %s rv=0x%lx\n", name, (unsigned long)rv_);       \
            exit(2);                                                               \
        }                                                                          \
    } while (0)

static void load(void)
{
    void *h = dlopen(g_module, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "FAIL dlopen %s\n", dlerror()); exit(3); }
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR) = (CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(h, "C_GetFunctionList");
    if (!get) { fprintf(stderr, "FAIL dlsym\n"); exit(3); }
    CHECK(get(&p11), "C_GetFunctionList");
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static CK_SESSION_HANDLE open_session(int login)
{
    CK_SESSION_HANDLE s;
    CHECK(p11->C_Initialize(NULL), "C_Initialize");
    CHECK(p11->C_OpenSession(g_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    if (login) {
        /* SoftHSM2 answers CKR_GENERAL_ERROR now and then when several processes log in to its files at once: retried */
        CK_RV rv = CKR_GENERAL_ERROR;
        for (int i = 0; i < 20 && rv == CKR_GENERAL_ERROR; i++) {
            rv = p11->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)g_pin, strlen(g_pin));
            if (rv == CKR_GENERAL_ERROR) usleep(50000);
        }
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) CHECK(rv, "C_Login");
    }
    return s;
}

static void populate_range(long from, long to)
{
    CK_SESSION_HANDLE s = open_session(0);
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    char label[64];
    for (long i = from; i < to; i++) {
        CK_OBJECT_HANDLE h;
        snprintf(label, sizeof label, "obj-%ld", i);
        CK_ATTRIBUTE t[] = {
            { CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &yes, sizeof yes }, { CKA_PRIVATE, &no, sizeof no },
            { CKA_LABEL, label, strlen(label) }, { CKA_VALUE, label, strlen(label) },
        };
        CHECK(p11->C_CreateObject(s, t, 5, &h), "C_CreateObject");
    }
    p11->C_Finalize(NULL);
}

static int cmd_populate(long from, long to, int procs)
{
    double t0 = now_us();
    long per = (to - from + procs - 1) / procs;
    for (int p = 0; p < procs; p++) {
        long a = from + p * per, b = a + per < to ? a + per : to;
        if (a >= b) break;
        if (fork() == 0) { populate_range(a, b); _exit(0); }
    }
    int status, ok = 1;
    while (wait(&status) > 0) ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    double s = (now_us() - t0) / 1e6;
    printf("populate objects=%ld seconds=%.2f per_s=%.0f\n", to - from, s, (to - from) / s);
    return ok ? 0 : 2;
}

static int cmd_find(long n, int iter)
{
    CK_SESSION_HANDLE s = open_session(0);
    double *lat = calloc(iter, sizeof *lat), sum = 0;
    char label[64];
    srand(12345);
    for (int i = -iter / 10; i < iter; i++) { /* a tenth untimed warm-up */
        long r = ((long)rand() * RAND_MAX + rand()) % n;
        snprintf(label, sizeof label, "obj-%ld", r);
        CK_ATTRIBUTE t[] = { { CKA_LABEL, label, strlen(label) } };
        CK_OBJECT_HANDLE found[4];
        CK_ULONG count = 0;
        double t0 = now_us();
        CHECK(p11->C_FindObjectsInit(s, t, 1), "C_FindObjectsInit");
        CHECK(p11->C_FindObjects(s, found, 4, &count), "C_FindObjects");
        CHECK(p11->C_FindObjectsFinal(s), "C_FindObjectsFinal");
        double d = now_us() - t0;
        if (count != 1) { fprintf(stderr, "FAIL %s found %lu objects\n", label, (unsigned long)count); return 2; }
        if (i >= 0) { lat[i] = d; sum += d; }
    }
    qsort(lat, iter, sizeof *lat, cmp_double);
    printf("find n=%ld iter=%d median_us=%.1f p99_us=%.1f mean_us=%.1f\n", n, iter, lat[iter / 2], lat[iter * 99 / 100], sum / iter);
    p11->C_Finalize(NULL);
    return 0;
}

/* Time from now (just after the daemon was started) to the first answered find of LABEL: C_Initialize,
 * C_OpenSession and the find retried every 5 ms while the daemon is not yet there or not yet recovered. */
static int cmd_first(const char *label, double timeout_s)
{
    double t0 = now_us();
    long tries = 0;
    while ((now_us() - t0) / 1e6 < timeout_s) {
        tries++;
        CK_SESSION_HANDLE s;
        if (p11->C_Initialize(NULL) != CKR_OK) { usleep(5000); continue; }
        if (p11->C_OpenSession(g_slot, CKF_SERIAL_SESSION, NULL, NULL, &s) == CKR_OK) {
            CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, strlen(label) } };
            CK_OBJECT_HANDLE found[4];
            CK_ULONG count = 0;
            if (p11->C_FindObjectsInit(s, t, 1) == CKR_OK && p11->C_FindObjects(s, found, 4, &count) == CKR_OK && count == 1) {
                double secs = (now_us() - t0) / 1e6;
                p11->C_FindObjectsFinal(s);
                p11->C_Finalize(NULL);
                printf("first seconds=%.2f tries=%ld\n", secs, tries);
                return 0;
            }
        }
        p11->C_Finalize(NULL);
        usleep(5000);
    }
    fprintf(stderr, "FAIL no answer for %s within %.0f s\n", label, timeout_s);
    return 2;
}

#define MAX_SAMPLES 200000

static int cmd_create(int procs, double seconds)
{
    /* shared results: per process op count and a latency sample array */
    size_t bytes = sizeof(long) * procs + sizeof(double) * (size_t)MAX_SAMPLES * procs;
    void *shm = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long *ops = shm;
    double *samples = (double *)(ops + procs);
    int ready[2], go[2];
    if (pipe(ready) || pipe(go)) return 3;
    pid_t *kids = calloc(procs, sizeof *kids);
    for (int p = 0; p < procs; p++) {
        if ((kids[p] = fork()) == 0) {
            CK_SESSION_HANDLE s = open_session(1);
            CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
            CK_ULONG len = 32;
            CK_BBOOL yes = CK_TRUE;
            CK_ATTRIBUTE t[] = {
                { CKA_VALUE_LEN, &len, sizeof len }, { CKA_TOKEN, &yes, sizeof yes }, { CKA_PRIVATE, &yes, sizeof yes },
                { CKA_SENSITIVE, &yes, sizeof yes }, { CKA_ENCRYPT, &yes, sizeof yes }, { CKA_DECRYPT, &yes, sizeof yes },
            };
            char c = 'r';
            if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) _exit(3);
            double end = now_us() + seconds * 1e6;
            long n = 0;
            double *mine = samples + (size_t)p * MAX_SAMPLES;
            while (now_us() < end) {
                CK_OBJECT_HANDLE h;
                double t0 = now_us();
                CHECK(p11->C_GenerateKey(s, &m, t, 6, &h), "C_GenerateKey");
                if (n < MAX_SAMPLES) mine[n] = now_us() - t0;
                n++;
            }
            ops[p] = n;
            p11->C_Finalize(NULL);
            _exit(0);
        }
    }
    char c;
    close(ready[1]);
    for (int p = 0; p < procs; p++) {
        /* a child that failed before it was ready must not leave the others waiting for "go" forever */
        struct pollfd pfd = { ready[0], POLLIN, 0 };
        if (poll(&pfd, 1, 120000) != 1 || read(ready[0], &c, 1) != 1) {
            fprintf(stderr, "FAIL a create process did not get ready\n");
            for (int k = 0; k < procs; k++) if (kids[k] > 0) kill(kids[k], SIGTERM);
            while (wait(NULL) > 0) {}
            return 2;
        }
    }
    double t0 = now_us();
    for (int p = 0; p < procs; p++) if (write(go[1], "g", 1) != 1) return 3;
    int status, ok = 1;
    while (wait(&status) > 0) ok &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
    double wall = (now_us() - t0) / 1e6;
    long total = 0, kept = 0;
    for (int p = 0; p < procs; p++) total += ops[p];
    double *all = malloc(sizeof(double) * (total ? total : 1));
    for (int p = 0; p < procs; p++)
        for (long i = 0; i < ops[p] && i < MAX_SAMPLES; i++) all[kept++] = samples[(size_t)p * MAX_SAMPLES + i];
    qsort(all, kept, sizeof *all, cmp_double);
    printf("create procs=%d ops=%ld seconds=%.2f per_s=%.0f median_us=%.0f p99_us=%.0f\n", procs, total, wall, total / wall,
           kept ? all[kept / 2] : 0, kept ? all[kept * 99 / 100] : 0);
    return ok ? 0 : 2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 5) {
        fprintf(stderr, "usage: %s MODULE SLOT PIN populate FROM TO PROCS | find N ITER | create PROCS SECONDS | first LABEL TIMEOUT_S\n", argv[0]);
        return 1;
    }
    g_module = argv[1];
    g_slot = strtoul(argv[2], NULL, 10);
    g_pin = argv[3];
    load();
    const char *cmd = argv[4];
    if (!strcmp(cmd, "populate") && argc == 8) return cmd_populate(atol(argv[5]), atol(argv[6]), atoi(argv[7]));
    if (!strcmp(cmd, "find") && argc == 7) return cmd_find(atol(argv[5]), atoi(argv[6]));
    if (!strcmp(cmd, "create") && argc == 7) return cmd_create(atoi(argv[5]), atof(argv[6]));
    if (!strcmp(cmd, "first") && argc == 7) return cmd_first(argv[5], atof(argv[6]));
    fprintf(stderr, "bad arguments\n");
    return 1;
}
