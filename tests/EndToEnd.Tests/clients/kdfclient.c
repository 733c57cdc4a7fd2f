/*
 * kdfclient: C_DeriveKey through the module with the PKCS#11 3.0 SP 800-108 KDF parameters (Debian's p11-kit
 * pkcs11.h has no 3.0 types, so CK_SP800_108_* are declared here with the layout of the 3.0 header), and the TLS/SSL3
 * master key derivations with their CK_VERSION output.
 * Compiled by the tests with gcc against p11-kit's pkcs11.h (Debian libp11-kit-dev), -ldl.
 *
 *   kdfclient MODULE SLOT USERPIN    prints one line "name rv=0x.. ..." per check (key values in hex), then "DONE"
 *
 * Failures of set-up calls print "FAIL <call> rv=0x.." and exit 2.
 */
#include "client.h"

#define CKM_SP800_108_COUNTER_KDF 0x3acUL
#define CKM_SP800_108_FEEDBACK_KDF 0x3adUL
#define CKM_SP800_108_DOUBLE_PIPELINE_KDF 0x3aeUL
#define CK_SP800_108_ITERATION_VARIABLE 1UL
#define CK_SP800_108_OPTIONAL_COUNTER 2UL
#define CK_SP800_108_DKM_LENGTH 3UL
#define CK_SP800_108_BYTE_ARRAY 4UL
#define CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS 1UL

typedef struct { CK_ULONG type; CK_VOID_PTR pValue; CK_ULONG ulValueLen; } CK_PRF_DATA_PARAM;
typedef struct { CK_BBOOL bLittleEndian; CK_ULONG ulWidthInBits; } CK_SP800_108_COUNTER_FORMAT;
typedef struct { CK_ULONG dkmLengthMethod; CK_BBOOL bLittleEndian; CK_ULONG ulWidthInBits; } CK_SP800_108_DKM_LENGTH_FORMAT;
typedef struct { CK_ATTRIBUTE_PTR pTemplate; CK_ULONG ulAttributeCount; CK_OBJECT_HANDLE_PTR phKey; } CK_DERIVED_KEY;
typedef struct {
    CK_MECHANISM_TYPE prfType;
    CK_ULONG ulNumberOfDataParams;
    CK_PRF_DATA_PARAM *pDataParams;
    CK_ULONG ulAdditionalDerivedKeys;
    CK_DERIVED_KEY *pAdditionalDerivedKeys;
} CK_SP800_108_KDF_PARAMS;
typedef struct {
    CK_MECHANISM_TYPE prfType;
    CK_ULONG ulNumberOfDataParams;
    CK_PRF_DATA_PARAM *pDataParams;
    CK_ULONG ulIVLen;
    CK_BYTE_PTR pIV;
    CK_ULONG ulAdditionalDerivedKeys;
    CK_DERIVED_KEY *pAdditionalDerivedKeys;
} CK_SP800_108_FEEDBACK_KDF_PARAMS;

/* The TLS/SSL3 parameter structures (not in p11-kit's header either). */
typedef struct { CK_BYTE_PTR pClientRandom; CK_ULONG ulClientRandomLen; CK_BYTE_PTR pServerRandom; CK_ULONG ulServerRandomLen; } CK_SSL3_RANDOM_DATA;
typedef struct { CK_SSL3_RANDOM_DATA RandomInfo; CK_VERSION *pVersion; } CK_SSL3_MASTER_KEY_DERIVE_PARAMS;
typedef struct { CK_SSL3_RANDOM_DATA RandomInfo; CK_VERSION *pVersion; CK_MECHANISM_TYPE prfHashMechanism; } CK_TLS12_MASTER_KEY_DERIVE_PARAMS;
typedef struct {
    CK_OBJECT_HANDLE hClientMacSecret, hServerMacSecret, hClientKey, hServerKey;
    CK_BYTE_PTR pIVClient, pIVServer;
} CK_SSL3_KEY_MAT_OUT;
typedef struct {
    CK_ULONG ulMacSizeInBits, ulKeySizeInBits, ulIVSizeInBits;
    CK_BBOOL bIsExport;
    CK_SSL3_RANDOM_DATA RandomInfo;
    CK_SSL3_KEY_MAT_OUT *pReturnedKeyMaterial;
    CK_MECHANISM_TYPE prfHashMechanism;
} CK_TLS12_KEY_MAT_PARAMS;

static CK_FUNCTION_LIST *p;


