using System.Runtime.InteropServices;
using OpenCryptokiActors.Native.Exports;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// CK_FUNCTION_LIST (version 2.40, 68 entries), CK_FUNCTION_LIST_3_0 (version 3.0, 92 entries) and
/// CK_FUNCTION_LIST_3_2 (version 3.2, 104 entries: pkcs11f.h of PKCS#11 3.2) and the three CK_INTERFACEs that offer them, built once in unmanaged memory and never freed (callers keep the pointers
/// for the life of the process). Layout: CK_VERSION, padding to 8, then the function pointers in the
/// specification's order.
/// </summary>
internal static unsafe class FunctionList
{
    public const int InterfaceCount = 3;
    private const int V240Count = 68;
    private const int V30Count = 92;
    private const int V32Count = 104;

    /// <summary>The CK_FUNCTION_LIST returned by C_GetFunctionList.</summary>
    public static readonly void* V240;

    /// <summary>The CK_FUNCTION_LIST_3_0.</summary>
    public static readonly void* V30;

    /// <summary>The CK_FUNCTION_LIST_3_2.</summary>
    public static readonly void* V32;

    /// <summary>[0] "PKCS 11" 3.0 (the default), [1] "PKCS 11" 2.40, [2] "PKCS 11" 3.2.</summary>
    public static readonly CK_INTERFACE* Interfaces;

    private static readonly byte* s_name;

    static FunctionList()
    {
        var all = (void**)NativeMemory.AllocZeroed((nuint)(V32Count * sizeof(void*)));
        Fill(all);

        V240 = Build(new CK_VERSION(2, 40), all, V240Count);
        V30 = Build(new CK_VERSION(3, 0), all, V30Count);
        V32 = Build(new CK_VERSION(3, 2), all, V32Count);
        NativeMemory.Free(all);

        var name = "PKCS 11"u8;
        s_name = (byte*)NativeMemory.AllocZeroed((nuint)name.Length + 1);
        name.CopyTo(new Span<byte>(s_name, name.Length));

        Interfaces = (CK_INTERFACE*)NativeMemory.AllocZeroed((nuint)(InterfaceCount * sizeof(CK_INTERFACE)));
        Interfaces[0] = new CK_INTERFACE { pInterfaceName = s_name, pFunctionList = V30, flags = 0 };
        Interfaces[1] = new CK_INTERFACE { pInterfaceName = s_name, pFunctionList = V240, flags = 0 };
        Interfaces[2] = new CK_INTERFACE { pInterfaceName = s_name, pFunctionList = V32, flags = 0 };
    }

    private static void* Build(CK_VERSION version, void** functions, int count)
    {
        var list = (byte*)NativeMemory.AllocZeroed((nuint)(sizeof(void*) + count * sizeof(void*)));
        *(CK_VERSION*)list = version;
        Buffer.MemoryCopy(functions, list + sizeof(void*), count * sizeof(void*), count * sizeof(void*));
        return list;
    }

    /// <summary>
    /// C_GetInterface: NULL name or "PKCS 11"; NULL version → the default (3.0; 3.2 is asked for by version), otherwise the exact version;
    /// requested flags must all be offered. Null when nothing matches.
    /// </summary>
    public static CK_INTERFACE* Find(byte* name, CK_VERSION* version, ulong flags)
    {
        if (name is not null && !MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name).SequenceEqual("PKCS 11"u8)) return null;
        for (var i = 0; i < InterfaceCount; i++)
        {
            var candidate = Interfaces + i;
            var v = (CK_VERSION*)candidate->pFunctionList;
            if (version is not null && (version->major != v->major || version->minor != v->minor)) continue;
            if ((candidate->flags & flags) != flags) continue;
            return candidate;
        }

