/*
 * p11perf - the OpenCryptokiActors benchmark driver.
 *
 * Loads one PKCS#11 module with dlopen(), uses only standard PKCS#11 2.40
 * calls and measures a list of workloads ("cases") at one or more thread
 * counts (one R/W session per thread). One TSV line per case and thread count:
 *
 *   tag case threads status ops seconds ops_per_s median_us p99_us note
 *
 * Latencies go into a per-thread log-linear histogram (64 sub-buckets per
 * power of two, < 1.6 % resolution), so the harness costs one clock_gettime
 * and a few adds per op and no memory that grows with the op count.
 *
 * Extra mode: --socket-floor measures a C-to-C Unix stream socket round trip
 * (16-byte request, 16-byte reply, two processes), the floor that any
 * out-of-process module pays per call on the same machine.
 *
 * Build: see bench/Makefile.  Usage: p11perf --help.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

/* ------------------------------------------------------------------ utils */

static CK_FUNCTION_LIST_PTR F;
static CK_SLOT_ID g_slot;
static const char *g_pin;
static double g_seconds = 1.0, g_warmup = 0.2;
static const char *g_tag = "module";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* resident set of this process in kB (VmRSS), -1 if unknown */
static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) { kb = atol(line + 6); break; }
    fclose(f);
    return kb;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "p11perf: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static const char *rv_name(CK_RV rv)
{
    switch (rv) {
#define N(x) case x: return #x;
    N(CKR_OK) N(CKR_HOST_MEMORY) N(CKR_SLOT_ID_INVALID) N(CKR_GENERAL_ERROR)
    N(CKR_FUNCTION_FAILED) N(CKR_ARGUMENTS_BAD) N(CKR_ATTRIBUTE_READ_ONLY)
    N(CKR_ATTRIBUTE_TYPE_INVALID) N(CKR_ATTRIBUTE_VALUE_INVALID) N(CKR_DATA_INVALID)
    N(CKR_DATA_LEN_RANGE) N(CKR_DEVICE_ERROR) N(CKR_DEVICE_MEMORY) N(CKR_FUNCTION_NOT_SUPPORTED)
    N(CKR_KEY_HANDLE_INVALID) N(CKR_KEY_SIZE_RANGE) N(CKR_KEY_TYPE_INCONSISTENT)
    N(CKR_KEY_FUNCTION_NOT_PERMITTED) N(CKR_MECHANISM_INVALID) N(CKR_MECHANISM_PARAM_INVALID)
    N(CKR_OBJECT_HANDLE_INVALID) N(CKR_OPERATION_ACTIVE) N(CKR_OPERATION_NOT_INITIALIZED)
    N(CKR_PIN_INCORRECT) N(CKR_PIN_LOCKED) N(CKR_SESSION_CLOSED) N(CKR_SESSION_COUNT)
    N(CKR_SESSION_HANDLE_INVALID) N(CKR_SESSION_READ_ONLY) N(CKR_SIGNATURE_INVALID)
    N(CKR_SIGNATURE_LEN_RANGE) N(CKR_TEMPLATE_INCOMPLETE) N(CKR_TEMPLATE_INCONSISTENT)
    N(CKR_TOKEN_NOT_PRESENT) N(CKR_TOKEN_NOT_RECOGNIZED) N(CKR_USER_ALREADY_LOGGED_IN)
    N(CKR_USER_NOT_LOGGED_IN) N(CKR_USER_PIN_NOT_INITIALIZED) N(CKR_USER_TYPE_INVALID)
    N(CKR_BUFFER_TOO_SMALL) N(CKR_CRYPTOKI_NOT_INITIALIZED) N(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    N(CKR_CURVE_NOT_SUPPORTED) N(CKR_DOMAIN_PARAMS_INVALID) N(CKR_RANDOM_NO_RNG)
#undef N
    default: return "CKR_?";
    }
}

static int rv_unsupported(CK_RV rv)
{
    return rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID ||
           rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_KEY_TYPE_INCONSISTENT ||
           rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
           rv == CKR_CURVE_NOT_SUPPORTED || rv == CKR_DOMAIN_PARAMS_INVALID ||
           rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_KEY_SIZE_RANGE;
}

/* the failing call of the current thread, for the note column */
static __thread const char *t_fail_fn;
#define TRY(call) do { CK_RV r_ = (call); if (r_ != CKR_OK) { t_fail_fn = #call; return r_; } } while (0)

/* ------------------------------------------------------------- histogram */

#define SUB_BITS 6
#define SUB (1u << SUB_BITS)
#define NBUCKETS (SUB + 58 * SUB)

typedef struct { uint64_t n[NBUCKETS]; uint64_t count; } hist_t;

static inline unsigned bucket_of(uint64_t v)
{
    if (v < SUB) return (unsigned)v;
    unsigned k = 63 - __builtin_clzll(v);          /* k >= SUB_BITS */
    unsigned sub = (unsigned)(v >> (k - SUB_BITS)) & (SUB - 1);
    return SUB + (k - SUB_BITS) * SUB + sub;
}

static double bucket_mid(unsigned b)
{
    if (b < SUB) return b;
    unsigned k = (b - SUB) / SUB + SUB_BITS, sub = (b - SUB) % SUB;
    double lo = (double)(((uint64_t)SUB + sub) << (k - SUB_BITS));
    double w = (double)(1ull << (k - SUB_BITS));
    return lo + w / 2;
}

static double hist_quantile(const hist_t *h, double q)
{
    if (h->count == 0) return 0;
    uint64_t rank = (uint64_t)(q * h->count + 0.999999);   /* nearest rank */
    if (rank < 1) rank = 1;
    uint64_t acc = 0;
    for (unsigned b = 0; b < NBUCKETS; b++) {
        acc += h->n[b];
        if (acc >= rank) return bucket_mid(b);
    }
    return bucket_mid(NBUCKETS - 1);
}

/* ------------------------------------------------------------ run state */

typedef struct {
    CK_SESSION_HANDLE setup;                /* first session: owns the shared keys */
    CK_OBJECT_HANDLE aes, hmac, rsa_pub, rsa_priv, ec_pub, ec_priv;
    int have_aes, have_hmac, have_rsa, have_ec, have_find;
    CK_BYTE rsa_sig[512]; CK_ULONG rsa_sig_len;        /* SHA256_RSA_PKCS over msg32 */
    CK_BYTE rsa1_sig[512]; CK_ULONG rsa1_sig_len;      /* RSA_PKCS over DigestInfo */
    CK_BYTE ec_sig[256]; CK_ULONG ec_sig_len;
    CK_RSA_PKCS_OAEP_PARAMS oaep;                       /* the OAEP parameters that worked */
    CK_BYTE oaep_ct[512]; CK_ULONG oaep_ct_len;
} shared_t;

static const char *g_case_note;                        /* extra note for an ok result */

static shared_t S;
static CK_BYTE msg32[32] = "p11perf: 32 bytes to be signed!";
static CK_BYTE big[1 << 20];
static CK_BYTE kb1[1024];
static CK_BYTE digestinfo[51] = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    0x05, 0x00, 0x04, 0x20 /* + 32 bytes of hash, filled at start */ };
static CK_BYTE p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static CK_BBOOL T_ = CK_TRUE, F_ = CK_FALSE;

