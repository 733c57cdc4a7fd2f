/*
 * opencryptokiclient: interfaces and behaviours written for openCryptoki, checked against the module.
 * C_GetInterfaceList / C_GetInterface (the four interfaces of openCryptoki 3.27, matching, CKR_FUNCTION_FAILED),
 * C_IBM_ReencryptSingle through the "Vendor IBM" 1.0 list, the IBM vendor attributes, attribute-array lengths,
 * CKM_RSA_X_509 on small inputs and unwrapping a DES3 key, CKM_CONCATENATE_BASE_AND_KEY.
 *
 *   opencryptokiclient MODULE SLOT USERPIN    prints one line "name rv=0x.. ..." per check, then "DONE"
 *
 * Failures of set-up calls print "FAIL <call> rv=0x.." and exit 2.
 */
#include "client.h"

#define IBM_CKA(off) (CKA_VENDOR_DEFINED + (off))
#define CKA_IBM_ATTRBOUND_ IBM_CKA(0x10004UL)
#define CKA_IBM_USE_AS_DATA_ IBM_CKA(0x10008UL)
#define CKA_IBM_STD_COMPLIANCE1_ IBM_CKA(0x1000aUL)
#define CKA_IBM_PROTKEY_EXTRACTABLE_ IBM_CKA(0x1000cUL)
#define CKA_IBM_PROTKEY_NEVER_EXTRACTABLE_ IBM_CKA(0x1000dUL)
#define CKF_INTERFACE_FORK_SAFE_ 0x1UL

/* CK_IBM_FUNCTION_LIST_1_0 of openCryptoki's pkcs11types.h */
typedef struct {
    CK_VERSION version;
    CK_RV (*C_IBM_ReencryptSingle)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE,
                                   CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
} ibm_function_list;

static CK_FUNCTION_LIST *p;

static CK_OBJECT_HANDLE secret(CK_SESSION_HANDLE s, CK_KEY_TYPE type, const CK_BYTE *value, CK_ULONG len, CK_BBOOL decrypt)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &type, sizeof type}, {CKA_TOKEN, &no, sizeof no},
        {CKA_VALUE, (void *)value, len}, {CKA_ENCRYPT, &yes, sizeof yes}, {CKA_DECRYPT, &decrypt, sizeof decrypt},
        {CKA_DERIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE h;
    CHECK(p->C_CreateObject(s, t, 8, &h), "C_CreateObject(secret)");
    return h;
}

static CK_BBOOL get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, CK_RV *rv)
{
    CK_BBOOL v = 0xff;
    CK_ATTRIBUTE a = {type, &v, sizeof v};
    *rv = p->C_GetAttributeValue(s, h, &a, 1);
    return v;
}

