using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// The module's process-wide state: the connection pool made by C_Initialize, or none. PKCS#11 is a C API with
/// process-global initialisation, so this is the one place with static mutable state.
/// Fork-aware without a getpid() per call: C_Initialize writes a fresh epoch into a page mapped with
/// MADV_WIPEONFORK, which the kernel hands to a fork()ed child zeroed; a pool whose epoch is not in the page
/// belongs to the parent, so in a child every call answers CKR_CRYPTOKI_NOT_INITIALIZED until the child calls
/// C_Initialize, which starts afresh. Where the kernel lacks MADV_WIPEONFORK (before 4.14) the check is getpid().
/// </summary>
internal static unsafe class Module
{
    private const int PageSize = 4096;

    private static volatile ConnectionPool? s_pool;

    // Serializes C_Initialize/C_Finalize. Replaced in a fork()ed child, where a parent thread that no longer
    // exists may hold it.
    private static Lock s_initGate = new();
    private static int s_initGatePid = Libc.GetPid();

    private static ulong* s_forkPage;
    private static bool s_forkPageTried;
    private static ulong s_lastEpoch;

    /// <summary>True when <paramref name="pool"/> was made by C_Initialize in this very process (not in a parent).</summary>
    private static bool Mine(ConnectionPool pool)
    {
        var page = s_forkPage;
        return page is not null ? *(ulong*)page == pool.Epoch : pool.Pid == Libc.GetPid();
    }

    /// <summary>True when C_Initialize succeeded in this very process.</summary>
    public static bool IsInitialized
    {
        get
        {
            var p = s_pool;
            return p is not null && !p.Closed && Mine(p);
        }
    }

    public static ulong Initialize(bool forkSafe = false)
    {
        var pid = Libc.GetPid();
        if (s_initGatePid != pid)
        {
            s_initGate = new Lock();
            s_initGatePid = pid;
        }

        lock (s_initGate)
        {
            var current = s_pool;
            if (current is not null && Mine(current) && !current.Closed && current.AwaitsChildInitialize)
            {
                // A fork()ed child of a fork-safe module already has its copy; its first C_Initialize is accepted as is.
                current.AwaitsChildInitialize = false;
                return CKR.OK;
            }

            if (current is not null && Mine(current) && !current.Closed) return CKR.CRYPTOKI_ALREADY_INITIALIZED;
            if (current is not null && !Mine(current))
            {
                Trace.Warning($"C_Initialize in a fork()ed child (parent pid {current.Pid}): starting a new connection");
                current.Abandon();
                s_pool = null;
            }

            var epoch = NewEpoch(pid);
            var rv = Connection.Open(pid, epoch, out var pool, forkSafe);
            if (rv == CKR.OK) s_pool = pool;
            if (rv == CKR.OK && forkSafe) ForkSafety.Register();
            return rv;
        }
    }

    /// <summary>The pool of this process, whoever made it (a parent's, in a fork()ed child); for <see cref="ForkSafety"/>.</summary>
    internal static ConnectionPool? Pool => s_pool;

    /// <summary>True when <paramref name="pool"/> belongs to this process.</summary>
    internal static bool IsMine(ConnectionPool pool) => Mine(pool);

    /// <summary>In a fork()ed child: the pool that took the parent's application clone over replaces the parent's.</summary>
    internal static void ReplacePool(ConnectionPool pool) => s_pool = pool;

    /// <summary>A new fork epoch for this process (<see cref="NewEpoch"/>).</summary>
    internal static ulong ChildEpoch(int pid) => NewEpoch(pid);

    /// <summary>Writes a new epoch into the fork page (mapping it on first use) and returns it.</summary>
    private static ulong NewEpoch(int pid)
    {
        if (!s_forkPageTried)
        {
            s_forkPageTried = true;
            var page = Libc.Mmap(null, PageSize, Libc.PROT_READ_WRITE, Libc.MAP_PRIVATE_ANONYMOUS, -1, 0);
            if (page != (void*)-1 && page is not null)
            {
                if (Libc.Madvise(page, PageSize, Libc.MADV_WIPEONFORK) == 0) s_forkPage = (ulong*)page;
                else Libc.Munmap(page, PageSize);
            }
        }

        var epoch = ((ulong)(uint)pid << 32) | (uint)++s_lastEpoch;
        if (s_forkPage is not null)
        {
            // Harmless when already set; makes sure a child's page is wiped in its own children too.
            Libc.Madvise(s_forkPage, PageSize, Libc.MADV_WIPEONFORK);
            Volatile.Write(ref *s_forkPage, epoch);
        }

        return epoch;
    }

    public static ulong Finalize()
    {
        var current = s_pool;
        if (current is null || !Mine(current) || current.Closed) return CKR.CRYPTOKI_NOT_INITIALIZED;
        lock (s_initGate)
        {
            current = s_pool;
            if (current is null || !Mine(current) || current.Closed) return CKR.CRYPTOKI_NOT_INITIALIZED;
            s_pool = null;
            // Waits for the calls in flight on other threads, then closes every connection.
            current.Close();
            return CKR.OK;
        }
    }

    /// <summary>CKR_OK when initialized in this process; for functions answered by the module alone.</summary>
    public static ulong Check() => IsInitialized ? CKR.OK : CKR.CRYPTOKI_NOT_INITIALIZED;

    /// <summary>
    /// Takes a connection of the pool for one round trip. Returns null with the rv to answer when the module is
    /// not initialized (in this process) or the pool is broken. The caller gives it back with
    /// <see cref="Connection.Release"/>: <c>using var c = Module.Acquire(out var rv);</c>.
    /// </summary>
    public static Connection? Acquire(out ulong rv)
    {
        var p = s_pool;
        if (p is null || !Mine(p))
        {
            rv = CKR.CRYPTOKI_NOT_INITIALIZED;
            return null;
        }

        return p.Acquire(out rv);
    }
}
