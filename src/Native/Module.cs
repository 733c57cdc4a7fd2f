using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The module's process-wide state: the connection made by C_Initialize, or none. PKCS#11 is a C API with
/// process-global initialisation, so this is the one place with static mutable state.
/// Fork-aware: the connection remembers getpid() at C_Initialize; in a child every call sees a different pid and
/// answers CKR_CRYPTOKI_NOT_INITIALIZED until the child calls C_Initialize, which starts afresh.
/// </summary>
internal static class Module
{
    private static volatile Connection? s_connection;

    // Serializes C_Initialize/C_Finalize. Replaced in a fork()ed child, where a parent thread that no longer
    // exists may hold it.
    private static Lock s_initGate = new();
    private static int s_initGatePid = Libc.GetPid();

    /// <summary>True when C_Initialize succeeded in this very process.</summary>
    public static bool IsInitialized
    {
        get
        {
            var c = s_connection;
            return c is not null && !c.Closed && c.Pid == Libc.GetPid();
        }
    }

    public static ulong Initialize()
    {
        var pid = Libc.GetPid();
        if (s_initGatePid != pid)
        {
            s_initGate = new Lock();
            s_initGatePid = pid;
        }

        lock (s_initGate)
        {
            var current = s_connection;
            if (current is not null && current.Pid == pid && !current.Closed) return CKR.CRYPTOKI_ALREADY_INITIALIZED;
            if (current is not null && current.Pid != pid)
            {
                Trace.Warning($"C_Initialize in a fork()ed child (parent pid {current.Pid}): starting a new connection");
                current.Abandon();
                s_connection = null;
            }

            var rv = Connection.Open(pid, out var connection);
            if (rv == CKR.OK) s_connection = connection;
            return rv;
        }
    }

    public static ulong Finalize()
    {
        var pid = Libc.GetPid();
        var current = s_connection;
        if (current is null || current.Pid != pid || current.Closed) return CKR.CRYPTOKI_NOT_INITIALIZED;
        lock (s_initGate)
        {
            current = s_connection;
            if (current is null || current.Pid != pid || current.Closed) return CKR.CRYPTOKI_NOT_INITIALIZED;
            s_connection = null;
            // Waits for a call in flight on another thread, then closes.
            lock (current.Gate) current.Close();
            return CKR.OK;
        }
    }

    /// <summary>CKR_OK when initialized in this process; for functions answered by the module alone.</summary>
    public static ulong Check() => IsInitialized ? CKR.OK : CKR.CRYPTOKI_NOT_INITIALIZED;

    /// <summary>
    /// Takes the connection's lock for one round trip. Returns null with the rv to answer when the module is
    /// not initialized (in this process) or the connection is broken. The caller must call
    /// <see cref="Connection.Release"/> in a finally block.
    /// </summary>
    public static Connection? Acquire(out ulong rv)
    {
        var c = s_connection;
        if (c is null || c.Pid != Libc.GetPid())
        {
            rv = CKR.CRYPTOKI_NOT_INITIALIZED;
            return null;
        }

        c.Gate.Enter();
        if (c.Closed)
        {
            c.Gate.Exit();
            rv = CKR.CRYPTOKI_NOT_INITIALIZED;
            return null;
        }

        if (c.Broken)
        {
            c.Gate.Exit();
            rv = CKR.DEVICE_ERROR;
            return null;
        }

        rv = CKR.OK;
        return c;
    }
}