static void interfaces(void *module)
{
    CK_RV (*list)(v3_interface *, CK_ULONG *) = (CK_RV (*)(v3_interface *, CK_ULONG *))module_symbol(module, "C_GetInterfaceList");
    CK_RV (*get)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS) =
        (CK_RV (*)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS))module_symbol(module, "C_GetInterface");
    CK_ULONG n = 0;
    CHECK(list(NULL, &n), "C_GetInterfaceList(NULL)");
    printf("interfaces count=%lu\n", (unsigned long)n);
    v3_interface items[8];
    CK_ULONG small = 1;
    CK_RV rv = list(items, &small);
    printf("interfaces-short rv=0x%lx count=%lu\n", (unsigned long)rv, (unsigned long)small);
    CHECK(list(items, &n), "C_GetInterfaceList");
    for (CK_ULONG i = 0; i < n; i++) {
        CK_VERSION *v = (CK_VERSION *)items[i].pFunctionList;
        printf("interface %lu name=%s version=%d.%d flags=0x%lx\n", (unsigned long)i, (const char *)items[i].pInterfaceName, v->major,
               v->minor, (unsigned long)items[i].flags);
    }
    struct { const char *label; const char *name; int major, minor; CK_FLAGS flags; } asks[] = {
        {"default", NULL, -1, -1, 0},
        {"pkcs11-any", "PKCS 11", -1, -1, 0},
        {"pkcs11-3.0", "PKCS 11", 3, 0, 0},
        {"pkcs11-2.40", "PKCS 11", 2, 40, 0},
        {"vendor", "Vendor IBM", -1, -1, 0},
        {"vendor-1.0", "Vendor IBM", 1, 0, 0},
        {"any-1.0", NULL, 1, 0, 0},
        {"unknown-name", "PKCS 12", -1, -1, 0},
        {"unknown-version", "PKCS 11", 9, 9, 0},
        {"vendor-3.0", "Vendor IBM", 3, 0, 0},
        {"unoffered-flag", "PKCS 11", -1, -1, 0x80UL},
    };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        CK_VERSION v = {(CK_BYTE)asks[i].major, (CK_BYTE)asks[i].minor};
        v3_interface *found = NULL;
        rv = get((CK_UTF8CHAR *)asks[i].name, asks[i].major < 0 ? NULL : &v, &found, asks[i].flags);
        if (rv == CKR_OK) {
            CK_VERSION *fv = (CK_VERSION *)found->pFunctionList;
            printf("get-%s rv=0x0 name=%s version=%d.%d\n", asks[i].label, (const char *)found->pInterfaceName, fv->major, fv->minor);
        } else
            printf("get-%s rv=0x%lx\n", asks[i].label, (unsigned long)rv);
    }
    printf("get-null-out rv=0x%lx\n", (unsigned long)get(NULL, NULL, NULL, 0));
    v3_interface *gl = NULL;
    CK_VERSION v240 = {2, 40};
    CHECK(get((CK_UTF8CHAR *)"PKCS 11", &v240, &gl, 0), "C_GetInterface(2.40)");
    printf("v240-is-getfunctionlist=%d\n", gl->pFunctionList == (void *)p);
}

static void reencrypt(void *module, CK_SESSION_HANDLE s)
{
    v3_interface *iface = NULL;
    CK_RV (*get)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS) =
        (CK_RV (*)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS))module_symbol(module, "C_GetInterface");
    CHECK(get((CK_UTF8CHAR *)"Vendor IBM", NULL, &iface, 0), "C_GetInterface(Vendor IBM)");
    ibm_function_list *ibm = (ibm_function_list *)iface->pFunctionList;
    printf("ibm version=%d.%d exported=%d\n", ibm->version.major, ibm->version.minor,
           dlsym(module, "C_IBM_ReencryptSingle") == (void *)ibm->C_IBM_ReencryptSingle);

    CK_BYTE ka[16], kb[16], plain[20], iv1[16], iv2[16];
    for (int i = 0; i < 16; i++) { ka[i] = (CK_BYTE)(i + 1); kb[i] = (CK_BYTE)(0xA0 + i); iv1[i] = (CK_BYTE)i; iv2[i] = (CK_BYTE)(0xF0 - i); }
    for (int i = 0; i < 20; i++) plain[i] = (CK_BYTE)('a' + i);
    CK_OBJECT_HANDLE a = secret(s, CKK_AES, ka, 16, CK_TRUE), b = secret(s, CKK_AES, kb, 16, CK_TRUE);
    CK_OBJECT_HANDLE noDecrypt = secret(s, CKK_AES, ka, 16, CK_FALSE);
    CK_MECHANISM ma = {CKM_AES_CBC_PAD, iv1, 16}, mb = {CKM_AES_CBC_PAD, iv2, 16};
    CK_BYTE c1[64], c2[64], back[64];
    CK_ULONG n1 = sizeof c1;
    CHECK(p->C_EncryptInit(s, &ma, a), "C_EncryptInit(A)");
    CHECK(p->C_Encrypt(s, plain, 20, c1, &n1), "C_Encrypt(A)");

    CK_ULONG n2 = 0;
    CK_RV rv = ibm->C_IBM_ReencryptSingle(s, &ma, a, &mb, b, c1, n1, NULL, &n2);
    printf("reencrypt-length rv=0x%lx len=%lu\n", (unsigned long)rv, (unsigned long)n2);
    n2 = 8;
    rv = ibm->C_IBM_ReencryptSingle(s, &ma, a, &mb, b, c1, n1, c2, &n2);
    printf("reencrypt-short rv=0x%lx len=%lu\n", (unsigned long)rv, (unsigned long)n2);
    n2 = sizeof c2;
    rv = ibm->C_IBM_ReencryptSingle(s, &ma, a, &mb, b, c1, n1, c2, &n2);
    CK_ULONG nb = sizeof back;
    CHECK(p->C_DecryptInit(s, &mb, b), "C_DecryptInit(B)");
    CHECK(p->C_Decrypt(s, c2, n2, back, &nb), "C_Decrypt(B)");
    printf("reencrypt rv=0x%lx len=%lu plaintext-under-b=%d\n", (unsigned long)rv, (unsigned long)n2, nb == 20 && memcmp(back, plain, 20) == 0);
    n2 = sizeof c2;
    rv = ibm->C_IBM_ReencryptSingle(s, &ma, noDecrypt, &mb, b, c1, n1, c2, &n2);
    printf("reencrypt-key-without-decrypt rv=0x%lx\n", (unsigned long)rv);
    n2 = sizeof c2;
    rv = ibm->C_IBM_ReencryptSingle(s, &ma, 0x7777777, &mb, b, c1, n1, c2, &n2);
    printf("reencrypt-bad-handle rv=0x%lx\n", (unsigned long)rv);
    n2 = sizeof c2;
    rv = ibm->C_IBM_ReencryptSingle(s, &ma, a, &mb, b, c1, 7, c2, &n2);
    printf("reencrypt-bad-length rv=0x%lx\n", (unsigned long)rv);
    CHECK(p->C_EncryptInit(s, &mb, b), "C_EncryptInit(B)");
    n2 = sizeof c2;
    rv = ibm->C_IBM_ReencryptSingle(s, &ma, a, &mb, b, c1, n1, c2, &n2);
    printf("reencrypt-while-encrypting rv=0x%lx\n", (unsigned long)rv);
    n2 = sizeof c2;
    CHECK(p->C_Encrypt(s, plain, 16, c2, &n2), "C_Encrypt(B) ends the operation");
    n2 = sizeof c2;
    printf("reencrypt-null-mechanism rv=0x%lx\n", (unsigned long)ibm->C_IBM_ReencryptSingle(s, NULL, a, &mb, b, c1, n1, c2, &n2));
}

