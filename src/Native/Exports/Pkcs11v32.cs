using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// The PKCS#11 3.2 additions of CK_FUNCTION_LIST_3_2 (offered through C_GetInterface("PKCS 11", {3,2})):
/// key encapsulation (CKM_ML_KEM) and signature verification with the signature given at init. Session
/// validation flags, asynchronous operations and authenticated wrapping are not offered (CKR_FUNCTION_NOT_SUPPORTED).
/// </summary>
internal static unsafe partial class Pkcs11v32
{
    [Export(92)]
    private static ulong C_EncapsulateKey(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hPublicKey, CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount,
        byte* pCiphertext, ulong* pulCiphertextLen, ulong* phKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} hPublicKey={hPublicKey} {Marshalling.Describe(pTemplate, ulAttributeCount)} ct={Trace.Ptr(pCiphertext)} *ctLen={Marshalling.Len(pulCiphertextLen)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null || pulCiphertextLen is null || (pCiphertext is not null && phKey is null)) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.EncapsulateKey);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hPublicKey);
        rv = Marshalling.WriteTemplate(w, pTemplate, ulAttributeCount);
        if (rv != CKR.OK) return rv;
        var cap = Marshalling.Cap(pCiphertext, pulCiphertextLen);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        var delivered = rv == CKR.OK && pCiphertext is not null;
        rv = Marshalling.ReadOutput(rv, ref reply, pCiphertext, pulCiphertextLen, cap);
        if (delivered) Calls.ReadHandle(rv, ref reply, phKey);
        return rv;
    }

    [Export(93)]
    private static ulong C_DecapsulateKey(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hPrivateKey, CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount,
        byte* pCiphertext, ulong ulCiphertextLen, ulong* phKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} hPrivateKey={hPrivateKey} {Marshalling.Describe(pTemplate, ulAttributeCount)} ctLen={ulCiphertextLen}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null || phKey is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.DecapsulateKey);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hPrivateKey);
        rv = Marshalling.WriteTemplate(w, pTemplate, ulAttributeCount);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, pCiphertext, ulCiphertextLen);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, phKey);
        return rv;
    }

    [Export(94)]
    private static ulong C_VerifySignatureInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey, byte* pSignature, ulong ulSignatureLen)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} hKey={hKey} signatureLen={ulSignatureLen}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.VerifySignatureInit);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hKey);
        rv = Marshalling.WriteData(w, pSignature, ulSignatureLen);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }

    [Export(95)]
    private static ulong C_VerifySignature(in CallTrace call, ulong hSession, byte* pData, ulong ulDataLen) =>
        Calls.Data(call, Opcode.VerifySignature, hSession, pData, ulDataLen);

    [Export(96)]
    private static ulong C_VerifySignatureUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen) =>
        Calls.Data(call, Opcode.VerifySignatureUpdate, hSession, pPart, ulPartLen);

    [Export(97)]
    private static ulong C_VerifySignatureFinal(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.VerifySignatureFinal, hSession, "hSession");

    [Export(98)]
    private static ulong C_GetSessionValidationFlags(in CallTrace call, ulong hSession, ulong type, ulong* pFlags) => Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED);

    [Export(99)]
    private static ulong C_AsyncComplete(in CallTrace call, ulong hSession, byte* pFunctionName, void* pResult) => Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED);

    [Export(100)]
    private static ulong C_AsyncGetID(in CallTrace call, ulong hSession, byte* pFunctionName, ulong* pulID) => Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED);

    [Export(101)]
    private static ulong C_AsyncJoin(in CallTrace call, ulong hSession, byte* pFunctionName, ulong ulID, byte* pData, ulong ulData) => Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED);

    [Export(102)]
    private static ulong C_WrapKeyAuthenticated(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hWrappingKey, ulong hKey, byte* pAssociatedData,
        ulong ulAssociatedDataLen, byte* pWrappedKey, ulong* pulWrappedKeyLen) => Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED);

    [Export(103)]
    private static ulong C_UnwrapKeyAuthenticated(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hUnwrappingKey, byte* pWrappedKey, ulong ulWrappedKeyLen,
        CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount, byte* pAssociatedData, ulong ulAssociatedDataLen, ulong* phKey) => Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED);
}
