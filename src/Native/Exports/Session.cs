using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 session management (§5.6), with the 3.0 C_LoginUser and C_SessionCancel.</summary>
internal static unsafe class Session
{
    [UnmanagedCallersOnly(EntryPoint = "C_OpenSession")]
    public static ulong C_OpenSession(ulong slotID, ulong flags, void* pApplication, void* notify, ulong* phSession)
    {
        var call = Trace.Enter(nameof(C_OpenSession));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID} flags={Trace.Hex(flags)}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                // Notify callbacks are never made (the daemon has no surrender points to report).
                if (phSession is null) return call.Return(CKR.ARGUMENTS_BAD);
                var w = c.Begin(Opcode.OpenSession);
                w.WriteULong(slotID);
                w.WriteULong(flags);
                rv = c.Call(out var reply);
                Calls.ReadHandle(rv, ref reply, phSession);
                if (rv == CKR.OK && Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"-> hSession={*phSession}");
                return call.Return(rv);
            }
            finally
            {
                c.Release();
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CloseSession")]
    public static ulong C_CloseSession(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_CloseSession));
        try
        {
            return call.Return(Calls.U64(call, Opcode.CloseSession, hSession, "hSession"));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CloseAllSessions")]
    public static ulong C_CloseAllSessions(ulong slotID)
    {
        var call = Trace.Enter(nameof(C_CloseAllSessions));
        try
        {
            return call.Return(Calls.U64(call, Opcode.CloseAllSessions, slotID, "slotID"));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetSessionInfo")]
    public static ulong C_GetSessionInfo(ulong hSession, CK_SESSION_INFO* pInfo)
    {
        var call = Trace.Enter(nameof(C_GetSessionInfo));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pInfo is null) return call.Return(CKR.ARGUMENTS_BAD);
                c.Begin(Opcode.GetSessionInfo).WriteULong(hSession);
                rv = c.Call(out var r);
                if (rv != CKR.OK) return call.Return(rv);
                CK_SESSION_INFO info = default;
                info.slotID = r.ReadULong();
                info.state = r.ReadULong();
                info.flags = r.ReadULong();
                info.ulDeviceError = r.ReadULong();
                *pInfo = info;
                return call.Return(CKR.OK);
            }
            finally
            {
                c.Release();
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetOperationState")]
    public static ulong C_GetOperationState(ulong hSession, byte* pOperationState, ulong* pulOperationStateLen)
    {
        var call = Trace.Enter(nameof(C_GetOperationState));
        try
        {
            return call.Return(Calls.Final(call, Opcode.GetOperationState, hSession, pOperationState, pulOperationStateLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SetOperationState")]
    public static ulong C_SetOperationState(ulong hSession, byte* pOperationState, ulong ulOperationStateLen, ulong hEncryptionKey, ulong hAuthenticationKey)
    {
        var call = Trace.Enter(nameof(C_SetOperationState));
        try
        {
            if (Trace.On(Trace.Arguments))
                Trace.Args(call.Function, $"hSession={hSession} stateLen={ulOperationStateLen} hEncryptionKey={hEncryptionKey} hAuthenticationKey={hAuthenticationKey}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pOperationState is null) return call.Return(CKR.ARGUMENTS_BAD);
                var w = c.Begin(Opcode.SetOperationState);
                w.WriteULong(hSession);
                rv = Marshalling.WriteData(w, pOperationState, ulOperationStateLen);
                if (rv != CKR.OK) return call.Return(rv);
                w.WriteULong(hEncryptionKey);
                w.WriteULong(hAuthenticationKey);
                return call.Return(c.Call(out _));
            }
            finally
            {
                c.Release();
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Login")]
    public static ulong C_Login(ulong hSession, ulong userType, byte* pPin, ulong ulPinLen)
    {
        var call = Trace.Enter(nameof(C_Login));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} userType={userType} pinLen={ulPinLen}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                var w = c.Begin(Opcode.Login);
                w.WriteULong(hSession);
                w.WriteULong(userType);
                rv = Marshalling.WriteNullableData(w, pPin, ulPinLen);
                if (rv != CKR.OK) return call.Return(rv);
                return call.Return(c.Call(out _));
            }
            finally
            {
                c.Release();
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Logout")]
    public static ulong C_Logout(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_Logout));
        try
        {
            return call.Return(Calls.U64(call, Opcode.Logout, hSession, "hSession"));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_LoginUser")]
    public static ulong C_LoginUser(ulong hSession, ulong userType, byte* pPin, ulong ulPinLen, byte* pUsername, ulong ulUsernameLen)
    {
        var call = Trace.Enter(nameof(C_LoginUser));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} userType={userType} pinLen={ulPinLen} usernameLen={ulUsernameLen}");
            if (!Module.IsInitialized) return call.Return(CKR.CRYPTOKI_NOT_INITIALIZED);
            if (pUsername is null && ulUsernameLen != 0) return call.Return(CKR.ARGUMENTS_BAD);
            // A token has one user per role (docs/wire-protocol.md, "User names"): the name is empty or the role's fixed name.
            if (ulUsernameLen != 0)
            {
                if (userType > CKU.CONTEXT_SPECIFIC) return call.Return(CKR.USER_TYPE_INVALID);
                var expected = userType == CKU.SO ? "so"u8 : "user"u8;
                if (ulUsernameLen != (ulong)expected.Length || !new ReadOnlySpan<byte>(pUsername, expected.Length).SequenceEqual(expected))
                    return call.Return(CKR.PIN_INCORRECT);
            }

            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                var w = c.Begin(Opcode.Login);
                w.WriteULong(hSession);
                w.WriteULong(userType);
                rv = Marshalling.WriteNullableData(w, pPin, ulPinLen);
                if (rv != CKR.OK) return call.Return(rv);
                return call.Return(c.Call(out _));
            }
            finally
            {
                c.Release();
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    /// <summary>CKF_FIND_OBJECTS (3.0), a C_SessionCancel flag.</summary>
    private const ulong CkfFindObjects = 0x40UL;

    [UnmanagedCallersOnly(EntryPoint = "C_SessionCancel")]
    public static ulong C_SessionCancel(ulong hSession, ulong flags)
    {
        var call = Trace.Enter(nameof(C_SessionCancel));
        try
        {
            // Session-local operations are cancelled in the session actor; the object search lives with the token.
            var rv = Calls.U64U64(call, Opcode.SessionCancel, hSession, flags);
            if (rv == CKR.OK && (flags & CkfFindObjects) != 0)
            {
                var find = Calls.U64(call, Opcode.FindObjectsFinal, hSession, "hSession");
                if (find != CKR.OK && find != CKR.OPERATION_NOT_INITIALIZED) rv = find;
            }

            return call.Return(rv);
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
}