static void ibm_attributes(CK_SESSION_HANDLE s)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE value[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, sizeof no}, {CKA_VALUE, value, 16},
        {CKA_IBM_PROTKEY_EXTRACTABLE_, &yes, sizeof yes}, {CKA_IBM_ATTRBOUND_, &yes, sizeof yes}, {CKA_IBM_USE_AS_DATA_, &no, sizeof no},
    };
    CK_OBJECT_HANDLE h = 0;
    CK_RV rv = p->C_CreateObject(s, t, 7, &h), r1, r2, r3;
    printf("ibm-create rv=0x%lx\n", (unsigned long)rv);
    CK_BBOOL pe = get_bool(s, h, CKA_IBM_PROTKEY_EXTRACTABLE_, &r1), pne = get_bool(s, h, CKA_IBM_PROTKEY_NEVER_EXTRACTABLE_, &r2),
             ab = get_bool(s, h, CKA_IBM_ATTRBOUND_, &r3);
    printf("ibm-read rv=0x%lx/0x%lx/0x%lx protkey-extractable=%d protkey-never-extractable=%d attrbound=%d\n", (unsigned long)r1,
           (unsigned long)r2, (unsigned long)r3, pe, pne, ab);
    CK_ATTRIBUTE off = {CKA_IBM_PROTKEY_EXTRACTABLE_, &no, sizeof no}, on = {CKA_IBM_PROTKEY_EXTRACTABLE_, &yes, sizeof yes};
    printf("ibm-set-false rv=0x%lx\n", (unsigned long)p->C_SetAttributeValue(s, h, &off, 1));
    printf("ibm-set-true-again rv=0x%lx\n", (unsigned long)p->C_SetAttributeValue(s, h, &on, 1));
    pne = get_bool(s, h, CKA_IBM_PROTKEY_NEVER_EXTRACTABLE_, &r2);
    printf("ibm-never-stays rv=0x%lx protkey-never-extractable=%d\n", (unsigned long)r2, pne);
    CK_ATTRIBUTE bound = {CKA_IBM_ATTRBOUND_, &no, sizeof no};
    printf("ibm-set-attrbound rv=0x%lx\n", (unsigned long)p->C_SetAttributeValue(s, h, &bound, 1));

    CK_ULONG len = 16;
    CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_ATTRIBUTE g[] = {{CKA_VALUE_LEN, &len, sizeof len}, {CKA_TOKEN, &no, sizeof no}};
    CK_OBJECT_HANDLE k;
    CHECK(p->C_GenerateKey(s, &gen, g, 2, &k), "C_GenerateKey(AES)");
    pe = get_bool(s, k, CKA_IBM_PROTKEY_EXTRACTABLE_, &r1);
    pne = get_bool(s, k, CKA_IBM_PROTKEY_NEVER_EXTRACTABLE_, &r2);
    printf("ibm-generated protkey-extractable=%d protkey-never-extractable=%d\n", pe, pne);
    CK_ATTRIBUTE never[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, value, 16},
                            {CKA_IBM_PROTKEY_NEVER_EXTRACTABLE_, &yes, sizeof yes}};
    printf("ibm-create-never rv=0x%lx\n", (unsigned long)p->C_CreateObject(s, never, 4, &h));
    CK_ULONG compliance = 1;
    CK_ATTRIBUTE std[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, value, 16},
                          {CKA_IBM_STD_COMPLIANCE1_, &compliance, sizeof compliance}};
    printf("ibm-create-std-compliance rv=0x%lx\n", (unsigned long)p->C_CreateObject(s, std, 4, &h));
}