typedef struct {
    int id;
    CK_SESSION_HANDLE s;
    uint64_t iter;
    CK_BYTE out[4096];
} tctx_t;

typedef struct {
    const char *name;
    int single_thread;               /* application-global op: threads is always 1 */
    int no_login;                    /* process must not be logged in (login case) */
    CK_RV (*setup)(void);
    CK_RV (*op)(tctx_t *);
} bcase_t;

/* ------------------------------------------------------------- key setup */

static CK_RV make_aes(void)
{
    if (S.have_aes) return CKR_OK;
    CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_ULONG len = 32;
    CK_ATTRIBUTE t[] = {
        { CKA_TOKEN, &F_, 1 }, { CKA_PRIVATE, &T_, 1 }, { CKA_SENSITIVE, &T_, 1 },
        { CKA_ENCRYPT, &T_, 1 }, { CKA_DECRYPT, &T_, 1 }, { CKA_VALUE_LEN, &len, sizeof len },
    };
    TRY(F->C_GenerateKey(S.setup, &m, t, 6, &S.aes));
    S.have_aes = 1;
    return CKR_OK;
}

static CK_RV make_hmac(void)
{
    if (S.have_hmac) return CKR_OK;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_BYTE val[32];
    for (int i = 0; i < 32; i++) val[i] = (CK_BYTE)(i * 37 + 11);
    CK_ATTRIBUTE t[] = {
        { CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt }, { CKA_TOKEN, &F_, 1 },
        { CKA_PRIVATE, &T_, 1 }, { CKA_SENSITIVE, &T_, 1 }, { CKA_SIGN, &T_, 1 },
        { CKA_VERIFY, &T_, 1 }, { CKA_VALUE, val, sizeof val },
    };
    TRY(F->C_CreateObject(S.setup, t, 8, &S.hmac));
    S.have_hmac = 1;
    return CKR_OK;
}

static CK_RV gen_rsa(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
    CK_ULONG bits = 2048;
    CK_BYTE e[] = { 1, 0, 1 };
    CK_ATTRIBUTE pt[] = {
        { CKA_TOKEN, &F_, 1 }, { CKA_VERIFY, &T_, 1 }, { CKA_ENCRYPT, &T_, 1 },
        { CKA_MODULUS_BITS, &bits, sizeof bits }, { CKA_PUBLIC_EXPONENT, e, sizeof e },
    };
    CK_ATTRIBUTE st[] = {
        { CKA_TOKEN, &F_, 1 }, { CKA_PRIVATE, &T_, 1 }, { CKA_SENSITIVE, &T_, 1 },
        { CKA_SIGN, &T_, 1 }, { CKA_DECRYPT, &T_, 1 },
    };
    TRY(F->C_GenerateKeyPair(s, &m, pt, 5, st, 5, pub, priv));
    return CKR_OK;
}

static CK_RV make_rsa(void)
{
    if (S.have_rsa) return CKR_OK;
    TRY(gen_rsa(S.setup, &S.rsa_pub, &S.rsa_priv));
    S.have_rsa = 1;
    /* reference signatures for the verify cases; a mechanism may be missing */
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    S.rsa_sig_len = 0;
    if (F->C_SignInit(S.setup, &m, S.rsa_priv) == CKR_OK) {
        CK_ULONG l = sizeof S.rsa_sig;
        if (F->C_Sign(S.setup, msg32, 32, S.rsa_sig, &l) == CKR_OK) S.rsa_sig_len = l;
    }
    CK_MECHANISM m1 = { CKM_RSA_PKCS, NULL, 0 };
    S.rsa1_sig_len = 0;
    if (F->C_SignInit(S.setup, &m1, S.rsa_priv) == CKR_OK) {
        CK_ULONG l = sizeof S.rsa1_sig;
        if (F->C_Sign(S.setup, digestinfo, sizeof digestinfo, S.rsa1_sig, &l) == CKR_OK) S.rsa1_sig_len = l;
    }
    return CKR_OK;
}

static CK_RV gen_ec(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
    CK_ATTRIBUTE pt[] = {
        { CKA_TOKEN, &F_, 1 }, { CKA_VERIFY, &T_, 1 }, { CKA_EC_PARAMS, p256_oid, sizeof p256_oid },
    };
    CK_ATTRIBUTE st[] = {
        { CKA_TOKEN, &F_, 1 }, { CKA_PRIVATE, &T_, 1 }, { CKA_SENSITIVE, &T_, 1 }, { CKA_SIGN, &T_, 1 },
    };
    TRY(F->C_GenerateKeyPair(s, &m, pt, 3, st, 4, pub, priv));
    return CKR_OK;
}

