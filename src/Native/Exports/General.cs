using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 general-purpose functions (§5.4) and the 3.0 interface discovery (§5.4.4–5.4.6).</summary>
internal static unsafe class General
{
    public const string ManufacturerId = "OpenCryptokiActors";
    public const string LibraryDescription = "OpenCryptokiActors PKCS#11";

    [UnmanagedCallersOnly(EntryPoint = "C_Initialize")]
    public static ulong C_Initialize(void* pInitArgs)
    {
        var call = Trace.Enter(nameof(C_Initialize));
        try
        {
            Trace.Configure();
            return call.Return(Initialize((CK_C_INITIALIZE_ARGS*)pInitArgs));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    private static ulong Initialize(CK_C_INITIALIZE_ARGS* args)
    {
        if (args is not null)
        {
            if (Trace.On(Trace.Arguments))
                Trace.Args(nameof(C_Initialize), $"flags={Trace.Hex(args->flags)} mutexFns={(args->CreateMutex is null ? "NULL" : "set")}");
            if (args->pReserved is not null) return CKR.ARGUMENTS_BAD;
            var set = (args->CreateMutex is not null ? 1 : 0) + (args->DestroyMutex is not null ? 1 : 0)
                      + (args->LockMutex is not null ? 1 : 0) + (args->UnlockMutex is not null ? 1 : 0);
            if (set != 0 && set != 4) return CKR.ARGUMENTS_BAD;
            if (set == 4 && (args->flags & CKF.OS_LOCKING_OK) == 0)
            {
                Trace.Warning("C_Initialize: only the application's mutex functions were offered; the module needs OS locking (CKF_OS_LOCKING_OK)");
                return CKR.CANT_LOCK;
            }
        }

        return Module.Initialize();
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Finalize")]
    public static ulong C_Finalize(void* pReserved)
    {
        var call = Trace.Enter(nameof(C_Finalize));
        try
        {
            if (!Module.IsInitialized) return call.Return(CKR.CRYPTOKI_NOT_INITIALIZED);
            if (pReserved is not null) return call.Return(CKR.ARGUMENTS_BAD);
            return call.Return(Module.Finalize());
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetInfo")]
    public static ulong C_GetInfo(CK_INFO* pInfo)
    {
        var call = Trace.Enter(nameof(C_GetInfo));
        try
        {
            if (!Module.IsInitialized) return call.Return(CKR.CRYPTOKI_NOT_INITIALIZED);
            if (pInfo is null) return call.Return(CKR.ARGUMENTS_BAD);
            pInfo->cryptokiVersion = new CK_VERSION(3, 0);
            Marshalling.Pad(ManufacturerId, pInfo->manufacturerID, 32);
            pInfo->flags = 0;
            Marshalling.Pad(LibraryDescription, pInfo->libraryDescription, 32);
            pInfo->libraryVersion = new CK_VERSION(0, 1);
            return call.Return(CKR.OK);
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetFunctionList")]
    public static ulong C_GetFunctionList(void** ppFunctionList)
    {
        var call = Trace.Enter(nameof(C_GetFunctionList));
        try
        {
            if (ppFunctionList is null) return call.Return(CKR.ARGUMENTS_BAD);
            *ppFunctionList = FunctionList.V240;
            return call.Return(CKR.OK);
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetInterfaceList")]
    public static ulong C_GetInterfaceList(CK_INTERFACE* pInterfacesList, ulong* pulCount)
    {
        var call = Trace.Enter(nameof(C_GetInterfaceList));
        try
        {
            if (Trace.On(Trace.Arguments))
                Trace.Args(call.Function, $"list={Trace.Ptr(pInterfacesList)} *count={Marshalling.Len(pulCount)}");
            if (pulCount is null) return call.Return(CKR.ARGUMENTS_BAD);
            var count = (ulong)FunctionList.InterfaceCount;
            if (pInterfacesList is null)
            {
                *pulCount = count;
                return call.Return(CKR.OK);
            }

            if (*pulCount < count)
            {
                *pulCount = count;
                return call.Return(CKR.BUFFER_TOO_SMALL);
            }

            for (var i = 0; i < FunctionList.InterfaceCount; i++) pInterfacesList[i] = FunctionList.Interfaces[i];
            *pulCount = count;
            return call.Return(CKR.OK);
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetInterface")]
    public static ulong C_GetInterface(byte* pInterfaceName, CK_VERSION* pVersion, CK_INTERFACE** ppInterface, ulong flags)
    {
        var call = Trace.Enter(nameof(C_GetInterface));
        try
        {
            if (Trace.On(Trace.Arguments))
            {
                var name = pInterfaceName is null ? "NULL" : Marshal.PtrToStringUTF8((nint)pInterfaceName);
                var version = pVersion is null ? "NULL" : $"{pVersion->major}.{pVersion->minor}";
                Trace.Args(call.Function, $"name={name} version={version} flags={Trace.Hex(flags)}");
            }

            if (ppInterface is null) return call.Return(CKR.ARGUMENTS_BAD);
            var found = FunctionList.Find(pInterfaceName, pVersion, flags);
            if (found is null) return call.Return(CKR.ARGUMENTS_BAD);
            *ppInterface = found;
            return call.Return(CKR.OK);
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetFunctionStatus")]
    public static ulong C_GetFunctionStatus(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_GetFunctionStatus));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_PARALLEL));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CancelFunction")]
    public static ulong C_CancelFunction(ulong hSession)
    {
        var call = Trace.Enter(nameof(C_CancelFunction));
        try
        {
            return call.Return(Calls.Answer(CKR.FUNCTION_NOT_PARALLEL));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    /// <summary>Interval of a blocking C_WaitForSlotEvent's polls: the longest an event waits to be seen.</summary>
    private const int SlotEventPollMs = 50;

    private static ulong PollSlotEvent(ulong* pSlot)
    {
        var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        try
        {
            c.Begin(Cryptoki.Wire.Opcode.WaitForSlotEvent).WriteULong(CKF.DONT_BLOCK);
            rv = c.Call(out var reply);
            if (rv != CKR.OK) return rv;
            var slot = reply.ReadULong();
            reply.ExpectEnd();
            *pSlot = slot;
            if (Trace.On(Trace.Arguments)) Trace.Args(nameof(C_WaitForSlotEvent), $"event on slot {slot}");
            return CKR.OK;
        }
        finally
        {
            c.Release();
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "C_WaitForSlotEvent")]
    public static ulong C_WaitForSlotEvent(ulong flags, ulong* pSlot, void* pReserved)
    {
        var call = Trace.Enter(nameof(C_WaitForSlotEvent));
        try
        {
            if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"flags={Trace.Hex(flags)}");
            if (!Module.IsInitialized) return call.Return(CKR.CRYPTOKI_NOT_INITIALIZED);
            if (pSlot is null || pReserved is not null) return call.Return(CKR.ARGUMENTS_BAD);
            // The daemon answers at once (an event, or CKR_NO_EVENT). A blocking wait polls it, taking the connection's
            // lock only for each short round trip, so the other threads' calls go on; C_Finalize ends the wait.
            while (true)
            {
                var rv = PollSlotEvent(pSlot);
                if (rv != CKR.NO_EVENT || (flags & CKF.DONT_BLOCK) != 0) return call.Return(rv);
                Thread.Sleep(SlotEventPollMs);
            }
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }
}