static void attribute_arrays(CK_SESSION_HANDLE s)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG vlen = 32;
    CK_ATTRIBUTE inner[] = {{CKA_EXTRACTABLE, &no, sizeof no}, {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_VALUE_LEN, &vlen, sizeof vlen}};
    CK_BYTE value[16] = {0};
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, sizeof no}, {CKA_VALUE, value, 16},
                        {CKA_WRAP, &yes, sizeof yes}, {CKA_WRAP_TEMPLATE, inner, sizeof inner}};
    CK_OBJECT_HANDLE h;
    CHECK(p->C_CreateObject(s, t, 6, &h), "C_CreateObject(wrap template)");
    CK_ATTRIBUTE q = {CKA_WRAP_TEMPLATE, NULL, 0};
    CK_RV rv = p->C_GetAttributeValue(s, h, &q, 1);
    printf("array-length rv=0x%lx len=%lu expected=%lu\n", (unsigned long)rv, (unsigned long)q.ulValueLen, (unsigned long)(3 * sizeof(CK_ATTRIBUTE)));
    CK_ATTRIBUTE out[3] = {{0, NULL, 0}, {0, NULL, 0}, {0, NULL, 0}};
    q.pValue = out;
    q.ulValueLen = sizeof out;
    rv = p->C_GetAttributeValue(s, h, &q, 1);
    printf("array-types rv=0x%lx len=%lu types=%lx,%lx,%lx lens=%lu,%lu,%lu\n", (unsigned long)rv, (unsigned long)q.ulValueLen,
           (unsigned long)out[0].type, (unsigned long)out[1].type, (unsigned long)out[2].type, (unsigned long)out[0].ulValueLen,
           (unsigned long)out[1].ulValueLen, (unsigned long)out[2].ulValueLen);
    q.ulValueLen = 2 * sizeof(CK_ATTRIBUTE);
    rv = p->C_GetAttributeValue(s, h, &q, 1);
    printf("array-short rv=0x%lx unavailable=%d\n", (unsigned long)rv, q.ulValueLen == CK_UNAVAILABLE_INFORMATION);
    CK_ATTRIBUTE u = {CKA_UNWRAP_TEMPLATE, NULL, 0};
    rv = p->C_GetAttributeValue(s, h, &u, 1);
    printf("array-absent rv=0x%lx len=%lu\n", (unsigned long)rv, (unsigned long)u.ulValueLen);
}

