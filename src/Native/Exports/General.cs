using System.Runtime.InteropServices;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native.Exports;

/// <summary>PKCS#11 general-purpose functions (§5.4) and the 3.0 interface discovery (§5.4.4–5.4.6).</summary>
internal static unsafe partial class General
{
    public const string ManufacturerId = "OpenCryptokiActors";
    public const string LibraryDescription = "OpenCryptokiActors PKCS#11";

    [Export(0)]
    private static ulong C_Initialize(in CallTrace call, void* pInitArgs) => Initialize(call, pInitArgs, forkSafe: false);

    /// <summary>
    /// C_Initialize of the function lists the interfaces offer (CKF_INTERFACE_FORK_SAFE, <see cref="ForkSafety"/>): not an
    /// exported symbol, so that C_GetFunctionList's list and dlsym("C_Initialize") keep the rule of 2.40 (a fork()ed child calls
    /// C_Initialize). The same shell as the generated ones: trace, rv, no exception across the ABI.
    /// </summary>
    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    public static ulong C_InitializeForkSafe(void* pInitArgs)
    {
        var call = Trace.Enter(nameof(C_Initialize));
        try
        {
            return call.Return(Initialize(call, pInitArgs, forkSafe: true));
        }
        catch (Exception e)
        {
            return call.Fail(e);
        }
    }

    private static ulong Initialize(in CallTrace call, void* pInitArgs, bool forkSafe)
    {
        Trace.Configure();
        var args = (CK_C_INITIALIZE_ARGS*)pInitArgs;
        if (args is not null)
        {
            if (Trace.On(Trace.Arguments))
                Trace.Args(call.Function, $"flags={Trace.Hex(args->flags)} mutexFns={(args->CreateMutex is null ? "NULL" : "set")}");
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

        return Module.Initialize(forkSafe);
    }

    [Export(1)]
    private static ulong C_Finalize(in CallTrace call, void* pReserved)
    {
        if (!Module.IsInitialized) return CKR.CRYPTOKI_NOT_INITIALIZED;
        if (pReserved is not null) return CKR.ARGUMENTS_BAD;
        return Module.Finalize();
    }

    [Export(2)]
    private static ulong C_GetInfo(in CallTrace call, CK_INFO* pInfo)
    {
        if (!Module.IsInitialized) return CKR.CRYPTOKI_NOT_INITIALIZED;
        if (pInfo is null) return CKR.ARGUMENTS_BAD;
        pInfo->cryptokiVersion = new CK_VERSION(3, 0);
        Marshalling.Pad(ManufacturerId, pInfo->manufacturerID, 32);
        pInfo->flags = 0;
        Marshalling.Pad(LibraryDescription, pInfo->libraryDescription, 32);
        pInfo->libraryVersion = new CK_VERSION(0, 1);
        return CKR.OK;
    }

    [Export(3)]
    private static ulong C_GetFunctionList(in CallTrace call, void** ppFunctionList)
    {
        if (ppFunctionList is null) return CKR.ARGUMENTS_BAD;
        *ppFunctionList = FunctionList.V240;
        return CKR.OK;
    }

    [Export(68)]
    private static ulong C_GetInterfaceList(in CallTrace call, CK_INTERFACE* pInterfacesList, ulong* pulCount)
    {
        if (Trace.On(Trace.Arguments))
            Trace.Args(call.Function, $"list={Trace.Ptr(pInterfacesList)} *count={Marshalling.Len(pulCount)}");
        if (pulCount is null) return CKR.ARGUMENTS_BAD;
        var count = (ulong)FunctionList.InterfaceCount;
        if (pInterfacesList is null)
        {
            *pulCount = count;
            return CKR.OK;
        }

        if (*pulCount < count)
        {
            *pulCount = count;
            return CKR.BUFFER_TOO_SMALL;
        }

        for (var i = 0; i < FunctionList.InterfaceCount; i++) pInterfacesList[i] = FunctionList.Interfaces[i];
        *pulCount = count;
        return CKR.OK;
    }

    [Export(69)]
    private static ulong C_GetInterface(in CallTrace call, byte* pInterfaceName, CK_VERSION* pVersion, CK_INTERFACE** ppInterface, ulong flags)
    {
        if (Trace.On(Trace.Arguments))
        {
            var name = pInterfaceName is null ? "NULL" : Marshal.PtrToStringUTF8((nint)pInterfaceName);
            var version = pVersion is null ? "NULL" : $"{pVersion->major}.{pVersion->minor}";
            Trace.Args(call.Function, $"name={name} version={version} flags={Trace.Hex(flags)}");
        }

        if (ppInterface is null) return CKR.ARGUMENTS_BAD;
        // No interface matches: CKR_FUNCTION_FAILED, as openCryptoki answers (the specification names no code for it).
        var found = FunctionList.Find(pInterfaceName, pVersion, flags);
        if (found is null) return CKR.FUNCTION_FAILED;
        *ppInterface = found;
        return CKR.OK;
    }

    [Export(65)]
    private static ulong C_GetFunctionStatus(in CallTrace call, ulong hSession) =>
        Calls.Answer(CKR.FUNCTION_NOT_PARALLEL);

    [Export(66)]
    private static ulong C_CancelFunction(in CallTrace call, ulong hSession) =>
        Calls.Answer(CKR.FUNCTION_NOT_PARALLEL);

    /// <summary>Interval of a blocking C_WaitForSlotEvent's polls: the longest an event waits to be seen.</summary>
    private const int SlotEventPollMs = 50;

    private static ulong PollSlotEvent(ulong* pSlot)
    {
        using var c = Module.Acquire(out var rv);
        if (c is null) return rv;
        c.Begin(Cryptoki.Wire.Opcode.WaitForSlotEvent).WriteULong(CKF.DONT_BLOCK);
        rv = c.Call(out var reply);
        if (rv != CKR.OK) return rv;
        var slot = reply.ReadULong();
        reply.ExpectEnd();
        *pSlot = slot;
        if (Trace.On(Trace.Arguments)) Trace.Args(nameof(C_WaitForSlotEvent), $"event on slot {slot}");
        return CKR.OK;
    }

    [Export(67)]
    private static ulong C_WaitForSlotEvent(in CallTrace call, ulong flags, ulong* pSlot, void* pReserved)
    {
        if (Trace.On(Trace.Arguments)) Trace.Args(call.Function, $"flags={Trace.Hex(flags)}");
        if (!Module.IsInitialized) return CKR.CRYPTOKI_NOT_INITIALIZED;
        if (pSlot is null || pReserved is not null) return CKR.ARGUMENTS_BAD;
        // The daemon answers at once (an event, or CKR_NO_EVENT). A blocking wait polls it, taking the connection's
        // lock only for each short round trip, so the other threads' calls go on; C_Finalize ends the wait.
        while (true)
        {
            var rv = PollSlotEvent(pSlot);
            if (rv != CKR.NO_EVENT || (flags & CKF.DONT_BLOCK) != 0) return rv;
            Thread.Sleep(SlotEventPollMs);
        }
    }
}
