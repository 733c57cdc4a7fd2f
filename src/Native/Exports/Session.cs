using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 session management (§5.6), with the 3.0 C_LoginUser and C_SessionCancel.</summary>
internal static unsafe partial class Session
{
    [Export(12)]
    private static ulong C_OpenSession(in CallTrace call, ulong slotID, ulong flags, void* pApplication, void* notify, ulong* phSession)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID} flags={Trace.Hex(flags)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        // Notify callbacks are never made (the daemon has no surrender points to report).
        if (phSession is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.OpenSession);
        w.WriteULong(slotID);
        w.WriteULong(flags);
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, phSession);
        if (rv == CKR.OK && Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"-> hSession={*phSession}");
        return rv;
    }

    [Export(13)]
    private static ulong C_CloseSession(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.CloseSession, hSession, "hSession");

    [Export(14)]
    private static ulong C_CloseAllSessions(in CallTrace call, ulong slotID) =>
        Calls.U64(call, Opcode.CloseAllSessions, slotID, "slotID");

    [Export(15)]
    private static ulong C_GetSessionInfo(in CallTrace call, ulong hSession, CK_SESSION_INFO* pInfo)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pInfo is null) return CKR.ARGUMENTS_BAD;
        c.Begin(Opcode.GetSessionInfo).WriteULong(hSession);
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        CK_SESSION_INFO info = default;
        info.slotID = r.ReadULong();
        info.state = r.ReadULong();
        info.flags = r.ReadULong();
        info.ulDeviceError = r.ReadULong();
        *pInfo = info;
        return CKR.OK;
    }

    [Export(16)]
    private static ulong C_GetOperationState(in CallTrace call, ulong hSession, byte* pOperationState, ulong* pulOperationStateLen) =>
        Calls.Final(call, Opcode.GetOperationState, hSession, pOperationState, pulOperationStateLen);

    [Export(17)]
    private static ulong C_SetOperationState(in CallTrace call, ulong hSession, byte* pOperationState, ulong ulOperationStateLen, ulong hEncryptionKey, ulong hAuthenticationKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} stateLen={ulOperationStateLen} hEncryptionKey={hEncryptionKey} hAuthenticationKey={hAuthenticationKey}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pOperationState is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.SetOperationState);
        w.WriteULong(hSession);
        rv = Marshalling.WriteData(w, pOperationState, ulOperationStateLen);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hEncryptionKey);
        w.WriteULong(hAuthenticationKey);
        return c.Call(out _);
    }

    [Export(18)]
    private static ulong C_Login(in CallTrace call, ulong hSession, ulong userType, byte* pPin, ulong ulPinLen)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} userType={userType} pinLen={ulPinLen}");
        return Login(hSession, userType, pPin, ulPinLen);
    }

    /// <summary>C_Login and C_LoginUser: <c>u64 session, u64 userType, nullable bytes pin</c>; empty reply.</summary>
    private static ulong Login(ulong hSession, ulong userType, byte* pPin, ulong ulPinLen)
    {
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(Opcode.Login);
        w.WriteULong(hSession);
        w.WriteULong(userType);
        rv = Marshalling.WriteNullableData(w, pPin, ulPinLen);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }

    [Export(19)]
    private static ulong C_Logout(in CallTrace call, ulong hSession) =>
        Calls.U64(call, Opcode.Logout, hSession, "hSession");

    [Export(70)]
    private static ulong C_LoginUser(in CallTrace call, ulong hSession, ulong userType, byte* pPin, ulong ulPinLen, byte* pUsername, ulong ulUsernameLen)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} userType={userType} pinLen={ulPinLen} usernameLen={ulUsernameLen}");
        if (!Module.IsInitialized) return CKR.CRYPTOKI_NOT_INITIALIZED;
        if (pUsername is null && ulUsernameLen != 0) return CKR.ARGUMENTS_BAD;
        // A token has one user per role (docs/wire-protocol.md, "User names"): the name is empty or the role's fixed name.
        if (ulUsernameLen != 0)
        {
            if (userType > CKU.CONTEXT_SPECIFIC) return CKR.USER_TYPE_INVALID;
            var expected = userType == CKU.SO ? "so"u8 : "user"u8;
            if (ulUsernameLen != (ulong)expected.Length || !new ReadOnlySpan<byte>(pUsername, expected.Length).SequenceEqual(expected))
                return CKR.PIN_INCORRECT;
        }

        return Login(hSession, userType, pPin, ulPinLen);
    }

    /// <summary>CKF_FIND_OBJECTS (3.0), a C_SessionCancel flag.</summary>
    private const ulong CkfFindObjects = 0x40UL;

    [Export(71)]
    private static ulong C_SessionCancel(in CallTrace call, ulong hSession, ulong flags)
    {
        // Session-local operations are cancelled in the session actor; the object search lives with the token.
        var rv = Calls.U64U64(call, Opcode.SessionCancel, hSession, flags);
        if (rv == CKR.OK && (flags & CkfFindObjects) != 0)
        {
            var find = Calls.U64(call, Opcode.FindObjectsFinal, hSession, "hSession");
            if (find != CKR.OK && find != CKR.OPERATION_NOT_INITIALIZED) rv = find;
        }

        return rv;
    }
}