/* Prints the CKA_VALUE of a derived key (derived keys here are not sensitive). */
static void value(CK_SESSION_HANDLE s, const char *label, CK_OBJECT_HANDLE h)
{
    CK_BYTE v[256];
    CK_ATTRIBUTE a = {CKA_VALUE, v, sizeof v};
    CK_RV rv = p->C_GetAttributeValue(s, h, &a, 1);
    if (rv != CKR_OK) {
        printf(" %s=rv0x%lx", label, rv);
        return;
    }
    print_hex(label, v, a.ulValueLen);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: kdfclient MODULE SLOT USERPIN\n");
        return 1;
    }
    p = load_functions(open_module(argv[1]));
    CHECK(p->C_Initialize(NULL), "C_Initialize");
    CK_SLOT_ID slot = (CK_SLOT_ID)strtoul(argv[2], NULL, 10);
    CK_SESSION_HANDLE s;
    CHECK(p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), "C_OpenSession");
    CHECK(p->C_Login(s, CKU_USER, (CK_UTF8CHAR *)argv[3], strlen(argv[3])), "C_Login");

    /* The base key: 32 bytes 00..1f, generic secret, CKA_DERIVE. */
    CK_OBJECT_CLASS secretClass = CKO_SECRET_KEY;
    CK_KEY_TYPE generic = CKK_GENERIC_SECRET, aes = CKK_AES;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE baseValue[32];
    for (int i = 0; i < 32; i++) baseValue[i] = (CK_BYTE)i;
    CK_ATTRIBUTE baseTemplate[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &generic, sizeof generic},
        {CKA_TOKEN, &no, sizeof no}, {CKA_VALUE, baseValue, sizeof baseValue}, {CKA_DERIVE, &yes, sizeof yes},
    };
    CK_OBJECT_HANDLE base;
    CHECK(p->C_CreateObject(s, baseTemplate, 5, &base), "C_CreateObject");

    CK_ULONG len16 = 16, len40 = 40;
    CK_ATTRIBUTE aesTemplate[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE_LEN, &len16, sizeof len16},
        {CKA_SENSITIVE, &no, sizeof no}, {CKA_EXTRACTABLE, &yes, sizeof yes}, {CKA_TOKEN, &no, sizeof no},
    };
    CK_ATTRIBUTE genericTemplate[] = {
        {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_VALUE_LEN, &len40, sizeof len40},
        {CKA_SENSITIVE, &no, sizeof no}, {CKA_TOKEN, &no, sizeof no},
    };

    /* ---- counter mode: [i]32 || "label" || [L]16 (sum of keys), an AES key and one 40-byte additional key ---- */
    CK_SP800_108_COUNTER_FORMAT counter = {CK_FALSE, 32};
    CK_SP800_108_DKM_LENGTH_FORMAT dkm = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 16};
    CK_BYTE label[] = "label";
    CK_PRF_DATA_PARAM data[] = {
        {CK_SP800_108_ITERATION_VARIABLE, &counter, sizeof counter},
        {CK_SP800_108_BYTE_ARRAY, label, 5},
        {CK_SP800_108_DKM_LENGTH, &dkm, sizeof dkm},
    };
    CK_OBJECT_HANDLE extra = 12345;
    CK_DERIVED_KEY more[] = {{genericTemplate, 4, &extra}};
    CK_SP800_108_KDF_PARAMS kdf = {CKM_SHA256_HMAC, 3, data, 1, more};
    CK_MECHANISM counterMech = {CKM_SP800_108_COUNTER_KDF, &kdf, sizeof kdf};
    CK_OBJECT_HANDLE derived = 0;
    CK_RV rv = p->C_DeriveKey(s, &counterMech, base, aesTemplate, 6, &derived);
    printf("counter rv=0x%lx distinct=%d", rv, derived != 0 && extra != 0 && extra != 12345 && extra != derived);
    value(s, "key", derived);
    value(s, "extra", extra);
    printf("\n");

    /* ---- feedback mode: K(i-1) || [i]8 || "label", IV 16 bytes ---- */
    CK_SP800_108_COUNTER_FORMAT counter8 = {CK_FALSE, 8};
    CK_PRF_DATA_PARAM feedbackData[] = {
        {CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
        {CK_SP800_108_OPTIONAL_COUNTER, &counter8, sizeof counter8},
        {CK_SP800_108_BYTE_ARRAY, label, 5},
    };
    CK_BYTE iv[16];
    for (int i = 0; i < 16; i++) iv[i] = (CK_BYTE)(0xf0 + i);
    CK_SP800_108_FEEDBACK_KDF_PARAMS feedback = {CKM_SHA256_HMAC, 3, feedbackData, sizeof iv, iv, 0, NULL};
    CK_MECHANISM feedbackMech = {CKM_SP800_108_FEEDBACK_KDF, &feedback, sizeof feedback};
    CK_ULONG len48 = 48;
    CK_ATTRIBUTE generic48[] = {
        {CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_VALUE_LEN, &len48, sizeof len48},
        {CKA_SENSITIVE, &no, sizeof no}, {CKA_TOKEN, &no, sizeof no},
    };
    rv = p->C_DeriveKey(s, &feedbackMech, base, generic48, 5, &derived);
    printf("feedback rv=0x%lx", rv);
    value(s, "key", derived);
    printf("\n");

    /* ---- double pipeline: A(i) chaining, "label" ---- */
    CK_PRF_DATA_PARAM pipelineData[] = {
        {CK_SP800_108_ITERATION_VARIABLE, NULL, 0},
        {CK_SP800_108_BYTE_ARRAY, label, 5},
    };
    CK_SP800_108_KDF_PARAMS pipeline = {CKM_SHA256_HMAC, 2, pipelineData, 0, NULL};
    CK_MECHANISM pipelineMech = {CKM_SP800_108_DOUBLE_PIPELINE_KDF, &pipeline, sizeof pipeline};
    rv = p->C_DeriveKey(s, &pipelineMech, base, generic48, 5, &derived);
    printf("pipeline rv=0x%lx", rv);
    value(s, "key", derived);
    printf("\n");

    /* ---- errors: a 12-bit counter; a NULL phKey of an additional key; a feedback-sized parameter for the counter KDF ---- */
    CK_SP800_108_COUNTER_FORMAT counter12 = {CK_FALSE, 12};
    data[0].pValue = &counter12;
    extra = 777;
    rv = p->C_DeriveKey(s, &counterMech, base, aesTemplate, 6, &derived);
    printf("counter-width-12 rv=0x%lx extra-reset=%d\n", rv, extra == 0);
    data[0].pValue = &counter;
    more[0].phKey = NULL;
    rv = p->C_DeriveKey(s, &counterMech, base, aesTemplate, 6, &derived);
    printf("counter-null-phkey rv=0x%lx\n", rv);
    CK_MECHANISM wrongSize = {CKM_SP800_108_COUNTER_KDF, &feedback, sizeof feedback};
    rv = p->C_DeriveKey(s, &wrongSize, base, aesTemplate, 6, &derived);
    printf("counter-wrong-size rv=0x%lx\n", rv);

    /* ---- TLS 1.2 and SSL3 master key derivation: the CK_VERSION of the pre-master secret comes back through pVersion ---- */
    CK_VERSION tlsVersion = {3, 3};
    CK_MECHANISM preGen = {CKM_TLS_PRE_MASTER_KEY_GEN, &tlsVersion, sizeof tlsVersion};
    CK_ATTRIBUTE preTemplate[] = {{CKA_TOKEN, &no, sizeof no}, {CKA_DERIVE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE pre;
    CHECK(p->C_GenerateKey(s, &preGen, preTemplate, 2, &pre), "C_GenerateKey");
    CK_BYTE clientRandom[32], serverRandom[32];
    for (int i = 0; i < 32; i++) {
        clientRandom[i] = (CK_BYTE)i;
        serverRandom[i] = (CK_BYTE)(0x80 + i);
    }
    CK_TLS12_MASTER_KEY_DERIVE_PARAMS tls12 = {{clientRandom, 32, serverRandom, 32}, NULL, CKM_SHA256};
    CK_VERSION got = {0, 0};
    tls12.pVersion = &got;
    CK_MECHANISM tls12Mech = {0x3e0UL /* CKM_TLS12_MASTER_KEY_DERIVE */, &tls12, sizeof tls12};
    CK_ATTRIBUTE masterTemplate[] = {{CKA_TOKEN, &no, sizeof no}, {CKA_DERIVE, &yes, sizeof yes}};
    CK_OBJECT_HANDLE master = 0;
    rv = p->C_DeriveKey(s, &tls12Mech, pre, masterTemplate, 2, &master);
    printf("tls12-master rv=0x%lx version=%d.%d handle=%d\n", rv, got.major, got.minor, master != 0);
    tls12.pVersion = NULL;
    rv = p->C_DeriveKey(s, &tls12Mech, pre, masterTemplate, 2, &master);
    printf("tls12-master-no-version rv=0x%lx\n", rv);
    CK_MECHANISM tls12Dh = {0x3e2UL /* CKM_TLS12_MASTER_KEY_DERIVE_DH */, &tls12, sizeof tls12};
    tls12.pVersion = &got;
    rv = p->C_DeriveKey(s, &tls12Dh, pre, masterTemplate, 2, &master);
    printf("tls12-master-dh-with-version rv=0x%lx\n", rv);
    /* ---- TLS 1.2 key and MAC derivation: CK_SSL3_KEY_MAT_OUT handles and IVs (from a readable master secret) ---- */
    CK_ATTRIBUTE readableMaster[] = {{CKA_TOKEN, &no, sizeof no}, {CKA_DERIVE, &yes, sizeof yes}, {CKA_SENSITIVE, &no, sizeof no}};
    rv = p->C_DeriveKey(s, &tls12Mech, pre, readableMaster, 3, &master);
    printf("tls12-readable-master rv=0x%lx", rv);
    value(s, "master", master);
    printf("\n");
    CK_BYTE ivClient[16], ivServer[16];
    CK_SSL3_KEY_MAT_OUT out = {0, 0, 0, 0, ivClient, ivServer};
    CK_TLS12_KEY_MAT_PARAMS keyMat = {256, 128, 128, CK_FALSE, {clientRandom, 32, serverRandom, 32}, &out, CKM_SHA256};
    CK_MECHANISM keyMatMech = {0x3e1UL /* CKM_TLS12_KEY_AND_MAC_DERIVE */, &keyMat, sizeof keyMat};
    CK_ATTRIBUTE cipherTemplate[] = {{CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, sizeof no}, {CKA_SENSITIVE, &no, sizeof no}};
    rv = p->C_DeriveKey(s, &keyMatMech, master, cipherTemplate, 3, NULL);
    printf("tls12-keymat rv=0x%lx handles=%d", rv, out.hClientMacSecret != 0 && out.hServerMacSecret != 0 && out.hClientKey != 0 && out.hServerKey != 0
        && out.hClientMacSecret != out.hServerKey && out.hClientKey != out.hServerKey);
    value(s, "clientmac", out.hClientMacSecret);
    value(s, "serverkey", out.hServerKey);
    print_hex("ivclient", ivClient, 16);
    print_hex("ivserver", ivServer, 16);
    printf("\n");
    CK_SSL3_KEY_MAT_OUT noIvs = {0, 0, 0, 0, NULL, NULL};
    keyMat.pReturnedKeyMaterial = &noIvs;
    rv = p->C_DeriveKey(s, &keyMatMech, master, cipherTemplate, 3, NULL);
    printf("tls12-keymat-null-iv-buffers rv=0x%lx\n", rv);
    CK_MECHANISM keySafeMech = {0x3e3UL /* CKM_TLS12_KEY_SAFE_DERIVE */, &keyMat, sizeof keyMat};
    keyMat.ulIVSizeInBits = 0;
    rv = p->C_DeriveKey(s, &keySafeMech, master, cipherTemplate, 3, NULL);
    printf("tls12-keysafe rv=0x%lx handles=%d\n", rv, noIvs.hClientKey != 0 && noIvs.hServerKey != 0);

    CK_VERSION sslVersion = {3, 0}, sslGot = {0, 0};
    CK_MECHANISM sslGen = {CKM_SSL3_PRE_MASTER_KEY_GEN, &sslVersion, sizeof sslVersion};
    CHECK(p->C_GenerateKey(s, &sslGen, preTemplate, 2, &pre), "C_GenerateKey");
    CK_SSL3_MASTER_KEY_DERIVE_PARAMS ssl3 = {{clientRandom, 32, serverRandom, 32}, &sslGot};
    CK_MECHANISM ssl3Mech = {CKM_SSL3_MASTER_KEY_DERIVE, &ssl3, sizeof ssl3};
    rv = p->C_DeriveKey(s, &ssl3Mech, pre, masterTemplate, 2, &master);
    printf("ssl3-master rv=0x%lx version=%d.%d\n", rv, sslGot.major, sslGot.minor);
    CK_MECHANISM ssl3Short = {CKM_SSL3_MASTER_KEY_DERIVE, &ssl3, sizeof ssl3 - 8};
    rv = p->C_DeriveKey(s, &ssl3Short, pre, masterTemplate, 2, &master);
    printf("ssl3-master-short rv=0x%lx\n", rv);

    CHECK(p->C_Logout(s), "C_Logout");
    CHECK(p->C_CloseSession(s), "C_CloseSession");
    CHECK(p->C_Finalize(NULL), "C_Finalize");
    printf("DONE\n");
    return 0;
}