        return null;
    }

    // The specification's order: 2.40's 68 functions, then the 3.0 additions.
    private static void Fill(void** p)
    {
        p[0] = (delegate* unmanaged<void*, ulong>)&General.C_Initialize;
        p[1] = (delegate* unmanaged<void*, ulong>)&General.C_Finalize;
        p[2] = (delegate* unmanaged<CK_INFO*, ulong>)&General.C_GetInfo;
        p[3] = (delegate* unmanaged<void**, ulong>)&General.C_GetFunctionList;
        p[4] = (delegate* unmanaged<byte, ulong*, ulong*, ulong>)&SlotToken.C_GetSlotList;
        p[5] = (delegate* unmanaged<ulong, CK_SLOT_INFO*, ulong>)&SlotToken.C_GetSlotInfo;
        p[6] = (delegate* unmanaged<ulong, CK_TOKEN_INFO*, ulong>)&SlotToken.C_GetTokenInfo;
        p[7] = (delegate* unmanaged<ulong, ulong*, ulong*, ulong>)&SlotToken.C_GetMechanismList;
        p[8] = (delegate* unmanaged<ulong, ulong, CK_MECHANISM_INFO*, ulong>)&SlotToken.C_GetMechanismInfo;
        p[9] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong>)&SlotToken.C_InitToken;
        p[10] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&SlotToken.C_InitPIN;
        p[11] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong, ulong>)&SlotToken.C_SetPIN;
        p[12] = (delegate* unmanaged<ulong, ulong, void*, void*, ulong*, ulong>)&Session.C_OpenSession;
        p[13] = (delegate* unmanaged<ulong, ulong>)&Session.C_CloseSession;
        p[14] = (delegate* unmanaged<ulong, ulong>)&Session.C_CloseAllSessions;
        p[15] = (delegate* unmanaged<ulong, CK_SESSION_INFO*, ulong>)&Session.C_GetSessionInfo;
        p[16] = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Session.C_GetOperationState;
        p[17] = (delegate* unmanaged<ulong, byte*, ulong, ulong, ulong, ulong>)&Session.C_SetOperationState;
        p[18] = (delegate* unmanaged<ulong, ulong, byte*, ulong, ulong>)&Session.C_Login;
        p[19] = (delegate* unmanaged<ulong, ulong>)&Session.C_Logout;
        p[20] = (delegate* unmanaged<ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&Objects.C_CreateObject;
        p[21] = (delegate* unmanaged<ulong, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&Objects.C_CopyObject;
        p[22] = (delegate* unmanaged<ulong, ulong, ulong>)&Objects.C_DestroyObject;
        p[23] = (delegate* unmanaged<ulong, ulong, ulong*, ulong>)&Objects.C_GetObjectSize;
        p[24] = (delegate* unmanaged<ulong, ulong, CK_ATTRIBUTE*, ulong, ulong>)&Objects.C_GetAttributeValue;
        p[25] = (delegate* unmanaged<ulong, ulong, CK_ATTRIBUTE*, ulong, ulong>)&Objects.C_SetAttributeValue;
        p[26] = (delegate* unmanaged<ulong, CK_ATTRIBUTE*, ulong, ulong>)&Objects.C_FindObjectsInit;
        p[27] = (delegate* unmanaged<ulong, ulong*, ulong, ulong*, ulong>)&Objects.C_FindObjects;
        p[28] = (delegate* unmanaged<ulong, ulong>)&Objects.C_FindObjectsFinal;
        p[29] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Crypto.C_EncryptInit;
        p[30] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_Encrypt;
        p[31] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_EncryptUpdate;
        p[32] = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Crypto.C_EncryptFinal;
        p[33] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Crypto.C_DecryptInit;
        p[34] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_Decrypt;
        p[35] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_DecryptUpdate;
        p[36] = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Crypto.C_DecryptFinal;
        p[37] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong>)&Crypto.C_DigestInit;
        p[38] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_Digest;
        p[39] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&Crypto.C_DigestUpdate;
        p[40] = (delegate* unmanaged<ulong, ulong, ulong>)&Crypto.C_DigestKey;
        p[41] = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Crypto.C_DigestFinal;
        p[42] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Crypto.C_SignInit;
        p[43] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_Sign;
        p[44] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&Crypto.C_SignUpdate;
        p[45] = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Crypto.C_SignFinal;
        p[46] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Crypto.C_SignRecoverInit;
        p[47] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_SignRecover;
        p[48] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Crypto.C_VerifyInit;
        p[49] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong, ulong>)&Crypto.C_Verify;
        p[50] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&Crypto.C_VerifyUpdate;
        p[51] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&Crypto.C_VerifyFinal;
        p[52] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Crypto.C_VerifyRecoverInit;
        p[53] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_VerifyRecover;
        p[54] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_DigestEncryptUpdate;
        p[55] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_DecryptDigestUpdate;
        p[56] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_SignEncryptUpdate;
        p[57] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong*, ulong>)&Crypto.C_DecryptVerifyUpdate;
        p[58] = (delegate* unmanaged<ulong, CK_MECHANISM*, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&Keys.C_GenerateKey;
        p[59] = (delegate* unmanaged<ulong, CK_MECHANISM*, CK_ATTRIBUTE*, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong*, ulong>)&Keys.C_GenerateKeyPair;
        p[60] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong, byte*, ulong*, ulong>)&Keys.C_WrapKey;
        p[61] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, byte*, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&Keys.C_UnwrapKey;
        p[62] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, CK_ATTRIBUTE*, ulong, ulong*, ulong>)&Keys.C_DeriveKey;
        p[63] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&RandomNumbers.C_SeedRandom;
        p[64] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&RandomNumbers.C_GenerateRandom;
        p[65] = (delegate* unmanaged<ulong, ulong>)&General.C_GetFunctionStatus;
        p[66] = (delegate* unmanaged<ulong, ulong>)&General.C_CancelFunction;
        p[67] = (delegate* unmanaged<ulong, ulong*, void*, ulong>)&General.C_WaitForSlotEvent;
        p[68] = (delegate* unmanaged<CK_INTERFACE*, ulong*, ulong>)&General.C_GetInterfaceList;
        p[69] = (delegate* unmanaged<byte*, CK_VERSION*, CK_INTERFACE**, ulong, ulong>)&General.C_GetInterface;
        p[70] = (delegate* unmanaged<ulong, ulong, byte*, ulong, byte*, ulong, ulong>)&Session.C_LoginUser;
        p[71] = (delegate* unmanaged<ulong, ulong, ulong>)&Session.C_SessionCancel;
        p[72] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Message.C_MessageEncryptInit;
        p[73] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, byte*, ulong*, ulong>)&Message.C_EncryptMessage;
        p[74] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, ulong>)&Message.C_EncryptMessageBegin;
        p[75] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong, ulong>)&Message.C_EncryptMessageNext;
        p[76] = (delegate* unmanaged<ulong, ulong>)&Message.C_MessageEncryptFinal;
        p[77] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Message.C_MessageDecryptInit;
        p[78] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, byte*, ulong*, ulong>)&Message.C_DecryptMessage;
        p[79] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, ulong>)&Message.C_DecryptMessageBegin;
        p[80] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong, ulong>)&Message.C_DecryptMessageNext;
        p[81] = (delegate* unmanaged<ulong, ulong>)&Message.C_MessageDecryptFinal;
        p[82] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Message.C_MessageSignInit;
        p[83] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong>)&Message.C_SignMessage;
        p[84] = (delegate* unmanaged<ulong, void*, ulong, ulong>)&Message.C_SignMessageBegin;
        p[85] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong*, ulong>)&Message.C_SignMessageNext;
        p[86] = (delegate* unmanaged<ulong, ulong>)&Message.C_MessageSignFinal;
        p[87] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong>)&Message.C_MessageVerifyInit;
        p[88] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, ulong>)&Message.C_VerifyMessage;
        p[89] = (delegate* unmanaged<ulong, void*, ulong, ulong>)&Message.C_VerifyMessageBegin;
        p[90] = (delegate* unmanaged<ulong, void*, ulong, byte*, ulong, byte*, ulong, ulong>)&Message.C_VerifyMessageNext;
        p[91] = (delegate* unmanaged<ulong, ulong>)&Message.C_MessageVerifyFinal;
        p[92] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, CK_ATTRIBUTE*, ulong, byte*, ulong*, ulong*, ulong>)&Pkcs11v32.C_EncapsulateKey;
        p[93] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, CK_ATTRIBUTE*, ulong, byte*, ulong, ulong*, ulong>)&Pkcs11v32.C_DecapsulateKey;
        p[94] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, byte*, ulong, ulong>)&Pkcs11v32.C_VerifySignatureInit;
        p[95] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&Pkcs11v32.C_VerifySignature;
        p[96] = (delegate* unmanaged<ulong, byte*, ulong, ulong>)&Pkcs11v32.C_VerifySignatureUpdate;
        p[97] = (delegate* unmanaged<ulong, ulong>)&Pkcs11v32.C_VerifySignatureFinal;
        p[98] = (delegate* unmanaged<ulong, ulong, ulong*, ulong>)&Pkcs11v32.C_GetSessionValidationFlags;
        p[99] = (delegate* unmanaged<ulong, byte*, void*, ulong>)&Pkcs11v32.C_AsyncComplete;
        p[100] = (delegate* unmanaged<ulong, byte*, ulong*, ulong>)&Pkcs11v32.C_AsyncGetID;
        p[101] = (delegate* unmanaged<ulong, byte*, ulong, byte*, ulong, ulong>)&Pkcs11v32.C_AsyncJoin;
        p[102] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, ulong, byte*, ulong, byte*, ulong*, ulong>)&Pkcs11v32.C_WrapKeyAuthenticated;
        p[103] = (delegate* unmanaged<ulong, CK_MECHANISM*, ulong, byte*, ulong, CK_ATTRIBUTE*, ulong, byte*, ulong, ulong*, ulong>)&Pkcs11v32.C_UnwrapKeyAuthenticated;
    }
}