static CK_RV make_ec(void)
{
    if (S.have_ec) return CKR_OK;
    TRY(gen_ec(S.setup, &S.ec_pub, &S.ec_priv));
    S.have_ec = 1;
    CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
    S.ec_sig_len = 0;
    if (F->C_SignInit(S.setup, &m, S.ec_priv) == CKR_OK) {
        CK_ULONG l = sizeof S.ec_sig;
        if (F->C_Sign(S.setup, msg32, 32, S.ec_sig, &l) == CKR_OK) S.ec_sig_len = l;
    }
    return CKR_OK;
}

#define FIND_N 1000
static CK_RV make_find(void)
{
    if (S.have_find) return CKR_OK;
    CK_OBJECT_CLASS cls = CKO_DATA;
    char label[32];
    CK_BYTE value[16] = "p11perf object";
    for (int i = 0; i < FIND_N; i++) {
        int n = snprintf(label, sizeof label, "p11perf-find-%04d", i);
        CK_ATTRIBUTE t[] = {
            { CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, &F_, 1 }, { CKA_PRIVATE, &F_, 1 },
            { CKA_LABEL, label, (CK_ULONG)n }, { CKA_VALUE, value, sizeof value },
        };
        CK_OBJECT_HANDLE h;
        TRY(F->C_CreateObject(S.setup, t, 5, &h));
    }
    S.have_find = 1;
    return CKR_OK;
}

static CK_RV setup_none(void) { return CKR_OK; }
static CK_RV setup_rsa_sig(void)
{
    CK_RV rv = make_rsa();
    if (rv == CKR_OK && S.rsa_sig_len == 0) { t_fail_fn = "C_Sign(CKM_SHA256_RSA_PKCS) for the reference signature"; return CKR_MECHANISM_INVALID; }
    return rv;
}
static CK_RV setup_rsa1_sig(void)
{
    CK_RV rv = make_rsa();
    if (rv == CKR_OK && S.rsa1_sig_len == 0) { t_fail_fn = "C_Sign(CKM_RSA_PKCS) for the reference signature"; return CKR_MECHANISM_INVALID; }
    return rv;
}
static CK_RV setup_ec_sig(void)
{
    CK_RV rv = make_ec();
    if (rv == CKR_OK && S.ec_sig_len == 0) { t_fail_fn = "C_Sign(CKM_ECDSA) for the reference signature"; return CKR_MECHANISM_INVALID; }
    return rv;
}

/* ------------------------------------------------------------------ ops */

static CK_RV op_empty(tctx_t *t)
{
    CK_SESSION_INFO si;
    TRY(F->C_GetSessionInfo(t->s, &si));
    return CKR_OK;
}

static CK_RV op_session(tctx_t *t)
{
    CK_SESSION_HANDLE h;
    TRY(F->C_OpenSession(g_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h));
    TRY(F->C_CloseSession(h));
    return CKR_OK;
}

static CK_RV op_login(tctx_t *t)
{
    TRY(F->C_Login(t->s, CKU_USER, (CK_UTF8CHAR_PTR)g_pin, strlen(g_pin)));
    TRY(F->C_Logout(t->s));
    return CKR_OK;
}

static CK_RV digest(tctx_t *t, CK_BYTE *data, CK_ULONG len)
{
    CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
    CK_ULONG ol = 32;
    TRY(F->C_DigestInit(t->s, &m));
    TRY(F->C_Digest(t->s, data, len, t->out, &ol));
    return CKR_OK;
}
static CK_RV op_sha64(tctx_t *t) { return digest(t, kb1, 64); }
static CK_RV op_sha1m(tctx_t *t) { return digest(t, big, sizeof big); }

static CK_RV op_random(tctx_t *t)
{
    TRY(F->C_GenerateRandom(t->s, t->out, 32));
    return CKR_OK;
}

static CK_RV op_cbc(tctx_t *t)
{
    CK_BYTE iv[16] = { 0 };
    memcpy(iv, &t->iter, sizeof t->iter);
    iv[15] = (CK_BYTE)t->id;
    CK_MECHANISM m = { CKM_AES_CBC, iv, sizeof iv };
    CK_ULONG ol = sizeof t->out;
    TRY(F->C_EncryptInit(t->s, &m, S.aes));
    TRY(F->C_Encrypt(t->s, kb1, sizeof kb1, t->out, &ol));
    return CKR_OK;
}

static CK_RV gcm_once(tctx_t *t, CK_ULONG *outlen)
{
    CK_BYTE iv[12] = { 0 };
    memcpy(iv, &t->iter, sizeof t->iter);
    iv[11] = (CK_BYTE)t->id;
    CK_GCM_PARAMS p = { iv, sizeof iv, 96, NULL, 0, 128 };
    CK_MECHANISM m = { CKM_AES_GCM, &p, sizeof p };
    CK_ULONG ol = sizeof t->out;
    TRY(F->C_EncryptInit(t->s, &m, S.aes));
    TRY(F->C_Encrypt(t->s, kb1, sizeof kb1, t->out, &ol));
    if (outlen) *outlen = ol;
    return CKR_OK;
}
static CK_RV op_gcm(tctx_t *t) { return gcm_once(t, NULL); }

static CK_RV op_hmac(tctx_t *t)
{
    CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 };
    CK_ULONG ol = sizeof t->out;
    TRY(F->C_SignInit(t->s, &m, S.hmac));
    TRY(F->C_Sign(t->s, kb1, sizeof kb1, t->out, &ol));
    return CKR_OK;
}

