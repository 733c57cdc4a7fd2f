using System.Runtime.InteropServices;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Native.Interop;

namespace OpenCryptokiActors.Native;

/// <summary>
/// CKF_INTERFACE_FORK_SAFE: after fork() the child goes on with its own copy of every session, login, operation state and
/// session object, without C_Initialize. Registered with pthread_atfork by the C_Initialize of the interfaces' function lists
/// (the 2.40 list of C_GetFunctionList keeps the old rule: a child must C_Initialize). Just before fork() the parent asks
/// ock-slotd to clone its application (ForkPrepare: one round trip, taken as any call takes a connection); in the child,
/// before fork() returns, the module forgets the parent's connections and takes the clone over (a Hello of mode 2). Parent
/// and child then no longer affect each other's sessions; token objects are shared as before. A clone the child never takes
/// over (an exec, a crash) is dropped by the daemon after a while.
/// </summary>
internal static unsafe class ForkSafety
{
    private static int s_registered;
    private static ulong s_cloneId;
    private static byte[]? s_cloneSecret;
    private static string? s_path;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) != 0) return;
        if (Libc.PthreadAtfork(&Prepare, &Parent, &Child) != 0)
        {
            Trace.Warning("pthread_atfork failed: a fork()ed child will have to call C_Initialize");
            s_registered = 0;
        }
    }

    [UnmanagedCallersOnly]
    private static void Prepare()
    {
        try
        {
            Forget();
            var pool = Module.Pool;
            if (pool is null || !pool.ForkSafe || pool.Closed || !Module.IsMine(pool)) return;
            using var c = Module.Acquire(out var rv);
            if (c is null) return;
            c.Begin(Opcode.ForkPrepare);
            rv = c.Call(out var reply);
            if (rv != CKR.OK)
            {
                Trace.Warning($"fork(): ock-slotd did not clone the application ({CkRvNames.Name(rv)}); the child will have to call C_Initialize");
                return;
            }

            s_cloneId = reply.ReadULong();
            s_cloneSecret = reply.ReadRaw(ConnectionPool.SecretLength).ToArray();
            reply.ExpectEnd();
            s_path = pool.SocketPath;
        }
        catch (Exception e)
        {
            Forget();
            Trace.Error($"fork(): preparing the child failed: {e.GetType().Name}: {e.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void Parent() => Forget();

    [UnmanagedCallersOnly]
    private static void Child()
    {
        try
        {
            var secret = s_cloneSecret;
            s_cloneSecret = null;
            var parent = Module.Pool;
            if (secret is null || parent is null || !parent.ForkSafe) return;
            parent.Abandon();
            var pid = Libc.GetPid();
            var rv = Connection.Claim(pid, Module.ChildEpoch(pid), s_path!, s_cloneId, secret, out var pool);
            CryptographicOperations.ZeroMemory(secret);
            if (rv == CKR.OK) Module.ReplacePool(pool!);
            else Trace.Error($"fork()ed child could not take over its application ({CkRvNames.Name(rv)}); it will have to call C_Initialize");
        }
        catch (Exception e)
        {
            Trace.Error($"fork()ed child: taking over the application failed: {e.GetType().Name}: {e.Message}");
        }
    }

    private static void Forget()
    {
        if (s_cloneSecret is { } s) CryptographicOperations.ZeroMemory(s);
        s_cloneSecret = null;
    }
}
