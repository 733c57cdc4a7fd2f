using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>
/// The round-trip shapes many functions share: guard → marshal → one frame → reply → caller memory.
/// Each takes the connection's lock through <see cref="Module.Acquire"/> and releases it at the end of its scope (<c>using</c>).
/// </summary>
internal static unsafe class Calls
{
    /// <summary>Module-only functions that the spec still gates on C_Initialize: CKR_CRYPTOKI_NOT_INITIALIZED or <paramref name="rv"/>.</summary>
    public static ulong Answer(ulong rv) => Module.IsInitialized ? rv : CKR.CRYPTOKI_NOT_INITIALIZED;

    /// <summary>Request <c>u64 a</c>; empty reply.</summary>
    public static ulong U64(in CallTrace call, Opcode op, ulong a, string name)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"{name}={a}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        c.Begin(op).WriteULong(a);
        return c.Call(out _);
    }

    /// <summary>Request <c>u64 session, u64 handle</c>; empty reply.</summary>
    public static ulong U64U64(in CallTrace call, Opcode op, ulong session, ulong handle)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={session} handle={handle}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        w.WriteULong(handle);
        return c.Call(out _);
    }

    /// <summary>XxxInit: <c>u64 session, mechanism[, u64 key]</c>; empty reply.</summary>
    public static ulong Init(in CallTrace call, Opcode op, ulong session, CK_MECHANISM* mechanism, ulong key, bool withKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} {Marshalling.Describe(mechanism)}" + (withKey ? $" hKey={key}" : ""));
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (mechanism is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteMechanism(w, mechanism);
        if (rv != CKR.OK) return rv;
        if (withKey) w.WriteULong(key);
        return c.Call(out _);
    }

    /// <summary>Single-part and update calls with output: <c>u64 session, bytes data, cap</c> → <c>output</c>.</summary>
    public static ulong DataToOutput(in CallTrace call, Opcode op, ulong session, byte* data, ulong dataLength, byte* output, ulong* pulOutput)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} dataLen={dataLength} out={Trace.Ptr(output)} *outLen={Marshalling.Len(pulOutput)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulOutput is null) return EndOperation(c, op, session, CKR.ARGUMENTS_BAD);
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteData(w, data, dataLength);
        if (rv != CKR.OK) return EndOperation(c, op, session, rv);
        var cap = Marshalling.Cap(output, pulOutput);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        return Marshalling.ReadOutput(rv, ref reply, output, pulOutput, cap);
    }

    /// <summary>
    /// A data or final call the module refuses before sending it (NULL length pointer, NULL data with a length) still
    /// ends the session's operation, as any error but CKR_BUFFER_TOO_SMALL does (PKCS#11 3.0 §5.2): the daemon is told
    /// with SessionCancel of the operation's flags (a cancel of an operation that is not active is no error). Returns
    /// <paramref name="rv"/>.
    /// </summary>
    private static ulong EndOperation(Connection c, Opcode op, ulong session, ulong rv)
    {
        if (OperationFlags(op) is not (var flags and not 0)) return rv;
        var w = c.Begin(Opcode.SessionCancel);
        w.WriteULong(session);
        w.WriteULong(flags);
        c.Call(out _);
        return rv;
    }

    /// <summary>The C_SessionCancel flags (CKF_ENCRYPT …) of the operations a data or final call belongs to.</summary>
    private static ulong OperationFlags(Opcode op) => op switch
    {
        Opcode.Encrypt or Opcode.EncryptUpdate or Opcode.EncryptFinal => CKF.ENCRYPT,
        Opcode.Decrypt or Opcode.DecryptUpdate or Opcode.DecryptFinal => CKF.DECRYPT,
        Opcode.Digest or Opcode.DigestFinal => CKF.DIGEST,
        Opcode.Sign or Opcode.SignFinal => CKF.SIGN,
        Opcode.SignRecover => CKF.SIGN_RECOVER,
        Opcode.VerifyRecover => CKF.VERIFY_RECOVER,
        Opcode.DigestEncryptUpdate => CKF.DIGEST | CKF.ENCRYPT,
        Opcode.DecryptDigestUpdate => CKF.DECRYPT | CKF.DIGEST,
        Opcode.SignEncryptUpdate => CKF.SIGN | CKF.ENCRYPT,
        Opcode.DecryptVerifyUpdate => CKF.DECRYPT | CKF.VERIFY,
        _ => 0,
    };

    /// <summary>Final calls: <c>u64 session, cap</c> → <c>output</c>.</summary>
    public static ulong Final(in CallTrace call, Opcode op, ulong session, byte* output, ulong* pulOutput)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session} out={Trace.Ptr(output)} *outLen={Marshalling.Len(pulOutput)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulOutput is null) return EndOperation(c, op, session, CKR.ARGUMENTS_BAD);
        var w = c.Begin(op);
        w.WriteULong(session);
        var cap = Marshalling.Cap(output, pulOutput);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        return Marshalling.ReadOutput(rv, ref reply, output, pulOutput, cap);
    }

    /// <summary><c>u64 session[, u64 object], template</c>; empty reply (C_FindObjectsInit, C_SetAttributeValue).</summary>
    public static ulong Template(in CallTrace call, Opcode op, ulong session, ulong? handle, CK_ATTRIBUTE* template, ulong count)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={session}" + (handle.HasValue ? $" hObject={handle.Value}" : "") + $" {Marshalling.Describe(template, count)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        if (handle is { } h) w.WriteULong(h);
        rv = Marshalling.WriteTemplate(w, template, count);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }

    /// <summary><c>u64 session, bytes pin</c> (NULL pin = protected authentication path); empty reply. Traces the length only.</summary>
    public static ulong Pin(in CallTrace call, Opcode op, ulong session, byte* pin, ulong pinLength)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={session} pinLen={pinLength}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteNullableData(w, pin, pinLength);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }

    /// <summary><c>u64 session, bytes data</c>; empty reply (updates without output, C_SeedRandom).</summary>
    public static ulong Data(in CallTrace call, Opcode op, ulong session, byte* data, ulong dataLength)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={session} dataLen={dataLength}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(op);
        w.WriteULong(session);
        rv = Marshalling.WriteData(w, data, dataLength);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }

    /// <summary>Reads a <c>u64</c> handle reply into a caller pointer (NULL allowed: the handle is dropped).</summary>
    public static void ReadHandle(ulong rv, ref WireReader reply, ulong* handle)
    {
        if (rv != CKR.OK) return;
        var value = reply.ReadULong();
        if (handle is not null) *handle = value;
    }
}
