using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// PKCS#11 encryption, decryption, digesting, signing and verification (§5.8–5.13). Each export is a thin shell
/// over a shared round-trip shape in <see cref="Calls"/>.
/// </summary>
internal static unsafe class Crypto
{
    // ---- encryption (§5.8) ----

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptInit")]
    public static ulong C_EncryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_EncryptInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.EncryptInit, hSession, pMechanism, hKey, withKey: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_Encrypt")]
    public static ulong C_Encrypt(ulong hSession, byte* pData, ulong ulDataLen, byte* pEncryptedData, ulong* pulEncryptedDataLen)
    {
        var call = Trace.Enter(nameof(C_Encrypt));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.Encrypt, hSession, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_EncryptUpdate")]
    public static ulong C_EncryptUpdate(ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen)
    {
        var call = Trace.Enter(nameof(C_EncryptUpdate));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.EncryptUpdate, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_EncryptFinal")]
    public static ulong C_EncryptFinal(ulong hSession, byte* pLastEncryptedPart, ulong* pulLastEncryptedPartLen)
    {
        var call = Trace.Enter(nameof(C_EncryptFinal));
        try
        {
            return call.Return(Calls.Final(call, Opcode.EncryptFinal, hSession, pLastEncryptedPart, pulLastEncryptedPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    // ---- decryption (§5.9) ----

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptInit")]
    public static ulong C_DecryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_DecryptInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.DecryptInit, hSession, pMechanism, hKey, withKey: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_Decrypt")]
    public static ulong C_Decrypt(ulong hSession, byte* pEncryptedData, ulong ulEncryptedDataLen, byte* pData, ulong* pulDataLen)
    {
        var call = Trace.Enter(nameof(C_Decrypt));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.Decrypt, hSession, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DecryptUpdate")]
    public static ulong C_DecryptUpdate(ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen)
    {
        var call = Trace.Enter(nameof(C_DecryptUpdate));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.DecryptUpdate, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DecryptFinal")]
    public static ulong C_DecryptFinal(ulong hSession, byte* pLastPart, ulong* pulLastPartLen)
    {
        var call = Trace.Enter(nameof(C_DecryptFinal));
        try
        {
            return call.Return(Calls.Final(call, Opcode.DecryptFinal, hSession, pLastPart, pulLastPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    // ---- message digesting (§5.10) ----

    [UnmanagedCallersOnly(EntryPoint = "C_DigestInit")]
    public static ulong C_DigestInit(ulong hSession, CK_MECHANISM* pMechanism)
    {
        var call = Trace.Enter(nameof(C_DigestInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.DigestInit, hSession, pMechanism, 0, withKey: false));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_Digest")]
    public static ulong C_Digest(ulong hSession, byte* pData, ulong ulDataLen, byte* pDigest, ulong* pulDigestLen)
    {
        var call = Trace.Enter(nameof(C_Digest));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.Digest, hSession, pData, ulDataLen, pDigest, pulDigestLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DigestUpdate")]
    public static ulong C_DigestUpdate(ulong hSession, byte* pPart, ulong ulPartLen)
    {
        var call = Trace.Enter(nameof(C_DigestUpdate));
        try
        {
            return call.Return(Calls.Data(call, Opcode.DigestUpdate, hSession, pPart, ulPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DigestKey")]
    public static ulong C_DigestKey(ulong hSession, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_DigestKey));
        try
        {
            return call.Return(Calls.U64U64(call, Opcode.DigestKey, hSession, hKey));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DigestFinal")]
    public static ulong C_DigestFinal(ulong hSession, byte* pDigest, ulong* pulDigestLen)
    {
        var call = Trace.Enter(nameof(C_DigestFinal));
        try
        {
            return call.Return(Calls.Final(call, Opcode.DigestFinal, hSession, pDigest, pulDigestLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    // ---- signing and MACing (§5.11) ----

    [UnmanagedCallersOnly(EntryPoint = "C_SignInit")]
    public static ulong C_SignInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_SignInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.SignInit, hSession, pMechanism, hKey, withKey: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_Sign")]
    public static ulong C_Sign(ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_Sign));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.Sign, hSession, pData, ulDataLen, pSignature, pulSignatureLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_SignUpdate")]
    public static ulong C_SignUpdate(ulong hSession, byte* pPart, ulong ulPartLen)
    {
        var call = Trace.Enter(nameof(C_SignUpdate));
        try
        {
            return call.Return(Calls.Data(call, Opcode.SignUpdate, hSession, pPart, ulPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_SignFinal")]
    public static ulong C_SignFinal(ulong hSession, byte* pSignature, ulong* pulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_SignFinal));
        try
        {
            return call.Return(Calls.Final(call, Opcode.SignFinal, hSession, pSignature, pulSignatureLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_SignRecoverInit")]
    public static ulong C_SignRecoverInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_SignRecoverInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.SignRecoverInit, hSession, pMechanism, hKey, withKey: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_SignRecover")]
    public static ulong C_SignRecover(ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_SignRecover));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.SignRecover, hSession, pData, ulDataLen, pSignature, pulSignatureLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    // ---- verifying signatures and MACs (§5.12) ----

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyInit")]
    public static ulong C_VerifyInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_VerifyInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.VerifyInit, hSession, pMechanism, hKey, withKey: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_Verify")]
    public static ulong C_Verify(ulong hSession, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_Verify));
        try
        {
            return call.Return(Verify(call, hSession, pData, ulDataLen, pSignature, ulSignatureLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_VerifyUpdate")]
    public static ulong C_VerifyUpdate(ulong hSession, byte* pPart, ulong ulPartLen)
    {
        var call = Trace.Enter(nameof(C_VerifyUpdate));
        try
        {
            return call.Return(Calls.Data(call, Opcode.VerifyUpdate, hSession, pPart, ulPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_VerifyFinal")]
    public static ulong C_VerifyFinal(ulong hSession, byte* pSignature, ulong ulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_VerifyFinal));
        try
        {
            return call.Return(VerifyFinal(call, hSession, pSignature, ulSignatureLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_VerifyRecoverInit")]
    public static ulong C_VerifyRecoverInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_VerifyRecoverInit));
        try
        {
            return call.Return(Calls.Init(call, Opcode.VerifyRecoverInit, hSession, pMechanism, hKey, withKey: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_VerifyRecover")]
    public static ulong C_VerifyRecover(ulong hSession, byte* pSignature, ulong ulSignatureLen, byte* pData, ulong* pulDataLen)
    {
        var call = Trace.Enter(nameof(C_VerifyRecover));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.VerifyRecover, hSession, pSignature, ulSignatureLen, pData, pulDataLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    // ---- dual-function operations (§5.13): one round trip each, output rules as C_EncryptUpdate ----

    [UnmanagedCallersOnly(EntryPoint = "C_DigestEncryptUpdate")]
    public static ulong C_DigestEncryptUpdate(ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen)
    {
        var call = Trace.Enter(nameof(C_DigestEncryptUpdate));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.DigestEncryptUpdate, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DecryptDigestUpdate")]
    public static ulong C_DecryptDigestUpdate(ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen)
    {
        var call = Trace.Enter(nameof(C_DecryptDigestUpdate));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.DecryptDigestUpdate, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_SignEncryptUpdate")]
    public static ulong C_SignEncryptUpdate(ulong hSession, byte* pPart, ulong ulPartLen, byte* pEncryptedPart, ulong* pulEncryptedPartLen)
    {
        var call = Trace.Enter(nameof(C_SignEncryptUpdate));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.SignEncryptUpdate, hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
    [UnmanagedCallersOnly(EntryPoint = "C_DecryptVerifyUpdate")]
    public static ulong C_DecryptVerifyUpdate(ulong hSession, byte* pEncryptedPart, ulong ulEncryptedPartLen, byte* pPart, ulong* pulPartLen)
    {
        var call = Trace.Enter(nameof(C_DecryptVerifyUpdate));
        try
        {
            return call.Return(Calls.DataToOutput(call, Opcode.DecryptVerifyUpdate, hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    private static ulong Verify(in CallTrace call, ulong session, byte* data, ulong dataLength, byte* signature, ulong signatureLength)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={session} dataLen={dataLength} signatureLen={signatureLength}");
        var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        try
        {
            var w = c.Begin(Opcode.Verify);
            w.WriteULong(session);
            rv = Marshalling.WriteData(w, data, dataLength);
            if (rv == CKR.OK) rv = Marshalling.WriteData(w, signature, signatureLength);
            if (rv != CKR.OK) return rv;
            return c.Call(out _);
        }
        finally
        {
            c.Release();
        }
    }

    private static ulong VerifyFinal(in CallTrace call, ulong session, byte* signature, ulong signatureLength) =>
        Calls.Data(call, Opcode.VerifyFinal, session, signature, signatureLength);
}