static CK_RV sign(tctx_t *t, CK_MECHANISM_TYPE mt, CK_OBJECT_HANDLE k, CK_BYTE *d, CK_ULONG dl)
{
    CK_MECHANISM m = { mt, NULL, 0 };
    CK_ULONG ol = sizeof t->out;
    TRY(F->C_SignInit(t->s, &m, k));
    TRY(F->C_Sign(t->s, d, dl, t->out, &ol));
    return CKR_OK;
}
static CK_RV verify(tctx_t *t, CK_MECHANISM_TYPE mt, CK_OBJECT_HANDLE k, CK_BYTE *d, CK_ULONG dl,
                    CK_BYTE *sig, CK_ULONG sl)
{
    CK_MECHANISM m = { mt, NULL, 0 };
    TRY(F->C_VerifyInit(t->s, &m, k));
    TRY(F->C_Verify(t->s, d, dl, sig, sl));
    return CKR_OK;
}
static CK_RV op_rsa_sign(tctx_t *t) { return sign(t, CKM_SHA256_RSA_PKCS, S.rsa_priv, msg32, 32); }
static CK_RV op_rsa_verify(tctx_t *t) { return verify(t, CKM_SHA256_RSA_PKCS, S.rsa_pub, msg32, 32, S.rsa_sig, S.rsa_sig_len); }
static CK_RV op_rsa1_sign(tctx_t *t) { return sign(t, CKM_RSA_PKCS, S.rsa_priv, digestinfo, sizeof digestinfo); }
static CK_RV op_rsa1_verify(tctx_t *t) { return verify(t, CKM_RSA_PKCS, S.rsa_pub, digestinfo, sizeof digestinfo, S.rsa1_sig, S.rsa1_sig_len); }
static CK_RV op_ec_sign(tctx_t *t) { return sign(t, CKM_ECDSA, S.ec_priv, msg32, 32); }
static CK_RV op_ec_verify(tctx_t *t) { return verify(t, CKM_ECDSA, S.ec_pub, msg32, 32, S.ec_sig, S.ec_sig_len); }

static CK_RV op_find(tctx_t *t)
{
    char label[32];
    int i = (int)((t->iter * 7919u + (uint64_t)t->id * 501u) % FIND_N);
    int n = snprintf(label, sizeof label, "p11perf-find-%04d", i);
    CK_ATTRIBUTE tpl[] = { { CKA_LABEL, label, (CK_ULONG)n } };
    CK_OBJECT_HANDLE h[2];
    CK_ULONG cnt = 0;
    TRY(F->C_FindObjectsInit(t->s, tpl, 1));
    CK_RV rv = F->C_FindObjects(t->s, h, 2, &cnt);
    CK_RV rv2 = F->C_FindObjectsFinal(t->s);
    if (rv != CKR_OK) { t_fail_fn = "C_FindObjects"; return rv; }
    if (rv2 != CKR_OK) { t_fail_fn = "C_FindObjectsFinal"; return rv2; }
    if (cnt != 1) { t_fail_fn = "C_FindObjects found != 1 object"; return CKR_GENERAL_ERROR; }
    return CKR_OK;
}

static CK_RV op_create_destroy(tctx_t *t)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_BYTE val[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    CK_ATTRIBUTE tpl[] = {
        { CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt }, { CKA_TOKEN, &F_, 1 },
        { CKA_ENCRYPT, &T_, 1 }, { CKA_VALUE, val, sizeof val },
    };
    CK_OBJECT_HANDLE h;
    TRY(F->C_CreateObject(t->s, tpl, 5, &h));
    TRY(F->C_DestroyObject(t->s, h));
    return CKR_OK;
}

static CK_RV op_rsa_keygen(tctx_t *t)
{
    CK_OBJECT_HANDLE pub, priv;
    TRY(gen_rsa(t->s, &pub, &priv));
    TRY(F->C_DestroyObject(t->s, pub));
    TRY(F->C_DestroyObject(t->s, priv));
    return CKR_OK;
}

static CK_RV op_ec_keygen(tctx_t *t)
{
    CK_OBJECT_HANDLE pub, priv;
    TRY(gen_ec(t->s, &pub, &priv));
    TRY(F->C_DestroyObject(t->s, pub));
    TRY(F->C_DestroyObject(t->s, priv));
    return CKR_OK;
}

static CK_RV setup_gcm(void)
{
    CK_RV rv = make_aes();
    if (rv != CKR_OK) return rv;
    /* one encrypt + decrypt to catch CK_GCM_PARAMS layout mismatches */
    tctx_t t = { .id = 0, .s = S.setup, .iter = 12345 };
    CK_ULONG cl;
    if ((rv = gcm_once(&t, &cl)) != CKR_OK) return rv;
    CK_BYTE iv[12] = { 0 };
    memcpy(iv, &t.iter, sizeof t.iter);
    CK_GCM_PARAMS p = { iv, sizeof iv, 96, NULL, 0, 128 };
    CK_MECHANISM m = { CKM_AES_GCM, &p, sizeof p };
    CK_BYTE pt[1100];
    CK_ULONG pl = sizeof pt;
    TRY(F->C_DecryptInit(S.setup, &m, S.aes));
    TRY(F->C_Decrypt(S.setup, t.out, cl, pt, &pl));
    if (pl != sizeof kb1 || memcmp(pt, kb1, pl) != 0) { t_fail_fn = "GCM round trip mismatch"; return CKR_GENERAL_ERROR; }
    return CKR_OK;
}

static CK_RV op_cbc1m(tctx_t *t)
{
    static __thread CK_BYTE *ct;
    if (!ct && !(ct = malloc(sizeof big))) return CKR_HOST_MEMORY;
    CK_BYTE iv[16] = { 0 };
    memcpy(iv, &t->iter, sizeof t->iter);
    iv[15] = (CK_BYTE)t->id;
    CK_MECHANISM m = { CKM_AES_CBC, iv, sizeof iv };
    CK_ULONG ol = sizeof big;
    TRY(F->C_EncryptInit(t->s, &m, S.aes));
    TRY(F->C_Encrypt(t->s, big, sizeof big, ct, &ol));
    return CKR_OK;
}

static CK_RV op_pss(tctx_t *t)
{
    CK_RSA_PKCS_PSS_PARAMS p = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS_PSS, &p, sizeof p };
    CK_ULONG ol = sizeof t->out;
    TRY(F->C_SignInit(t->s, &m, S.rsa_priv));
    TRY(F->C_Sign(t->s, msg32, 32, t->out, &ol));
    return CKR_OK;
}

static CK_RV oaep_encrypt(CK_RSA_PKCS_OAEP_PARAMS *p)
{
    CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, p, sizeof *p };
    S.oaep_ct_len = sizeof S.oaep_ct;
    TRY(F->C_EncryptInit(S.setup, &m, S.rsa_pub));
    TRY(F->C_Encrypt(S.setup, msg32, 32, S.oaep_ct, &S.oaep_ct_len));
    return CKR_OK;
}

