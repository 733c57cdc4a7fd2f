/*
 * lifecycleclient: the operation lifecycle of PKCS#11 3.0 §5.2 and the encrypt, decrypt, digest, sign and verify
 * functions' descriptions, through the module's 2.40 function list, table-driven over the families:
 *  - a call that fails with anything but CKR_BUFFER_TOO_SMALL ends the operation (CKR_ARGUMENTS_BAD for NULL data with
 *    a length or a NULL length pointer, CKR_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_SIGNATURE_INVALID and
 *    CKR_SIGNATURE_LEN_RANGE included): the next operation call is CKR_OPERATION_NOT_INITIALIZED, the next Init CKR_OK;
 *  - a length query (NULL output) or CKR_BUFFER_TOO_SMALL keeps it, and the repeated call gives the same result;
 *  - a single-part call after an Update is CKR_OPERATION_ACTIVE, an Update after a single-part length query too, and
 *    the operation goes on.
 *
 *   lifecycleclient MODULE SLOT USERPIN    prints "family-case rv=0x.. then=0x.. [reinit=0x..] [match=0|1]" lines, then "DONE"
 */
#include "client.h"

static CK_FUNCTION_LIST *p;
static CK_SESSION_HANDLE s;
static CK_OBJECT_HANDLE aes, hmac;

enum family { ENCRYPT, DECRYPT, DIGEST, SIGN, VERIFY };
static const char *names[] = {"encrypt", "decrypt", "digest", "sign", "verify"};

static CK_BYTE data[32] = "0123456789abcdef0123456789abcdef";
static CK_BYTE ciphertext[32]; /* AES-ECB of data, made at start */
static CK_BYTE mac[32];        /* HMAC-SHA256 of data */

static CK_RV init(enum family f)
{
    CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0}, sha = {CKM_SHA256, NULL, 0}, hm = {CKM_SHA256_HMAC, NULL, 0};
    switch (f) {
    case ENCRYPT: return p->C_EncryptInit(s, &ecb, aes);
    case DECRYPT: return p->C_DecryptInit(s, &ecb, aes);
    case DIGEST: return p->C_DigestInit(s, &sha);
    case SIGN: return p->C_SignInit(s, &hm, hmac);
    default: return p->C_VerifyInit(s, &hm, hmac);
    }
}

/* The family's input: the plaintext, or the ciphertext for decryption. */
static CK_BYTE *input(enum family f) { return f == DECRYPT ? ciphertext : data; }

static CK_RV single(enum family f, CK_BYTE *in, CK_ULONG len, CK_BYTE *out, CK_ULONG *outLen)
{
    switch (f) {
    case ENCRYPT: return p->C_Encrypt(s, in, len, out, outLen);
    case DECRYPT: return p->C_Decrypt(s, in, len, out, outLen);
    case DIGEST: return p->C_Digest(s, in, len, out, outLen);
    case SIGN: return p->C_Sign(s, in, len, out, outLen);
    default: return p->C_Verify(s, in, len, out, outLen ? *outLen : 0);
    }
}

static CK_RV update(enum family f, CK_BYTE *in, CK_ULONG len)
{
    CK_BYTE scratch[64];
    CK_ULONG n = sizeof scratch;
    switch (f) {
    case ENCRYPT: return p->C_EncryptUpdate(s, in, len, scratch, &n);
    case DECRYPT: return p->C_DecryptUpdate(s, in, len, scratch, &n);
    case DIGEST: return p->C_DigestUpdate(s, in, len);
    case SIGN: return p->C_SignUpdate(s, in, len);
    default: return p->C_VerifyUpdate(s, in, len);
    }
}

/* Final: for verification the MAC to check is passed as out/outLen. */
static CK_RV final(enum family f, CK_BYTE *out, CK_ULONG *outLen)
{
    switch (f) {
    case ENCRYPT: return p->C_EncryptFinal(s, out, outLen);
    case DECRYPT: return p->C_DecryptFinal(s, out, outLen);
    case DIGEST: return p->C_DigestFinal(s, out, outLen);
    case SIGN: return p->C_SignFinal(s, out, outLen);
    default: return p->C_VerifyFinal(s, out, outLen ? *outLen : 0);
    }
}

/* The clean single-part result of the family over the full input (the reference). */
static CK_ULONG reference(enum family f, CK_BYTE *out)
{
    CK_ULONG n = 64;
    CHECK(init(f), "reference init");
    if (f == VERIFY) {
        CHECK(p->C_Verify(s, data, 32, mac, 32), "reference verify");
        return 0;
    }
    CHECK(single(f, input(f), 32, out, &n), "reference single");
    return n;
}

