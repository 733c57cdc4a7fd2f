using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// PKCS#11 encryption, decryption, digesting, signing and verification (§5.8–5.13). Each export is a thin shell
/// over a shared round-trip shape in <see cref="Calls"/>.
/// </summary>
internal static unsafe partial class Crypto
{
    // ---- encryption (§5.8) ----

    [Export(29)]
    private static ulong C_EncryptInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.EncryptInit, hSession, pMechanism, hKey, withKey: true);

    [Export(30)]
    private static ulong C_Encrypt(in CallTrace call, ulong hSession, byte* pData, ulong ulDataLen, byte* pEncryptedData, ulong* pulEncryptedDataLen) =>
        Calls.DataToOutput(call, Opcode.Encrypt, hSession, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen);

    [Export(31)]
    private static ulong C_EncryptUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen) =>
        Calls.DataToOutput(call, Opcode.EncryptUpdate, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);

    [Export(32)]
    private static ulong C_EncryptFinal(in CallTrace call, ulong hSession, byte* pLastEncryptedPart, ulong* pulLastEncryptedPartLen) =>
        Calls.Final(call, Opcode.EncryptFinal, hSession, pLastEncryptedPart, pulLastEncryptedPartLen);

    // ---- decryption (§5.9) ----

    [Export(33)]
    private static ulong C_DecryptInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.DecryptInit, hSession, pMechanism, hKey, withKey: true);

    [Export(34)]
    private static ulong C_Decrypt(in CallTrace call, ulong hSession, byte* pEncryptedData, ulong ulEncryptedDataLen, byte* pData, ulong* pulDataLen) =>
        Calls.DataToOutput(call, Opcode.Decrypt, hSession, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen);

    [Export(35)]
    private static ulong C_DecryptUpdate(in CallTrace call, ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen) =>
        Calls.DataToOutput(call, Opcode.DecryptUpdate, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);

    [Export(36)]
    private static ulong C_DecryptFinal(in CallTrace call, ulong hSession, byte* pLastPart, ulong* pulLastPartLen) =>
        Calls.Final(call, Opcode.DecryptFinal, hSession, pLastPart, pulLastPartLen);

    // ---- message digesting (§5.10) ----

    [Export(37)]
    private static ulong C_DigestInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism) =>
        Calls.Init(call, Opcode.DigestInit, hSession, pMechanism, 0, withKey: false);

    [Export(38)]
    private static ulong C_Digest(in CallTrace call, ulong hSession, byte* pData, ulong ulDataLen, byte* pDigest, ulong* pulDigestLen) =>
        Calls.DataToOutput(call, Opcode.Digest, hSession, pData, ulDataLen, pDigest, pulDigestLen);

    [Export(39)]
    private static ulong C_DigestUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen) =>
        Calls.Data(call, Opcode.DigestUpdate, hSession, pPart, ulPartLen);

    [Export(40)]
    private static ulong C_DigestKey(in CallTrace call, ulong hSession, ulong hKey) =>
        Calls.U64U64(call, Opcode.DigestKey, hSession, hKey);

    [Export(41)]
    private static ulong C_DigestFinal(in CallTrace call, ulong hSession, byte* pDigest, ulong* pulDigestLen) =>
        Calls.Final(call, Opcode.DigestFinal, hSession, pDigest, pulDigestLen);

    // ---- signing and MACing (§5.11) ----

    [Export(42)]
    private static ulong C_SignInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.SignInit, hSession, pMechanism, hKey, withKey: true);

    [Export(43)]
    private static ulong C_Sign(in CallTrace call, ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) =>
        Calls.DataToOutput(call, Opcode.Sign, hSession, pData, ulDataLen, pSignature, pulSignatureLen);

    [Export(44)]
    private static ulong C_SignUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen) =>
        Calls.Data(call, Opcode.SignUpdate, hSession, pPart, ulPartLen);

    [Export(45)]
    private static ulong C_SignFinal(in CallTrace call, ulong hSession, byte* pSignature, ulong* pulSignatureLen) =>
        Calls.Final(call, Opcode.SignFinal, hSession, pSignature, pulSignatureLen);

    [Export(46)]
    private static ulong C_SignRecoverInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.SignRecoverInit, hSession, pMechanism, hKey, withKey: true);

    [Export(47)]
    private static ulong C_SignRecover(in CallTrace call, ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen) =>
        Calls.DataToOutput(call, Opcode.SignRecover, hSession, pData, ulDataLen, pSignature, pulSignatureLen);

    // ---- verifying signatures and MACs (§5.12) ----

    [Export(48)]
    private static ulong C_VerifyInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.VerifyInit, hSession, pMechanism, hKey, withKey: true);

    [Export(49)]
    private static ulong C_Verify(in CallTrace call, ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} dataLen={ulDataLen} signatureLen={ulSignatureLen}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(Opcode.Verify);
        w.WriteULong(hSession);
        rv = Marshalling.WriteData(w, pData, ulDataLen);
        if (rv == CKR.OK) rv = Marshalling.WriteData(w, pSignature, ulSignatureLen);
        if (rv != CKR.OK) return Calls.EndOperation(c, Opcode.Verify, hSession, rv);
        return c.Call(out _);
    }

    [Export(50)]
    private static ulong C_VerifyUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen) =>
        Calls.Data(call, Opcode.VerifyUpdate, hSession, pPart, ulPartLen);

    [Export(51)]
    private static ulong C_VerifyFinal(in CallTrace call, ulong hSession, byte* pSignature, ulong ulSignatureLen) =>
        Calls.Data(call, Opcode.VerifyFinal, hSession, pSignature, ulSignatureLen);

    [Export(52)]
    private static ulong C_VerifyRecoverInit(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hKey) =>
        Calls.Init(call, Opcode.VerifyRecoverInit, hSession, pMechanism, hKey, withKey: true);

    [Export(53)]
    private static ulong C_VerifyRecover(in CallTrace call, ulong hSession, byte* pSignature, ulong ulSignatureLen, byte* pData, ulong* pulDataLen) =>
        Calls.DataToOutput(call, Opcode.VerifyRecover, hSession, pSignature, ulSignatureLen, pData, pulDataLen);

    // ---- dual-function operations (§5.13): one round trip each, output rules as C_EncryptUpdate ----

    [Export(54)]
    private static ulong C_DigestEncryptUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen) =>
        Calls.DataToOutput(call, Opcode.DigestEncryptUpdate, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);

    [Export(55)]
    private static ulong C_DecryptDigestUpdate(in CallTrace call, ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen) =>
        Calls.DataToOutput(call, Opcode.DecryptDigestUpdate, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);

    [Export(56)]
    private static ulong C_SignEncryptUpdate(in CallTrace call, ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen) =>
        Calls.DataToOutput(call, Opcode.SignEncryptUpdate, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen);

    [Export(57)]
    private static ulong C_DecryptVerifyUpdate(in CallTrace call, ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen) =>
        Calls.DataToOutput(call, Opcode.DecryptVerifyUpdate, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen);
}
