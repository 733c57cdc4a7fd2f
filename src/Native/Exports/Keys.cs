using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 key management (§5.14 in 2.40): generate, wrap, unwrap, derive.</summary>
internal static unsafe partial class Keys
{
    [Export(58)]
    private static ulong C_GenerateKey(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, CK_ATTRIBUTE* pTemplate, ulong ulCount, ulong* phKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} {Marshalling.Describe(pTemplate, ulCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null || phKey is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.GenerateKey);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv == CKR.OK) rv = Marshalling.WriteTemplate(w, pTemplate, ulCount);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, phKey);
        return rv;
    }

    [Export(59)]
    private static ulong C_GenerateKeyPair(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism,
        CK_ATTRIBUTE* pPublicKeyTemplate, ulong ulPublicKeyAttributeCount,
        CK_ATTRIBUTE* pPrivateKeyTemplate, ulong ulPrivateKeyAttributeCount,
        ulong* phPublicKey, ulong* phPrivateKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} public {Marshalling.Describe(pPublicKeyTemplate, ulPublicKeyAttributeCount)} private {Marshalling.Describe(pPrivateKeyTemplate, ulPrivateKeyAttributeCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null || phPublicKey is null || phPrivateKey is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.GenerateKeyPair);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv == CKR.OK) rv = Marshalling.WriteTemplate(w, pPublicKeyTemplate, ulPublicKeyAttributeCount);
        if (rv == CKR.OK) rv = Marshalling.WriteTemplate(w, pPrivateKeyTemplate, ulPrivateKeyAttributeCount);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        var publicKey = r.ReadULong();
        var privateKey = r.ReadULong();
        *phPublicKey = publicKey;
        *phPrivateKey = privateKey;
        return CKR.OK;
    }

    [Export(60)]
    private static ulong C_WrapKey(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hWrappingKey, ulong hKey,
        byte* pWrappedKey, ulong* pulWrappedKeyLen)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} hWrappingKey={hWrappingKey} hKey={hKey} out={Trace.Ptr(pWrappedKey)} *outLen={Marshalling.Len(pulWrappedKeyLen)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null || pulWrappedKeyLen is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.WrapKey);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hWrappingKey);
        w.WriteULong(hKey);
        var cap = Marshalling.Cap(pWrappedKey, pulWrappedKeyLen);
        w.WriteULong(cap);
        rv = c.Call(out var reply);
        return Marshalling.ReadOutput(rv, ref reply, pWrappedKey, pulWrappedKeyLen, cap);
    }

    [Export(61)]
    private static ulong C_UnwrapKey(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hUnwrappingKey,
        byte* pWrappedKey, ulong ulWrappedKeyLen, CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount, ulong* phKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} hUnwrappingKey={hUnwrappingKey} wrappedLen={ulWrappedKeyLen} {Marshalling.Describe(pTemplate, ulAttributeCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pMechanism is null || pWrappedKey is null || phKey is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.UnwrapKey);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hUnwrappingKey);
        rv = Marshalling.WriteData(w, pWrappedKey, ulWrappedKeyLen);
        if (rv == CKR.OK) rv = Marshalling.WriteTemplate(w, pTemplate, ulAttributeCount);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        Calls.ReadHandle(rv, ref reply, phKey);
        return rv;
    }

    [Export(62)]
    private static ulong C_DeriveKey(in CallTrace call, ulong hSession, CK_MECHANISM* pMechanism, ulong hBaseKey,
        CK_ATTRIBUTE* pTemplate, ulong ulAttributeCount, ulong* phKey)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"hSession={hSession} {Marshalling.Describe(pMechanism)} hBaseKey={hBaseKey} {Marshalling.Describe(pTemplate, ulAttributeCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        // phKey may be NULL for mechanisms that return their keys elsewhere (e.g. CKM_TLS_KEY_AND_MAC_DERIVE).
        if (pMechanism is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.DeriveKey);
        w.WriteULong(hSession);
        rv = Marshalling.WriteMechanism(w, pMechanism);
        if (rv != CKR.OK) return rv;
        w.WriteULong(hBaseKey);
        rv = Marshalling.WriteTemplate(w, pTemplate, ulAttributeCount);
        if (rv != CKR.OK) return rv;
        rv = c.Call(out var reply);
        Marshalling.ReadDeriveOutputs(rv, ref reply, pMechanism, phKey);
        return rv;
    }
}