/* After a failure: the operation must be gone (then=0x91) and a new Init must work (reinit=0x0); the new one is ended again. */
static void ended(const char *family, const char *kase, CK_RV rv, enum family f)
{
    CK_BYTE out[64];
    CK_ULONG n = sizeof out;
    CK_RV then = f == VERIFY ? final(f, mac, &(CK_ULONG){32}) : single(f, input(f), 32, out, &n);
    CK_RV reinit = init(f);
    printf("%s-%s rv=0x%lx then=0x%lx reinit=0x%lx\n", family, kase, rv, then, reinit);
    /* finish the re-initialised operation so that the next case starts clean */
    n = sizeof out;
    if (reinit == CKR_OK) {
        if (f == VERIFY) p->C_Verify(s, data, 32, mac, 32);
        else single(f, input(f), 32, out, &n);
    }
}

static void family(enum family f)
{
    const char *name = names[f];
    CK_BYTE out[64], ref[64];
    CK_ULONG refLen = reference(f, ref);
    CK_ULONG n;
    CK_RV rv;

    /* CKR_ARGUMENTS_BAD from the module: NULL data with a length, NULL length pointer */
    CHECK(init(f), "init");
    n = sizeof out;
    rv = f == VERIFY ? p->C_Verify(s, NULL, 32, mac, 32) : single(f, NULL, 32, out, &n);
    ended(name, "single-null-data", rv, f);

    CHECK(init(f), "init");
    rv = update(f, NULL, 16);
    ended(name, "update-null-data", rv, f);

    if (f != VERIFY) {
        CHECK(init(f), "init");
        rv = single(f, input(f), 32, out, NULL);
        ended(name, "single-null-length", rv, f);

        CHECK(init(f), "init");
        CHECK(update(f, input(f), 32), "update");
        rv = final(f, out, NULL);
        ended(name, "final-null-length", rv, f);
    }

    /* errors the daemon finds */
    if (f == ENCRYPT || f == DECRYPT) {
        CHECK(init(f), "init");
        n = sizeof out;
        rv = single(f, input(f), 15, out, &n); /* AES-ECB takes whole blocks */
        ended(name, "single-bad-length", rv, f);

        CHECK(init(f), "init");
        CHECK(update(f, input(f), 7), "update");
        n = sizeof out;
        rv = final(f, out, &n);
        ended(name, "final-bad-length", rv, f);
    }
    if (f == VERIFY) {
        CK_BYTE wrong[32];
        memcpy(wrong, mac, 32);
        wrong[0] ^= 1;
        CHECK(init(f), "init");
        rv = p->C_Verify(s, data, 32, wrong, 32);
        ended(name, "single-invalid", rv, f);

        CHECK(init(f), "init");
        rv = p->C_Verify(s, data, 32, mac, 7);
        ended(name, "single-wrong-length", rv, f);

        CHECK(init(f), "init");
        CHECK(update(f, data, 32), "update");
        rv = p->C_VerifyFinal(s, wrong, 32);
        ended(name, "final-invalid", rv, f);
    }

    if (f == VERIFY) {
        /* a single-part verification after an update: CKR_OPERATION_ACTIVE, and the multi-part one goes on */
        CHECK(init(f), "init");
        CHECK(update(f, data, 16), "update");
        rv = p->C_Verify(s, data, 32, mac, 32);
        CK_RV then = update(f, data + 16, 16);
        CK_RV fin = p->C_VerifyFinal(s, mac, 32);
        printf("%s-single-after-update rv=0x%lx then=0x%lx final=0x%lx\n", name, rv, then, fin);
        return;
    }

    /* a length query and CKR_BUFFER_TOO_SMALL keep the operation; the repeated call gives the same bytes */
    CHECK(init(f), "init");
    n = 0;
    CK_RV q = single(f, input(f), 32, NULL, &n);
    CK_ULONG queried = n;
    n = 1;
    CK_RV small = single(f, input(f), 32, out, &n);
    n = sizeof out;
    rv = single(f, input(f), 32, out, &n);
    printf("%s-length-query rv=0x%lx len=%lu small=0x%lx then=0x%lx match=%d\n", name, q, queried, small, rv,
           rv == CKR_OK && n == refLen && queried == refLen && memcmp(out, ref, n) == 0);

    /* a single-part call after an update: CKR_OPERATION_ACTIVE, and the multi-part operation goes on to the same result */
    CHECK(init(f), "init");
    CHECK(update(f, input(f), 16), "update");
    n = sizeof out;
    rv = single(f, input(f), 32, out, &n);
    CK_RV then = update(f, input(f) + 16, 16);
    CK_BYTE tail[64];
    CK_ULONG tailLen = sizeof tail;
    CK_RV fin = final(f, tail, &tailLen);
    int match = fin == CKR_OK;
    if (f == DIGEST || f == SIGN) match = match && tailLen == refLen && memcmp(tail, ref, refLen) == 0;
    printf("%s-single-after-update rv=0x%lx then=0x%lx final=0x%lx match=%d\n", name, rv, then, fin, match);

    /* an update after a single-part length query: CKR_OPERATION_ACTIVE, and the single-part call goes on */
    CHECK(init(f), "init");
    n = 0;
    CHECK(single(f, input(f), 32, NULL, &n), "length query");
    rv = update(f, input(f), 16);
    n = sizeof out;
    then = single(f, input(f), 32, out, &n);
    printf("%s-update-after-query rv=0x%lx then=0x%lx match=%d\n", name, rv, then, then == CKR_OK && n == refLen && memcmp(out, ref, n) == 0);

    /* a Final's length query keeps the operation: the single-part call after it is CKR_OPERATION_ACTIVE, the Final gives the result */
    CHECK(init(f), "init");
    CHECK(update(f, input(f), 32), "update");
    n = 0;
    q = final(f, NULL, &n);
    CK_ULONG outLen = sizeof out;
    rv = single(f, input(f), 32, out, &outLen);
    tailLen = sizeof tail;
    fin = final(f, tail, &tailLen);
    match = fin == CKR_OK;
    if (f == DIGEST || f == SIGN) match = match && tailLen == refLen && n == refLen && memcmp(tail, ref, refLen) == 0;
    printf("%s-final-query-then-single q=0x%lx rv=0x%lx final=0x%lx match=%d\n", name, q, rv, fin, match);

    /* a single-part length query, then the Final: CKR_OPERATION_ACTIVE, and the single-part call gives the result */
    CHECK(init(f), "init");
    n = 0;
    CHECK(single(f, input(f), 32, NULL, &n), "length query");
    tailLen = sizeof tail;
    rv = final(f, tail, &tailLen);
    n = sizeof out;
    then = single(f, input(f), 32, out, &n);
    printf("%s-single-query-then-final rv=0x%lx then=0x%lx match=%d\n", name, rv, then, then == CKR_OK && n == refLen && memcmp(out, ref, n) == 0);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: lifecycleclient MODULE SLOT USERPIN\n");
        return 1;
    }
    p = load_functions(open_module(argv[1]));
    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot = (CK_SLOT_ID)strtoul(argv[2], NULL, 10);
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p->C_Login(s, CKU_USER, (CK_UTF8CHAR *)argv[3], strlen(argv[3])), "C_Login");

    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aesType = CKK_AES, genericType = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE key[32];
    for (int i = 0; i < 32; i++) key[i] = (CK_BYTE)(i * 7 + 1);
    CK_ATTRIBUTE aesTemplate[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aesType, sizeof aesType}, {CKA_TOKEN, &no, sizeof no},
        {CKA_ENCRYPT, &yes, sizeof yes}, {CKA_DECRYPT, &yes, sizeof yes}, {CKA_VALUE, key, sizeof key},
    };
    CHECK(p->C_CreateObject(s, aesTemplate, 6, &aes), "C_CreateObject aes");
    CK_ATTRIBUTE hmacTemplate[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &genericType, sizeof genericType}, {CKA_TOKEN, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes}, {CKA_VERIFY, &yes, sizeof yes}, {CKA_VALUE, key, sizeof key},
    };
    CHECK(p->C_CreateObject(s, hmacTemplate, 6, &hmac), "C_CreateObject hmac");

    CK_ULONG n = sizeof ciphertext;
    CHECK(init(ENCRYPT), "encrypt init");
    CHECK(p->C_Encrypt(s, data, 32, ciphertext, &n), "C_Encrypt");
    n = sizeof mac;
    CHECK(init(SIGN), "sign init");
    CHECK(p->C_Sign(s, data, 32, mac, &n), "C_Sign");

    for (int f = ENCRYPT; f <= VERIFY; f++) family((enum family)f);
    printf("DONE\n");
    CHECK(p->C_Finalize(NULL), "C_Finalize");
    return 0;
}