static CK_RV setup_oaep(void)
{
    CK_RV rv = make_rsa();
    if (rv != CKR_OK) return rv;
    CK_RSA_PKCS_OAEP_PARAMS p256 = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
    CK_RSA_PKCS_OAEP_PARAMS p1 = { CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0 };
    S.oaep = p256;
    if ((rv = oaep_encrypt(&S.oaep)) == CKR_OK) {
        /* the decrypt side may still refuse SHA-256 (SoftHSM 2.6 does) */
        CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &S.oaep, sizeof S.oaep };
        rv = F->C_DecryptInit(S.setup, &m, S.rsa_priv);
        if (rv == CKR_OK) {
            CK_BYTE pt[512]; CK_ULONG pl = sizeof pt;
            rv = F->C_Decrypt(S.setup, S.oaep_ct, S.oaep_ct_len, pt, &pl);
            if (rv == CKR_OK) return CKR_OK;
        }
    }
    S.oaep = p1;
    g_case_note = "OAEP with SHA-1/MGF1-SHA1 (SHA-256 refused)";
    return oaep_encrypt(&S.oaep);
}

static CK_RV op_oaep(tctx_t *t)
{
    CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &S.oaep, sizeof S.oaep };
    CK_BYTE pt[512];
    CK_ULONG pl = sizeof pt;
    TRY(F->C_DecryptInit(t->s, &m, S.rsa_priv));
    TRY(F->C_Decrypt(t->s, S.oaep_ct, S.oaep_ct_len, pt, &pl));
    return CKR_OK;
}

static CK_RV op_aes_keygen(tctx_t *t)
{
    CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_ULONG len = 32;
    CK_ATTRIBUTE tpl[] = {
        { CKA_TOKEN, &F_, 1 }, { CKA_PRIVATE, &T_, 1 }, { CKA_SENSITIVE, &T_, 1 },
        { CKA_ENCRYPT, &T_, 1 }, { CKA_DECRYPT, &T_, 1 }, { CKA_VALUE_LEN, &len, sizeof len },
    };
    CK_OBJECT_HANDLE h;
    TRY(F->C_GenerateKey(t->s, &m, tpl, 6, &h));
    TRY(F->C_DestroyObject(t->s, h));
    return CKR_OK;
}

static const bcase_t CASES[] = {
    { "empty-call",       0, 0, setup_none,    op_empty },
    { "session",          0, 0, setup_none,    op_session },
    { "login",            1, 1, setup_none,    op_login },
    { "sha256-64B",       0, 0, setup_none,    op_sha64 },
    { "random-32B",       0, 0, setup_none,    op_random },
    { "aes256-cbc-1KiB",  0, 0, make_aes,      op_cbc },
    { "aes256-gcm-1KiB",  0, 0, setup_gcm,     op_gcm },
    { "hmac-sha256-1KiB", 0, 0, make_hmac,     op_hmac },
    { "rsa2048-sign",     0, 0, make_rsa,      op_rsa_sign },
    { "rsa2048-verify",   0, 0, setup_rsa_sig, op_rsa_verify },
    { "rsa2048-pkcs1-sign",   0, 0, make_rsa,       op_rsa1_sign },
    { "rsa2048-pkcs1-verify", 0, 0, setup_rsa1_sig, op_rsa1_verify },
    { "rsa2048-pss-sign", 0, 0, make_rsa,      op_pss },
    { "rsa2048-oaep-decrypt", 0, 0, setup_oaep, op_oaep },
    { "ecdsa-p256-sign",  0, 0, make_ec,       op_ec_sign },
    { "ecdsa-p256-verify",0, 0, setup_ec_sig,  op_ec_verify },
    { "find-1000",        0, 0, make_find,     op_find },
    { "create-destroy",   0, 0, setup_none,    op_create_destroy },
    { "sha256-1MiB",      0, 0, setup_none,    op_sha1m },
    { "aes256-cbc-1MiB",  0, 0, make_aes,      op_cbc1m },
    { "rsa2048-keygen",   0, 0, setup_none,    op_rsa_keygen },
    { "ec-p256-keygen",   0, 0, setup_none,    op_ec_keygen },
    { "aes256-keygen",    0, 0, setup_none,    op_aes_keygen },
};
#define NCASES (sizeof CASES / sizeof CASES[0])

/* ------------------------------------------------ per-call timing (--per-call) */

/* With --per-call, F points at a copy of the module's function list whose hot functions are
 * wrapped: each call is timed into a histogram per function, printed after each case as
 * "# percall" lines (meta). It shows how one op splits into its calls (Init vs the op). */
enum { PC_GetSessionInfo, PC_OpenSession, PC_CloseSession, PC_DigestInit, PC_Digest, PC_EncryptInit,
       PC_Encrypt, PC_DecryptInit, PC_Decrypt, PC_SignInit, PC_Sign, PC_VerifyInit, PC_Verify,
       PC_GenerateRandom, PC_FindObjectsInit, PC_FindObjects, PC_FindObjectsFinal, PC_CreateObject,
       PC_DestroyObject, PC_N };
static const char *pc_names[PC_N] = { "C_GetSessionInfo", "C_OpenSession", "C_CloseSession", "C_DigestInit",
    "C_Digest", "C_EncryptInit", "C_Encrypt", "C_DecryptInit", "C_Decrypt", "C_SignInit", "C_Sign",
    "C_VerifyInit", "C_Verify", "C_GenerateRandom", "C_FindObjectsInit", "C_FindObjects",
    "C_FindObjectsFinal", "C_CreateObject", "C_DestroyObject" };
static hist_t *pc_hist[PC_N];
static CK_FUNCTION_LIST pc_real, pc_list;
static int g_percall;

