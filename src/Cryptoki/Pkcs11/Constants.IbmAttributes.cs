// openCryptoki's IBM vendor attributes (pkcs11types.h of openCryptoki 3.27: CKA_VENDOR_DEFINED + offset), written by hand
// like Constants.Pkcs11v3.cs: the p11-kit header Constants.g.cs was generated from does not have them.
namespace OpenCryptokiActors.Cryptoki.Pkcs11;

public static partial class CKA
{
    /// <summary>The object may have rights removed but not added (EP11 only; the soft token refuses it).</summary>
    public const ulong IBM_RESTRICTABLE = VENDOR_DEFINED + 0x10001UL;

    /// <summary>The object was created with CKA_MODIFIABLE FALSE (EP11 only; the soft token refuses it).</summary>
    public const ulong IBM_NEVER_MODIFIABLE = VENDOR_DEFINED + 0x10002UL;

    /// <summary>HSM-resident object (EP11 only).</summary>
    public const ulong IBM_RETAINKEY = VENDOR_DEFINED + 0x10003UL;

    /// <summary>CK_BBOOL: the key must be transported with its attributes, never separated from them.</summary>
    public const ulong IBM_ATTRBOUND = VENDOR_DEFINED + 0x10004UL;

    public const ulong IBM_KEYTYPE = VENDOR_DEFINED + 0x10005UL;
    public const ulong IBM_CV = VENDOR_DEFINED + 0x10006UL;
    public const ulong IBM_MACKEY = VENDOR_DEFINED + 0x10007UL;

    /// <summary>CK_BBOOL: the key may be used as data of other operations (hashing, key derivation).</summary>
    public const ulong IBM_USE_AS_DATA = VENDOR_DEFINED + 0x10008UL;

    public const ulong IBM_STRUCT_PARAMS = VENDOR_DEFINED + 0x10009UL;

    /// <summary>CK_ULONG bit field of compliance modes (EP11 only; the soft token refuses it).</summary>
    public const ulong IBM_STD_COMPLIANCE1 = VENDOR_DEFINED + 0x1000AUL;

    /// <summary>CK_BBOOL: the key may be exported only as a protected key (CPACF); default FALSE.</summary>
    public const ulong IBM_PROTKEY_EXTRACTABLE = VENDOR_DEFINED + 0x1000CUL;

    /// <summary>CK_BBOOL, kept by the token: TRUE when CKA_IBM_PROTKEY_EXTRACTABLE has never been TRUE.</summary>
    public const ulong IBM_PROTKEY_NEVER_EXTRACTABLE = VENDOR_DEFINED + 0x1000DUL;
}
