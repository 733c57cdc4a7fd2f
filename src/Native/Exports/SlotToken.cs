using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 slot and token management (§5.5).</summary>
internal static unsafe class SlotToken
{
    [UnmanagedCallersOnly(EntryPoint = "C_GetSlotList")]
    public static ulong C_GetSlotList(byte tokenPresent, ulong* pSlotList, ulong* pulCount)
    {
        var call = Trace.Enter(nameof(C_GetSlotList));
        try
        {
            if (Trace.On(Trace.Arguments))
                Trace.Args(call.Function, $"tokenPresent={tokenPresent} list={Trace.Ptr(pSlotList)} *count={Marshalling.Len(pulCount)}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pulCount is null) return call.Return(CKR.ARGUMENTS_BAD);
                c.Begin(Opcode.GetSlotList).WriteBool(tokenPresent != 0);
                rv = c.Call(out var reply);
                if (rv != CKR.OK) return call.Return(rv);
                return call.Return(Marshalling.ReadList(ref reply, pSlotList, pulCount));
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

    [UnmanagedCallersOnly(EntryPoint = "C_GetSlotInfo")]
    public static ulong C_GetSlotInfo(ulong slotID, CK_SLOT_INFO* pInfo)
    {
        var call = Trace.Enter(nameof(C_GetSlotInfo));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pInfo is null) return call.Return(CKR.ARGUMENTS_BAD);
                c.Begin(Opcode.GetSlotInfo).WriteULong(slotID);
                rv = c.Call(out var r);
                if (rv != CKR.OK) return call.Return(rv);
                CK_SLOT_INFO info = default;
                Marshalling.ReadPadded(ref r, info.slotDescription, 64);
                Marshalling.ReadPadded(ref r, info.manufacturerID, 32);
                info.flags = r.ReadULong();
                info.hardwareVersion = Marshalling.ReadVersion(ref r);
                info.firmwareVersion = Marshalling.ReadVersion(ref r);
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

    [UnmanagedCallersOnly(EntryPoint = "C_GetTokenInfo")]
    public static ulong C_GetTokenInfo(ulong slotID, CK_TOKEN_INFO* pInfo)
    {
        var call = Trace.Enter(nameof(C_GetTokenInfo));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pInfo is null) return call.Return(CKR.ARGUMENTS_BAD);
                c.Begin(Opcode.GetTokenInfo).WriteULong(slotID);
                rv = c.Call(out var r);
                if (rv != CKR.OK) return call.Return(rv);
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

    [UnmanagedCallersOnly(EntryPoint = "C_GetMechanismList")]
    public static ulong C_GetMechanismList(ulong slotID, ulong* pMechanismList, ulong* pulCount)
    {
        var call = Trace.Enter(nameof(C_GetMechanismList));
        try
        {
            if (Trace.On(Trace.Arguments))
                Trace.Args(call.Function, $"slotID={slotID} list={Trace.Ptr(pMechanismList)} *count={Marshalling.Len(pulCount)}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pulCount is null) return call.Return(CKR.ARGUMENTS_BAD);
                c.Begin(Opcode.GetMechanismList).WriteULong(slotID);
                rv = c.Call(out var reply);
                if (rv != CKR.OK) return call.Return(rv);
                return call.Return(Marshalling.ReadList(ref reply, pMechanismList, pulCount));
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

    [UnmanagedCallersOnly(EntryPoint = "C_GetMechanismInfo")]
    public static ulong C_GetMechanismInfo(ulong slotID, ulong type, CK_MECHANISM_INFO* pInfo)
    {
        var call = Trace.Enter(nameof(C_GetMechanismInfo));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID} type={Trace.Hex(type)}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pInfo is null) return call.Return(CKR.ARGUMENTS_BAD);
                var w = c.Begin(Opcode.GetMechanismInfo);
                w.WriteULong(slotID);
                w.WriteULong(type);
                rv = c.Call(out var r);
                if (rv != CKR.OK) return call.Return(rv);
                CK_MECHANISM_INFO info = default;
                info.ulMinKeySize = r.ReadULong();
                info.ulMaxKeySize = r.ReadULong();
                info.flags = r.ReadULong();
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

    [UnmanagedCallersOnly(EntryPoint = "C_InitToken")]
    public static ulong C_InitToken(ulong slotID, byte* pPin, ulong ulPinLen, byte* pLabel)
    {
        var call = Trace.Enter(nameof(C_InitToken));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"slotID={slotID} pinLen={ulPinLen}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                if (pLabel is null) return call.Return(CKR.ARGUMENTS_BAD);
                var w = c.Begin(Opcode.InitToken);
                w.WriteULong(slotID);
                rv = Marshalling.WriteNullableData(w, pPin, ulPinLen);
                if (rv != CKR.OK) return call.Return(rv);
                w.WriteRaw(new ReadOnlySpan<byte>(pLabel, 32));
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

    [UnmanagedCallersOnly(EntryPoint = "C_InitPIN")]
    public static ulong C_InitPIN(ulong hSession, byte* pPin, ulong ulPinLen)
    {
        var call = Trace.Enter(nameof(C_InitPIN));
        try
        {
            return call.Return(Calls.Pin(call, Opcode.InitPIN, hSession, pPin, ulPinLen));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SetPIN")]
    public static ulong C_SetPIN(ulong hSession, byte* pOldPin, ulong ulOldLen, byte* pNewPin, ulong ulNewLen)
    {
        var call = Trace.Enter(nameof(C_SetPIN));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"hSession={hSession} oldLen={ulOldLen} newLen={ulNewLen}");
            var c = Module.Acquire(out var rv);
            if (c is null) return call.Return(rv);
            try
            {
                var w = c.Begin(Opcode.SetPIN);
                w.WriteULong(hSession);
                rv = Marshalling.WriteNullableData(w, pOldPin, ulOldLen);
                if (rv == CKR.OK) rv = Marshalling.WriteNullableData(w, pNewPin, ulNewLen);
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
}