#define PC_WRAP(name, params, args)                                                   \
    static CK_RV pc_##name params                                                     \
    {                                                                                 \
        uint64_t pc_t0_ = now_ns();                                                   \
        CK_RV rv = pc_real.C_##name args;                                             \
        uint64_t pc_d_ = now_ns() - pc_t0_;                                           \
        __atomic_fetch_add(&pc_hist[PC_##name]->n[bucket_of(pc_d_)], 1, __ATOMIC_RELAXED); \
        __atomic_fetch_add(&pc_hist[PC_##name]->count, 1, __ATOMIC_RELAXED);          \
        return rv;                                                                    \
    }
PC_WRAP(GetSessionInfo, (CK_SESSION_HANDLE s, CK_SESSION_INFO_PTR i), (s, i))
PC_WRAP(OpenSession, (CK_SLOT_ID sl, CK_FLAGS f, CK_VOID_PTR a, CK_NOTIFY n, CK_SESSION_HANDLE_PTR h), (sl, f, a, n, h))
PC_WRAP(CloseSession, (CK_SESSION_HANDLE s), (s))
PC_WRAP(DigestInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m), (s, m))
PC_WRAP(Digest, (CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol), (s, d, l, o, ol))
PC_WRAP(EncryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (s, m, k))
PC_WRAP(Encrypt, (CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol), (s, d, l, o, ol))
PC_WRAP(DecryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (s, m, k))
PC_WRAP(Decrypt, (CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol), (s, d, l, o, ol))
PC_WRAP(SignInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (s, m, k))
PC_WRAP(Sign, (CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR o, CK_ULONG_PTR ol), (s, d, l, o, ol))
PC_WRAP(VerifyInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (s, m, k))
PC_WRAP(Verify, (CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG l, CK_BYTE_PTR sg, CK_ULONG sl), (s, d, l, sg, sl))
PC_WRAP(GenerateRandom, (CK_SESSION_HANDLE s, CK_BYTE_PTR o, CK_ULONG l), (s, o, l))
PC_WRAP(FindObjectsInit, (CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n), (s, t, n))
PC_WRAP(FindObjects, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE_PTR h, CK_ULONG m, CK_ULONG_PTR c), (s, h, m, c))
PC_WRAP(FindObjectsFinal, (CK_SESSION_HANDLE s), (s))
PC_WRAP(CreateObject, (CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR h), (s, t, n, h))
PC_WRAP(DestroyObject, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h), (s, h))

static void percall_install(void)
{
    pc_real = *F;
    pc_list = *F;
    for (int i = 0; i < PC_N; i++) pc_hist[i] = calloc(1, sizeof(hist_t));
#define PC_SET(name) pc_list.C_##name = pc_##name;
    PC_SET(GetSessionInfo) PC_SET(OpenSession) PC_SET(CloseSession) PC_SET(DigestInit) PC_SET(Digest)
    PC_SET(EncryptInit) PC_SET(Encrypt) PC_SET(DecryptInit) PC_SET(Decrypt) PC_SET(SignInit) PC_SET(Sign)
    PC_SET(VerifyInit) PC_SET(Verify) PC_SET(GenerateRandom) PC_SET(FindObjectsInit) PC_SET(FindObjects)
    PC_SET(FindObjectsFinal) PC_SET(CreateObject) PC_SET(DestroyObject)
#undef PC_SET
    F = &pc_list;
}

static void percall_reset(void)
{
    if (g_percall)
        for (int i = 0; i < PC_N; i++) memset(pc_hist[i], 0, sizeof(hist_t));
}

static void percall_print(const char *cname, int threads)
{
    if (!g_percall) return;
    for (int i = 0; i < PC_N; i++)
        if (pc_hist[i]->count)
            printf("# %s\tpercall\tcase=%s\tthreads=%d\tfn=%s\tcalls=%llu\tmedian_us=%.2f\tp99_us=%.2f\n", g_tag,
                   cname, threads, pc_names[i], (unsigned long long)pc_hist[i]->count,
                   hist_quantile(pc_hist[i], 0.5) / 1000, hist_quantile(pc_hist[i], 0.99) / 1000);
}

/* --------------------------------------------------------------- runner */

typedef struct {
    const bcase_t *c;
    int nthreads;
    pthread_barrier_t ready, go;
    double t_start;                 /* set by thread 0 after the barrier */
    volatile int stop_warm;
} run_t;

typedef struct {
    run_t *run;
    tctx_t ctx;
    hist_t *h;
    uint64_t ops;
    double t_end;
    CK_RV rv;
    const char *fail_fn;
} worker_t;

static void *worker(void *arg)
{
    worker_t *w = arg;
    run_t *r = w->run;
    tctx_t *t = &w->ctx;
    /* warm-up, untimed */
    double wend = now_s() + g_warmup;
    while (now_s() < wend) {
        CK_RV rv = r->c->op(t);
        t->iter++;
        if (rv != CKR_OK) { w->rv = rv; w->fail_fn = t_fail_fn; break; }
    }
    pthread_barrier_wait(&r->ready);
    pthread_barrier_wait(&r->go);
    if (w->rv != CKR_OK) return NULL;
    uint64_t end_ns = (uint64_t)(r->t_start * 1e9) + (uint64_t)(g_seconds * 1e9);
    uint64_t t0 = now_ns();
    for (;;) {
        CK_RV rv = r->c->op(t);
        uint64_t t1 = now_ns();
        t->iter++;
        if (rv != CKR_OK) { w->rv = rv; w->fail_fn = t_fail_fn; break; }
        w->h->n[bucket_of(t1 - t0)]++;
        w->ops++;
        t0 = t1;
        if (t1 >= end_ns) break;
    }
    w->t_end = now_s();
    return NULL;
}

static void emit(const char *cname, int threads, const char *status, uint64_t ops, double secs,
                 double med, double p99, const char *note)
{
    printf("%s\t%s\t%d\t%s\t%llu\t%.3f\t%.1f\t%.2f\t%.2f\t%s\n", g_tag, cname, threads, status,
           (unsigned long long)ops, secs, secs > 0 ? ops / secs : 0.0, med, p99, note ? note : "");
    fflush(stdout);
}

static void run_case(const bcase_t *c, int nthreads)
{
    char note[256] = "";
    if (c->single_thread) nthreads = 1;
    g_case_note = NULL;
    t_fail_fn = "set-up";
    CK_RV rv = c->setup();
    if (rv != CKR_OK) {
        snprintf(note, sizeof note, "%s: %s (0x%lx)", t_fail_fn, rv_name(rv), (unsigned long)rv);
        emit(c->name, nthreads, rv_unsupported(rv) ? "unsupported" : "error", 0, 0, 0, 0, note);
        return;
    }

    run_t r = { .c = c, .nthreads = nthreads };
    worker_t *ws = calloc(nthreads, sizeof *ws);
    pthread_t *th = calloc(nthreads, sizeof *th);
    for (int i = 0; i < nthreads; i++) {
        ws[i].run = &r;
        ws[i].ctx.id = i;
        ws[i].h = calloc(1, sizeof(hist_t));
        rv = F->C_OpenSession(g_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &ws[i].ctx.s);
        if (rv != CKR_OK) die("C_OpenSession: %s (0x%lx)", rv_name(rv), (unsigned long)rv);
    }
    /* pre-check: one untimed op decides unsupported / error */
    t_fail_fn = "?";
    rv = c->op(&ws[0].ctx);
    if (rv != CKR_OK) {
        snprintf(note, sizeof note, "%s: %s (0x%lx)", t_fail_fn, rv_name(rv), (unsigned long)rv);
        emit(c->name, nthreads, rv_unsupported(rv) ? "unsupported" : "error", 0, 0, 0, 0, note);
        goto out;
    }
    percall_reset();                /* the per-call figures include the warm-up ops */
    pthread_barrier_init(&r.ready, NULL, nthreads + 1);
    pthread_barrier_init(&r.go, NULL, nthreads + 1);
    for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, worker, &ws[i]);
    pthread_barrier_wait(&r.ready);
    r.t_start = now_s();
    pthread_barrier_wait(&r.go);
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&r.ready);
    pthread_barrier_destroy(&r.go);

    hist_t *all = calloc(1, sizeof(hist_t));
    uint64_t ops = 0;
    double end = r.t_start;
    CK_RV bad = CKR_OK;
    const char *bad_fn = NULL;
    for (int i = 0; i < nthreads; i++) {
        for (unsigned b = 0; b < NBUCKETS; b++) all->n[b] += ws[i].h->n[b];
        ops += ws[i].ops;
        if (ws[i].t_end > end) end = ws[i].t_end;
        if (ws[i].rv != CKR_OK && bad == CKR_OK) { bad = ws[i].rv; bad_fn = ws[i].fail_fn; }
    }
    all->count = ops;
    if (bad != CKR_OK) {
        snprintf(note, sizeof note, "during run: %s: %s (0x%lx)", bad_fn ? bad_fn : "?", rv_name(bad), (unsigned long)bad);
        emit(c->name, nthreads, "error", ops, end - r.t_start, hist_quantile(all, 0.5) / 1000, hist_quantile(all, 0.99) / 1000, note);
    } else {
        emit(c->name, nthreads, "ok", ops, end - r.t_start, hist_quantile(all, 0.5) / 1000, hist_quantile(all, 0.99) / 1000, g_case_note);
        percall_print(c->name, nthreads);
    }
    free(all);