static void raw_rsa(CK_SESSION_HANDLE s)
{
    CK_ULONG bits = 2048;
    CK_BYTE e[] = {1, 0, 1};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE pubT[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, e, 3}, {CKA_TOKEN, &no, sizeof no},
                           {CKA_WRAP, &yes, sizeof yes}, {CKA_ENCRYPT, &yes, sizeof yes}, {CKA_VERIFY_RECOVER, &yes, sizeof yes}};
    CK_ATTRIBUTE privT[] = {{CKA_TOKEN, &no, sizeof no}, {CKA_UNWRAP, &yes, sizeof yes}, {CKA_SIGN, &yes, sizeof yes},
                            {CKA_SIGN_RECOVER, &yes, sizeof yes}, {CKA_DECRYPT, &yes, sizeof yes}};
    CK_MECHANISM gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE pub, priv;
    CHECK(p->C_GenerateKeyPair(s, &gen, pubT, 6, privT, 5, &pub, &priv), "C_GenerateKeyPair(RSA)");
    CK_MECHANISM raw = {CKM_RSA_X_509, NULL, 0};
    CK_BYTE zero[1] = {0}, one[1] = {1}, out[256], rec[256];
    for (int i = 0; i < 2; i++) {
        CK_BYTE *in = i == 0 ? zero : one;
        const char *name = i == 0 ? "00" : "01";
        CK_ULONG n = sizeof out;
        CHECK(p->C_EncryptInit(s, &raw, pub), "C_EncryptInit(X.509)");
        CK_RV rv = p->C_Encrypt(s, in, 1, out, &n);
        int same = 1;
        for (CK_ULONG j = 0; j + 1 < n; j++) same &= out[j] == 0;
        printf("x509-encrypt-%s rv=0x%lx len=%lu value-kept=%d\n", name, (unsigned long)rv, (unsigned long)n, same && n == 256 && out[255] == in[0]);
        n = sizeof out;
        CHECK(p->C_SignInit(s, &raw, priv), "C_SignInit(X.509)");
        rv = p->C_Sign(s, in, 1, out, &n);
        printf("x509-sign-%s rv=0x%lx len=%lu last=%02x\n", name, (unsigned long)rv, (unsigned long)n, out[255]);
        n = sizeof out;
        CHECK(p->C_SignRecoverInit(s, &raw, priv), "C_SignRecoverInit(X.509)");
        rv = p->C_SignRecover(s, in, 1, out, &n);
        CK_ULONG m = sizeof rec;
        CHECK(p->C_VerifyRecoverInit(s, &raw, pub), "C_VerifyRecoverInit(X.509)");
        CK_RV rv2 = p->C_VerifyRecover(s, out, n, rec, &m);
        printf("x509-signrecover-%s rv=0x%lx recover rv=0x%lx last=%02x\n", name, (unsigned long)rv, (unsigned long)rv2, rec[m - 1]);
    }

    /* C_UnwrapKey with CKM_RSA_X_509 of a DES3 key: the key is the end of the decrypted block. */
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE des3 = CKK_DES3;
    CK_BYTE v[24];
    for (int i = 0; i < 24; i++) v[i] = (CK_BYTE)(0x31 + 2 * i);
    CK_ATTRIBUTE dt[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &des3, sizeof des3}, {CKA_TOKEN, &no, sizeof no}, {CKA_VALUE, v, 24},
                         {CKA_EXTRACTABLE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE key, back = 0;
    CHECK(p->C_CreateObject(s, dt, 5, &key), "C_CreateObject(DES3)");
    CK_BYTE wrapped[256];
    CK_ULONG wn = sizeof wrapped;
    CHECK(p->C_WrapKey(s, &raw, pub, key, wrapped, &wn), "C_WrapKey(X.509)");
    CK_ATTRIBUTE ut[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &des3, sizeof des3}, {CKA_TOKEN, &no, sizeof no},
                         {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_SENSITIVE, &no, sizeof no}};
    CK_RV rv = p->C_UnwrapKey(s, &raw, priv, wrapped, wn, ut, 5, &back);
    CK_BYTE got[32];
    CK_ATTRIBUTE gv = {CKA_VALUE, got, sizeof got};
    if (rv == CKR_OK) CHECK(p->C_GetAttributeValue(s, back, &gv, 1), "C_GetAttributeValue(unwrapped)");
    printf("x509-unwrap-des3 rv=0x%lx wrapped=%lu same=%d\n", (unsigned long)rv, (unsigned long)wn, rv == CKR_OK && gv.ulValueLen == 24 && memcmp(got, v, 24) == 0);
}

