using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 slot and token management (§5.5).</summary>
internal static unsafe partial class SlotToken
{
    [Export(4)]
    private static ulong C_GetSlotList(in CallTrace call, byte tokenPresent, ulong* pSlotList, ulong* pulCount)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"tokenPresent={tokenPresent} list={Trace.Ptr(pSlotList)} *count={Marshalling.Len(pulCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulCount is null) return CKR.ARGUMENTS_BAD;
        c.Begin(Opcode.GetSlotList).WriteBool(tokenPresent != 0);
        rv = c.Call(out var reply);
        if (rv != CKR.OK) return rv;
        return Marshalling.ReadList(ref reply, pSlotList, pulCount);
    }

    [Export(5)]
    private static ulong C_GetSlotInfo(in CallTrace call, ulong slotID, CK_SLOT_INFO* pInfo)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pInfo is null) return CKR.ARGUMENTS_BAD;
        c.Begin(Opcode.GetSlotInfo).WriteULong(slotID);
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        CK_SLOT_INFO info = default;
        Marshalling.ReadPadded(ref r, info.slotDescription, 64);
        Marshalling.ReadPadded(ref r, info.manufacturerID, 32);
        info.flags = r.ReadULong();
        info.hardwareVersion = Marshalling.ReadVersion(ref r);
        info.firmwareVersion = Marshalling.ReadVersion(ref r);
        *pInfo = info;
        return CKR.OK;
    }

    [Export(6)]
    private static ulong C_GetTokenInfo(in CallTrace call, ulong slotID, CK_TOKEN_INFO* pInfo)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pInfo is null) return CKR.ARGUMENTS_BAD;
        c.Begin(Opcode.GetTokenInfo).WriteULong(slotID);
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        CK_TOKEN_INFO info = default;
        Marshalling.ReadPadded(ref r, info.label, 32);
        Marshalling.ReadPadded(ref r, info.manufacturerID, 32);
        Marshalling.ReadPadded(ref r, info.model, 16);
        Marshalling.ReadPadded(ref r, info.serialNumber, 16);
        info.flags = r.ReadULong();
        info.ulMaxSessionCount = r.ReadULong();
        info.ulSessionCount = r.ReadULong();
        info.ulMaxRwSessionCount = r.ReadULong();
        info.ulRwSessionCount = r.ReadULong();
        info.ulMaxPinLen = r.ReadULong();
        info.ulMinPinLen = r.ReadULong();
        info.ulTotalPublicMemory = r.ReadULong();
        info.ulFreePublicMemory = r.ReadULong();
        info.ulTotalPrivateMemory = r.ReadULong();
        info.ulFreePrivateMemory = r.ReadULong();
        info.hardwareVersion = Marshalling.ReadVersion(ref r);
        info.firmwareVersion = Marshalling.ReadVersion(ref r);
        Marshalling.ReadPadded(ref r, info.utcTime, 16);
        *pInfo = info;
        return CKR.OK;
    }

    [Export(7)]
    private static ulong C_GetMechanismList(in CallTrace call, ulong slotID, ulong* pMechanismList, ulong* pulCount)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"slotID={slotID} list={Trace.Ptr(pMechanismList)} *count={Marshalling.Len(pulCount)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pulCount is null) return CKR.ARGUMENTS_BAD;
        c.Begin(Opcode.GetMechanismList).WriteULong(slotID);
        rv = c.Call(out var reply);
        if (rv != CKR.OK) return rv;
        return Marshalling.ReadList(ref reply, pMechanismList, pulCount);
    }

    [Export(8)]
    private static ulong C_GetMechanismInfo(in CallTrace call, ulong slotID, ulong type, CK_MECHANISM_INFO* pInfo)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID} type={Trace.Hex(type)}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pInfo is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.GetMechanismInfo);
        w.WriteULong(slotID);
        w.WriteULong(type);
        rv = c.Call(out var r);
        if (rv != CKR.OK) return rv;
        CK_MECHANISM_INFO info = default;
        info.ulMinKeySize = r.ReadULong();
        info.ulMaxKeySize = r.ReadULong();
        info.flags = r.ReadULong();
        *pInfo = info;
        return CKR.OK;
    }

    [Export(9)]
    private static ulong C_InitToken(in CallTrace call, ulong slotID, byte* pPin, ulong ulPinLen, byte* pLabel)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID} pinLen={ulPinLen}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        if (pLabel is null) return CKR.ARGUMENTS_BAD;
        var w = c.Begin(Opcode.InitToken);
        w.WriteULong(slotID);
        rv = Marshalling.WriteNullableData(w, pPin, ulPinLen);
        if (rv != CKR.OK) return rv;
        w.WriteRaw(new ReadOnlySpan<byte>(pLabel, 32));
        return c.Call(out _);
    }

    [Export(10)]
    private static ulong C_InitPIN(in CallTrace call, ulong hSession, byte* pPin, ulong ulPinLen) =>
        Calls.Pin(call, Opcode.InitPIN, hSession, pPin, ulPinLen);

    [Export(11)]
    private static ulong C_SetPIN(in CallTrace call, ulong hSession, byte* pOldPin, ulong ulOldLen, byte* pNewPin, ulong ulNewLen)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} oldLen={ulOldLen} newLen={ulNewLen}");
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        var w = c.Begin(Opcode.SetPIN);
        w.WriteULong(hSession);
        rv = Marshalling.WriteNullableData(w, pOldPin, ulOldLen);
        if (rv == CKR.OK) rv = Marshalling.WriteNullableData(w, pNewPin, ulNewLen);
        if (rv != CKR.OK) return rv;
        return c.Call(out _);
    }
}