out:
    for (int i = 0; i < nthreads; i++) {
        F->C_CloseSession(ws[i].ctx.s);
        free(ws[i].h);
    }
    free(ws);
    free(th);
}

/* -------------------------------------------------------- socket floor */

/* with_poll: both sides wait in poll(POLLIN) before read(). A reader blocked in read() on a Unix
 * stream socket is also woken when the peer consumes what it sent (the write-space wake-up), and goes
 * back to sleep; poll() waiters are filtered by event and sleep through it. */
static void wait_in(int fd, int with_poll)
{
    if (!with_poll) return;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {}
}

static void socket_floor(int with_poll)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair: %s", strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {                   /* echo server: read 16, write 16 */
        close(sv[0]);
        char b[16];
        for (;;) {
            size_t got = 0;
            while (got < sizeof b) {
                wait_in(sv[1], with_poll);
                ssize_t n = read(sv[1], b + got, sizeof b - got);
                if (n <= 0) _exit(0);
                got += (size_t)n;
            }
            if (write(sv[1], b, sizeof b) != (ssize_t)sizeof b) _exit(1);
        }
    }
    close(sv[1]);
    hist_t *h = calloc(1, sizeof(hist_t));
    char b[16] = "ping-ping-ping!";
    uint64_t ops = 0;
    double t_start = now_s(), wend = t_start + g_warmup;
    int timed = 0;
    uint64_t t0 = now_ns();
    for (;;) {
        if (write(sv[0], b, sizeof b) != (ssize_t)sizeof b) die("write");
        size_t got = 0;
        while (got < sizeof b) {
            wait_in(sv[0], with_poll);
            ssize_t n = read(sv[0], b + got, sizeof b - got);
            if (n <= 0) die("read");
            got += (size_t)n;
        }
        uint64_t t1 = now_ns();
        if (timed) { h->n[bucket_of(t1 - t0)]++; ops++; }
        t0 = t1;
        double s = t1 * 1e-9;
        if (!timed && s >= wend) { timed = 1; t_start = s; }
        if (timed && s >= t_start + g_seconds) break;
    }
    double secs = now_s() - t_start;
    h->count = ops;
    close(sv[0]);
    waitpid(pid, NULL, 0);
    emit(with_poll ? "socket-floor-poll" : "socket-floor", 1, "ok", ops, secs, hist_quantile(h, 0.5) / 1000,
         hist_quantile(h, 0.99) / 1000,
         with_poll ? "the same, each side waiting in poll(POLLIN) before read()"
                   : "C-to-C unix stream socketpair round trip, 16 B each way, 2 processes");
    free(h);
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
    fprintf(stderr,
        "usage: p11perf --module SO (--slot N | --token-label L) --pin PIN [options]\n"
        "       p11perf --module SO --list\n"
        "       p11perf --socket-floor [--seconds S]\n"
        "       p11perf --list-cases\n"
        "options: --threads 1,2  --seconds 1  --warmup 0.2  --only a,b  --tag NAME\n"
        "         --per-call   also time each PKCS#11 call of the ops (\"# percall\" lines)\n");
    exit(2);
}