static void concatenate(CK_SESSION_HANDLE s, CK_SLOT_ID slot)
{
    CK_ULONG n = 0;
    CHECK(p->C_GetMechanismList(slot, NULL, &n), "C_GetMechanismList(NULL)");
    CK_MECHANISM_TYPE *types = calloc(n, sizeof *types);
    CHECK(p->C_GetMechanismList(slot, types, &n), "C_GetMechanismList");
    int listed = 0;
    for (CK_ULONG i = 0; i < n; i++) listed |= types[i] == CKM_CONCATENATE_BASE_AND_KEY;
    free(types);
    CK_MECHANISM_INFO info;
    CK_RV rv = p->C_GetMechanismInfo(slot, CKM_CONCATENATE_BASE_AND_KEY, &info);
    printf("concat-listed=%d info rv=0x%lx derive=%d\n", listed, (unsigned long)rv, (info.flags & CKF_DERIVE) != 0);
    CK_BYTE a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[4] = {0xa1, 0xa2, 0xa3, 0xa4};
    CK_OBJECT_HANDLE ha = secret(s, CKK_GENERIC_SECRET, a, 8, CK_TRUE), hb = secret(s, CKK_GENERIC_SECRET, b, 4, CK_TRUE);
    CK_MECHANISM m = {CKM_CONCATENATE_BASE_AND_KEY, &hb, sizeof hb};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE gs = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &gs, sizeof gs}, {CKA_TOKEN, &no, sizeof no}, {CKA_SENSITIVE, &no, sizeof no}};
    CK_OBJECT_HANDLE d = 0;
    rv = p->C_DeriveKey(s, &m, ha, t, 4, &d);
    CK_BYTE got[16];
    CK_ATTRIBUTE gv = {CKA_VALUE, got, sizeof got};
    if (rv == CKR_OK) CHECK(p->C_GetAttributeValue(s, d, &gv, 1), "C_GetAttributeValue(derived)");
    printf("concat-derive rv=0x%lx len=%lu ab=%d\n", (unsigned long)rv, (unsigned long)gv.ulValueLen,
           rv == CKR_OK && gv.ulValueLen == 12 && memcmp(got, a, 8) == 0 && memcmp(got + 8, b, 4) == 0);
    CK_OBJECT_HANDLE bad = 0x7777777;
    CK_MECHANISM mbad = {CKM_CONCATENATE_BASE_AND_KEY, &bad, sizeof bad};
    printf("concat-bad-handle rv=0x%lx\n", (unsigned long)p->C_DeriveKey(s, &mbad, ha, t, 4, &d));
    CK_MECHANISM mshort = {CKM_CONCATENATE_BASE_AND_KEY, &hb, 4};
    printf("concat-short-parameter rv=0x%lx\n", (unsigned long)p->C_DeriveKey(s, &mshort, ha, t, 4, &d));
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: opencryptokiclient MODULE SLOT USERPIN\n");
        return 1;
    }
    void *module = open_module(argv[1]);
    p = load_functions(module);
    CK_SLOT_ID slot = strtoul(argv[2], NULL, 10);
    interfaces(module);
    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SESSION_HANDLE s;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p->C_Login(s, CKU_USER, (CK_UTF8CHAR *)argv[3], strlen(argv[3])), "C_Login");
    reencrypt(module, s);
    ibm_attributes(s);
    attribute_arrays(s);
    raw_rsa(s);
    concatenate(s, slot);
    p->C_Finalize(NULL);
    printf("DONE\n");
    fflush(stdout);
    return 0;
}
