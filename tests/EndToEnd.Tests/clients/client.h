/*
 * client.h: what the C test clients share. Loading the module (dlopen, C_GetFunctionList, C_GetInterface), CHECK for
 * set-up calls, and output helpers. Debian's p11-kit pkcs11.h (libp11-kit-dev) predates PKCS#11 3.0, so the 3.0 and 3.2
 * function lists are declared here as the specification lays them out.
 */
#ifndef OCK_TEST_CLIENT_H
#define OCK_TEST_CLIENT_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <p11-kit/pkcs11.h>

/* A set-up call that must succeed: otherwise "FAIL <name> rv=0x.." and exit 2. */
#define CHECK(call, name)                                                          \
    do {                                                                           \
        CK_RV rv_ = (call);                                                        \
        if (rv_ != CKR_OK) {                                                       \
            printf("FAIL %s rv=0x%lx\n", name, (unsigned long)rv_);                \
            fflush(stdout);                                                        \
            exit(2);                                                               \
        }                                                                          \
    } while (0)

/* CK_INTERFACE */
typedef struct {
    CK_UTF8CHAR *pInterfaceName;
    void *pFunctionList; /* starts with a CK_VERSION */
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
    CK_RV (*C_EncryptMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
    CK_RV (*C_EncryptMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG);
    CK_RV (*C_EncryptMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *, CK_FLAGS);
    CK_RV (*C_MessageEncryptFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_MessageDecryptInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
    CK_RV (*C_DecryptMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
    CK_RV (*C_DecryptMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG);
    CK_RV (*C_DecryptMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *, CK_FLAGS);
    CK_RV (*C_MessageDecryptFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_MessageSignInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
    CK_RV (*C_SignMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
    CK_RV (*C_SignMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG);
    CK_RV (*C_SignMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
    CK_RV (*C_MessageSignFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_MessageVerifyInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
    CK_RV (*C_VerifyMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG);
    CK_RV (*C_VerifyMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG);
    CK_RV (*C_VerifyMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG);
    CK_RV (*C_MessageVerifyFinal)(CK_SESSION_HANDLE);
} v3_function_list;

/* CK_FUNCTION_LIST_3_2: the 3.0 list followed by the 3.2 additions (pkcs11f.h of PKCS#11 3.2). */
typedef struct {
    v3_function_list base30;
    CK_RV (*C_EncapsulateKey)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_ATTRIBUTE *, CK_ULONG, CK_BYTE *, CK_ULONG *, CK_OBJECT_HANDLE *);
    CK_RV (*C_DecapsulateKey)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_ATTRIBUTE *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_OBJECT_HANDLE *);
    CK_RV (*C_VerifySignatureInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_BYTE *, CK_ULONG);
    CK_RV (*C_VerifySignature)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
    CK_RV (*C_VerifySignatureUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
    CK_RV (*C_VerifySignatureFinal)(CK_SESSION_HANDLE);
    CK_RV (*C_GetSessionValidationFlags)(CK_SESSION_HANDLE, CK_ULONG, CK_FLAGS *);
    void *C_AsyncComplete, *C_AsyncGetID, *C_AsyncJoin, *C_WrapKeyAuthenticated, *C_UnwrapKeyAuthenticated;
} v32_function_list;

#define V32_CKA_PARAMETER_SET 0x61DUL
#define V32_CKF_ENCAPSULATE 0x10000000UL
#define V32_CKF_DECAPSULATE 0x20000000UL

/* dlopen of the module; "FAIL dlopen ..." and exit 3 when it does not load. */
static inline void *open_module(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        printf("FAIL dlopen %s\n", dlerror());
        exit(3);
    }
    return h;
}

/* A symbol the module must export; "FAIL dlsym ..." and exit 3 otherwise. */
static inline void *module_symbol(void *module, const char *name)
{
    void *f = dlsym(module, name);
    if (f == NULL) {
        printf("FAIL dlsym %s\n", name);
        exit(3);
    }
    return f;
}

/* The 2.40 function list (C_GetFunctionList). */
static inline CK_FUNCTION_LIST *load_functions(void *module)
{
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR) = (CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR))module_symbol(module, "C_GetFunctionList");
    CK_FUNCTION_LIST *list = NULL;
    CHECK(get(&list), "C_GetFunctionList");
    return list;
}

/* The function list of interface "PKCS 11" at the given version (C_GetInterface). */
static inline void *load_interface(void *module, CK_BYTE major, CK_BYTE minor)
{
    CK_RV (*get)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS) =
        (CK_RV (*)(CK_UTF8CHAR *, CK_VERSION *, v3_interface **, CK_FLAGS))module_symbol(module, "C_GetInterface");
    CK_VERSION version = {major, minor};
    v3_interface *iface = NULL;
    char what[48];
    snprintf(what, sizeof what, "C_GetInterface(%d.%d)", major, minor);
    CHECK(get((CK_UTF8CHAR *)"PKCS 11", &version, &iface, 0), what);
    return iface->pFunctionList;
}

static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* " label=<hex>" */
static inline void print_hex(const char *label, const CK_BYTE *b, CK_ULONG n)
{
    printf(" %s=", label);
    for (CK_ULONG i = 0; i < n; i++) printf("%02x", b[i]);
}

#endif