static int in_list(const char *list, const char *name)
{
    if (!list) return 1;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static void trim(char *dst, const CK_UTF8CHAR *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = 0;
    while (n > 0 && dst[n - 1] == ' ') dst[--n] = 0;
}

int main(int argc, char **argv)
{
    const char *module = NULL, *label = NULL, *only = NULL, *threads = "1,2";
    long slot = -1;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (usage(), ""))
        if (!strcmp(a, "--module")) module = ARG();
        else if (!strcmp(a, "--slot")) slot = atol(ARG());
        else if (!strcmp(a, "--token-label")) label = ARG();
        else if (!strcmp(a, "--pin")) g_pin = ARG();
        else if (!strcmp(a, "--threads")) threads = ARG();
        else if (!strcmp(a, "--seconds")) g_seconds = atof(ARG());
        else if (!strcmp(a, "--warmup")) g_warmup = atof(ARG());
        else if (!strcmp(a, "--only")) only = ARG();
        else if (!strcmp(a, "--tag")) g_tag = ARG();
        else if (!strcmp(a, "--per-call")) g_percall = 1;
        else if (!strcmp(a, "--list")) list = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); }
        else if (!strcmp(a, "--list-cases")) { for (size_t c = 0; c < NCASES; c++) puts(CASES[c].name); return 0; }
        else if (!strcmp(a, "--socket-floor")) { g_tag = "c-socket"; socket_floor(0); return 0; }
        else if (!strcmp(a, "--socket-floor-poll")) { g_tag = "c-socket"; socket_floor(1); return 0; }
        else usage();
    }
    if (!module) usage();

    /* the module's resident cost in this process: VmRSS before dlopen, after
     * C_Initialize, after the first session + login, and after the cases ran */
    for (size_t i = 0; i < sizeof big; i++) big[i] = (CK_BYTE)(i * 13 + 1);   /* touch before the baseline */
    long rss_before = rss_kb();
    double tl = now_s();
    void *lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!lib) die("dlopen %s: %s", module, dlerror());
    CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!gfl || gfl(&F) != CKR_OK) die("C_GetFunctionList failed");
    double load_us = (now_s() - tl) * 1e6;
    if (g_percall) percall_install();

    CK_C_INITIALIZE_ARGS ia = { 0 };
    ia.flags = CKF_OS_LOCKING_OK;
    double t0 = now_s();
    CK_RV rv = F->C_Initialize(&ia);
    double init_us = (now_s() - t0) * 1e6;
    if (rv != CKR_OK) die("C_Initialize: %s (0x%lx)", rv_name(rv), (unsigned long)rv);
    long rss_init = rss_kb();
    printf("# %s\tmodule=%s\tc_initialize_first_us=%.0f\tdlopen_us=%.0f\n", g_tag, module, init_us, load_us);

    CK_ULONG ns = 0;
    if ((rv = F->C_GetSlotList(CK_TRUE, NULL, &ns)) != CKR_OK) die("C_GetSlotList: %s", rv_name(rv));
    CK_SLOT_ID *slots = calloc(ns ? ns : 1, sizeof *slots);
    if ((rv = F->C_GetSlotList(CK_TRUE, slots, &ns)) != CKR_OK) die("C_GetSlotList: %s", rv_name(rv));
    int found = 0;
    for (CK_ULONG i = 0; i < ns; i++) {
        CK_TOKEN_INFO ti;
        if (F->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
        char lab[33], model[17];
        trim(lab, ti.label, 32);
        trim(model, ti.model, 16);
        if (list) printf("slot %lu\tlabel=\"%s\"\tmodel=\"%s\"\tflags=0x%lx\n", (unsigned long)slots[i], lab, model, (unsigned long)ti.flags);
        if (!found && ((label && !strcmp(label, lab)) || (!label && (long)slots[i] == slot))) {
            g_slot = slots[i];
            found = 1;
        }
    }
    if (list) { F->C_Finalize(NULL); return 0; }
    if (!found) die("no token with %s", label ? "that label" : "that slot id");
    if (!g_pin) die("--pin is required");

    for (size_t i = 0; i < sizeof kb1; i++) kb1[i] = (CK_BYTE)(i * 7 + 3);
    memcpy(digestinfo + 19, msg32, 32);    /* a fixed 32-byte "hash" */

    int need_login = 0, need_nologin = 0;
    for (size_t c = 0; c < NCASES; c++) {
        if (!in_list(only, CASES[c].name)) continue;
        if (CASES[c].no_login) need_nologin = 1; else need_login = 1;
    }
    if (need_login && need_nologin) die("the login case must run in its own process (--only login)");

    if ((rv = F->C_OpenSession(g_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &S.setup)) != CKR_OK)
        die("C_OpenSession: %s (0x%lx)", rv_name(rv), (unsigned long)rv);
    if (need_login) {
        rv = F->C_Login(S.setup, CKU_USER, (CK_UTF8CHAR_PTR)g_pin, strlen(g_pin));
        if (rv != CKR_OK) die("C_Login: %s (0x%lx) - not retrying", rv_name(rv), (unsigned long)rv);
    }
    long rss_session = rss_kb();

    for (size_t c = 0; c < NCASES; c++) {
        if (!in_list(only, CASES[c].name)) continue;
        const char *p = threads;
        while (*p) {
            int n = atoi(p);
            if (n < 1) n = 1;
            fprintf(stderr, "[%s] %s x%d\n", g_tag, CASES[c].name, n);
            run_case(&CASES[c], n);
            if (CASES[c].single_thread) break;
            const char *e = strchr(p, ',');
            if (!e) break;
            p = e + 1;
        }
    }
    long rss_end = rss_kb();
    printf("# %s\trss_kb_before=%ld\trss_kb_initialized=%ld\trss_kb_session=%ld\trss_kb_end=%ld\n",
           g_tag, rss_before, rss_init, rss_session, rss_end);
    F->C_CloseSession(S.setup);
    F->C_Finalize(NULL);
    return 0;
}
