using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>openCryptoki's vendor interface "Vendor IBM" 1.0 (CK_IBM_FUNCTION_LIST_1_0: the version, then C_IBM_ReencryptSingle).</summary>
internal static unsafe partial class IbmVendor
{
    /// <summary>
    /// C_IBM_ReencryptSingle(hSession, pDecrMech, hDecrKey, pEncrMech, hEncrKey, pEncryptedData, ulEncryptedDataLen,
    /// pReencryptedData, pulReencryptedDataLen): decrypts under one key and encrypts under another in one call, the
    /// plaintext never leaving ock-slotd. Output by the usual length conventions (PKCS#11 3.0 §5.2).
    /// </summary>
    [Export(0, Vendor = true)]
    private static ulong C_IBM_ReencryptSingle(in CallTrace call, ulong hSession, CK_MECHANISM* pDecrMech, ulong hDecrKey,
        CK_MECHANISM* pEncrMech, ulong hEncrKey, byte* pEncryptedData, ulong ulEncryptedDataLen, byte* pReencryptedData, ulong* pulReencryptedDataLen)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} decrypt {Marshalling.Describe(pDecrMech)} hDecrKey={hDecrKey} encrypt {Marshalling.Describe(pEncrMech)} hEncrKey={hEncrKey} dataLen={ulEncryptedDataLen} out={Trace.Ptr(pReencryptedData)} *outLen={Marshalling.Len(pulReencryptedDataLen)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pDecrMech is null || pEncrMech is null || pulReencryptedDataLen is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.IbmReencryptSingle);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pDecrMech);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hDecrKey);
        rv = Marshalling.WriteMechanism(w, pEncrMech);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hEncrKey);
        rv = Marshalling.WriteData(w, pEncryptedData, ulEncryptedDataLen);
        if (rv != CKR.OK) return rv;
        var cap = Marshalling.Cap(pReencryptedData, pulReencryptedDataLen);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        return Marshalling.ReadOutput(rv, ref reply, pReencryptedData, pulReencryptedDataLen, cap);
    }
}
