using System.Runtime.InteropServices;

// Cryptoki ABI structures for Linux LP64: CK_ULONG = 8 bytes, natural alignment (no packing).
// Field names follow the specification.
// ReSharper disable InconsistentNaming
namespace OpenCryptokiActors.Native.Interop;

[StructLayout(LayoutKind.Sequential)]
internal struct CK_VERSION
{
    public byte major;
    public byte minor;

    public CK_VERSION(byte major, byte minor)
    {
        this.major = major;
        this.minor = minor;
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_INFO
{
    public CK_VERSION cryptokiVersion;
    public fixed byte manufacturerID[32];
    public ulong flags;
    public fixed byte libraryDescription[32];
    public CK_VERSION libraryVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_SLOT_INFO
{
    public fixed byte slotDescription[64];
    public fixed byte manufacturerID[32];
    public ulong flags;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_TOKEN_INFO
{
    public fixed byte label[32];
    public fixed byte manufacturerID[32];
    public fixed byte model[16];
    public fixed byte serialNumber[16];
    public ulong flags;
    public ulong ulMaxSessionCount;
    public ulong ulSessionCount;
    public ulong ulMaxRwSessionCount;
    public ulong ulRwSessionCount;
    public ulong ulMaxPinLen;
    public ulong ulMinPinLen;
    public ulong ulTotalPublicMemory;
    public ulong ulFreePublicMemory;
    public ulong ulTotalPrivateMemory;
    public ulong ulFreePrivateMemory;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
    public fixed byte utcTime[16];
}

[StructLayout(LayoutKind.Sequential)]
internal struct CK_SESSION_INFO
{
    public ulong slotID;
    public ulong state;
    public ulong flags;
    public ulong ulDeviceError;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CK_MECHANISM_INFO
{
    public ulong ulMinKeySize;
    public ulong ulMaxKeySize;
    public ulong flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_ATTRIBUTE
{
    public ulong type;
    public void* pValue;
    public ulong ulValueLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_MECHANISM
{
    public ulong mechanism;
    public void* pParameter;
    public ulong ulParameterLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_C_INITIALIZE_ARGS
{
    public void* CreateMutex;
    public void* DestroyMutex;
    public void* LockMutex;
    public void* UnlockMutex;
    public ulong flags;
    public void* pReserved;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_INTERFACE
{
    public byte* pInterfaceName;
    public void* pFunctionList;
    public ulong flags;
}

/// <summary>CK_GCM_PARAMS as in PKCS#11 2.40 errata / 3.0 (48 bytes, with ulIvBits).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_GCM_PARAMS
{
    public byte* pIv;
    public ulong ulIvLen;
    public ulong ulIvBits;
    public byte* pAAD;
    public ulong ulAADLen;
    public ulong ulTagBits;
}

/// <summary>CK_GCM_MESSAGE_PARAMS (3.0, 48 bytes): per-message parameter of AES-GCM in the message-based functions.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_GCM_MESSAGE_PARAMS
{
    public byte* pIv;
    public ulong ulIvLen;
    public ulong ulIvFixedBits;
    public ulong ivGenerator;
    public byte* pTag;
    public ulong ulTagBits;
}

/// <summary>CK_CCM_MESSAGE_PARAMS (3.0, 56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_CCM_MESSAGE_PARAMS
{
    public ulong ulDataLen;
    public byte* pNonce;
    public ulong ulNonceLen;
    public ulong ulNonceFixedBits;
    public ulong nonceGenerator;
    public byte* pMAC;
    public ulong ulMACLen;
}

/// <summary>CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS (3.0, 24 bytes): the tag is always 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS
{
    public byte* pNonce;
    public ulong ulNonceLen;
    public byte* pTag;
}

/// <summary>CK_GCM_PARAMS as in the original 2.40 header (40 bytes, no ulIvBits), still used by older callers.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_GCM_PARAMS_V240
{
    public byte* pIv;
    public ulong ulIvLen;
    public byte* pAAD;
    public ulong ulAADLen;
    public ulong ulTagBits;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_RSA_PKCS_OAEP_PARAMS
{
    public ulong hashAlg;
    public ulong mgf;
    public ulong source;
    public void* pSourceData;
    public ulong ulSourceDataLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_ECDH1_DERIVE_PARAMS
{
    public ulong kdf;
    public ulong ulSharedDataLen;
    public byte* pSharedData;
    public ulong ulPublicDataLen;
    public byte* pPublicData;
}

/// <summary>CK_SSL3_KEY_MAT_OUT: the handles and IV buffers a TLS/SSL3 key and MAC derivation fills in (48 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_SSL3_KEY_MAT_OUT
{
    public ulong hClientMacSecret;
    public ulong hServerMacSecret;
    public ulong hClientKey;
    public ulong hServerKey;
    public byte* pIVClient;
    public byte* pIVServer;
}
