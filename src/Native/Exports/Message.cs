using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 3.0 message-based encryption and signing (§5.15–5.19): not offered yet.</summary>
internal static unsafe class Message
{
    [UnmanagedCallersOnly(EntryPoint = "C_MessageEncryptInit")]
    public static ulong C_MessageEncryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_MessageEncryptInit));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptMessage")]
    public static ulong C_EncryptMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen, byte* pPlaintext, ulong ulPlaintextLen, byte* pCiphertext, ulong* pulCiphertextLen)
    {
        var call = Trace.Enter(nameof(C_EncryptMessage));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptMessageBegin")]
    public static ulong C_EncryptMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen)
    {
        var call = Trace.Enter(nameof(C_EncryptMessageBegin));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptMessageNext")]
    public static ulong C_EncryptMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pPlaintextPart, ulong ulPlaintextPartLen, byte* pCiphertextPart, ulong* pulCiphertextPartLen, ulong flags)
    {
        var call = Trace.Enter(nameof(C_EncryptMessageNext));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageEncryptFinal")]
    public static ulong C_MessageEncryptFinal(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_MessageEncryptFinal));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageDecryptInit")]
    public static ulong C_MessageDecryptInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_MessageDecryptInit));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptMessage")]
    public static ulong C_DecryptMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen, byte* pCiphertext, ulong ulCiphertextLen, byte* pPlaintext, ulong* pulPlaintextLen)
    {
        var call = Trace.Enter(nameof(C_DecryptMessage));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptMessageBegin")]
    public static ulong C_DecryptMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pAssociatedData, ulong ulAssociatedDataLen)
    {
        var call = Trace.Enter(nameof(C_DecryptMessageBegin));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptMessageNext")]
    public static ulong C_DecryptMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pCiphertextPart, ulong ulCiphertextPartLen, byte* pPlaintextPart, ulong* pulPlaintextPartLen, ulong flags)
    {
        var call = Trace.Enter(nameof(C_DecryptMessageNext));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageDecryptFinal")]
    public static ulong C_MessageDecryptFinal(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_MessageDecryptFinal));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageSignInit")]
    public static ulong C_MessageSignInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_MessageSignInit));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignMessage")]
    public static ulong C_SignMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_SignMessage));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignMessageBegin")]
    public static ulong C_SignMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen)
    {
        var call = Trace.Enter(nameof(C_SignMessageBegin));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignMessageNext")]
    public static ulong C_SignMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong* pulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_SignMessageNext));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageSignFinal")]
    public static ulong C_MessageSignFinal(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_MessageSignFinal));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageVerifyInit")]
    public static ulong C_MessageVerifyInit(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey)
    {
        var call = Trace.Enter(nameof(C_MessageVerifyInit));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyMessage")]
    public static ulong C_VerifyMessage(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_VerifyMessage));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyMessageBegin")]
    public static ulong C_VerifyMessageBegin(ulong hSession, void* pParameter, ulong ulParameterLen)
    {
        var call = Trace.Enter(nameof(C_VerifyMessageBegin));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyMessageNext")]
    public static ulong C_VerifyMessageNext(ulong hSession, void* pParameter, ulong ulParameterLen, byte* pData, ulong ulDataLen, byte* pSignature, ulong ulSignatureLen)
    {
        var call = Trace.Enter(nameof(C_VerifyMessageNext));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_MessageVerifyFinal")]
    public static ulong C_MessageVerifyFinal(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_MessageVerifyFinal));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_SUPPORTED));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
}
