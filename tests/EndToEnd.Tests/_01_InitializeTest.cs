using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using LL = Net.Pkcs11Interop.LowLevelAPI80;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_Initialize, C_Finalize, C_GetInfo, the function lists and interfaces, locking, fork, no daemon.</summary>
[Collection(EndToEndCollection.Name)]
public sealed unsafe class _01_InitializeTest(EndToEndFixture fx)
{
    [Fact]
    public void Initialize_GetInfo_Finalize()
    {
        using var lib = fx.Load();
        var info = lib.GetInfo();
        Assert.Contains(info.CryptokiVersion, new[] { "2.40", "3.0", "3.1" });
        Assert.False(string.IsNullOrWhiteSpace(info.ManufacturerId));
        Assert.False(string.IsNullOrWhiteSpace(info.LibraryDescription));
        Assert.Equal(0UL, info.Flags); // CK_INFO.flags: reserved, must be zero
    }

    [Fact]
    public void Initialize_twice_and_Finalize_twice_return_the_spec_codes()
    {
        var ll = P11.LowLevel(fx.ModulePath);
        ulong count = 0;
        Assert.Equal(CKR.CKR_CRYPTOKI_NOT_INITIALIZED, ll.C_GetSlotList(false, null, ref count));
        Assert.Equal(CKR.CKR_OK, ll.C_Initialize(null));
        try
        {
            Assert.Equal(CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED, ll.C_Initialize(null));
            Assert.Equal(CKR.CKR_OK, ll.C_GetSlotList(false, null, ref count));
            Assert.True(count >= (ulong)Slots.All.Count);
            Assert.Equal(CKR.CKR_ARGUMENTS_BAD, ll.C_Finalize(new IntPtr(1))); // pReserved must be NULL
        }
        finally
        {
            Assert.Equal(CKR.CKR_OK, ll.C_Finalize(IntPtr.Zero));
        }
        Assert.Equal(CKR.CKR_CRYPTOKI_NOT_INITIALIZED, ll.C_Finalize(IntPtr.Zero));
        Assert.Equal(CKR.CKR_CRYPTOKI_NOT_INITIALIZED, ll.C_GetSlotList(false, null, ref count));
    }

    [Fact]
    public void Initialize_accepts_OS_locking_and_refuses_application_mutexes_alone()
    {
        var ll = P11.LowLevel(fx.ModulePath);

        // Only application mutex callbacks, no CKF_OS_LOCKING_OK: the module cannot use them.
        var appMutexes = new LL.CK_C_INITIALIZE_ARGS
        {
            CreateMutex = (IntPtr)(delegate* unmanaged<IntPtr, ulong>)&CreateMutex,
            DestroyMutex = (IntPtr)(delegate* unmanaged<IntPtr, ulong>)&OtherMutex,
            LockMutex = (IntPtr)(delegate* unmanaged<IntPtr, ulong>)&OtherMutex,
            UnlockMutex = (IntPtr)(delegate* unmanaged<IntPtr, ulong>)&OtherMutex,
            Flags = 0,
        };
        var rv = ll.C_Initialize(appMutexes);
        if (rv == CKR.CKR_OK)
            ll.C_Finalize(IntPtr.Zero);
        Assert.Equal(CKR.CKR_CANT_LOCK, rv);

        // Some but not all callbacks: CKR_ARGUMENTS_BAD.
        var partial = new LL.CK_C_INITIALIZE_ARGS
        {
            CreateMutex = (IntPtr)(delegate* unmanaged<IntPtr, ulong>)&CreateMutex,
            Flags = CKF.CKF_OS_LOCKING_OK,
        };
        rv = ll.C_Initialize(partial);
        if (rv == CKR.CKR_OK)
            ll.C_Finalize(IntPtr.Zero);
        Assert.Equal(CKR.CKR_ARGUMENTS_BAD, rv);

        // pReserved not NULL: CKR_ARGUMENTS_BAD.
        rv = ll.C_Initialize(new LL.CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK, Reserved = new IntPtr(1) });
        if (rv == CKR.CKR_OK)
            ll.C_Finalize(IntPtr.Zero);
        Assert.Equal(CKR.CKR_ARGUMENTS_BAD, rv);

        // CKF_OS_LOCKING_OK alone.
        Assert.Equal(CKR.CKR_OK, ll.C_Initialize(new LL.CK_C_INITIALIZE_ARGS { Flags = CKF.CKF_OS_LOCKING_OK }));
        Assert.Equal(CKR.CKR_OK, ll.C_Finalize(IntPtr.Zero));
    }

    [Fact]
    public void GetFunctionStatus_and_CancelFunction_return_FUNCTION_NOT_PARALLEL()
    {
        using var lib = fx.Load();
        using var session = fx.PublicSession(lib, Slots.Sessions, "status");
        P11.AssertRv(CKR.CKR_FUNCTION_NOT_PARALLEL, () => session.GetFunctionStatus());
        P11.AssertRv(CKR.CKR_FUNCTION_NOT_PARALLEL, () => session.CancelFunction());
    }

    [Fact]
    public void GetOperationState_is_in_the_2_40_list_and_needs_an_active_operation()
    {
        // The full state tests (and the 3.0 functions not offered yet) are in _40_Pkcs11v3Test.
        using var lib = fx.Load();
        using var session = fx.PublicSession(lib, Slots.Sessions, "status");
        P11.AssertRv(CKR.CKR_OPERATION_NOT_INITIALIZED, () => session.GetOperationState());
    }

    [Fact]
    public void GetInterfaceList_and_GetInterface_offer_PKCS11_3_2_3_0_2_40_and_Vendor_IBM()
    {
        var r = fx.RunClient("interfaces");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("interface name=PKCS 11 version=3.2", r.Stdout);
        Assert.Contains("interface name=PKCS 11 version=3.0", r.Stdout);
        Assert.Contains("interface name=PKCS 11 version=2.40", r.Stdout);
        Assert.Contains("interface name=Vendor IBM version=1.0", r.Stdout);
        Assert.Contains("get default=3.2 v240=2.40", r.Stdout);
    }

    [Fact]
    public void A_forked_child_must_initialize_again()
    {
        var r = fx.RunClient("fork");
        Assert.True(r.ExitCode == 0, r.ToString());
        // CKR_CRYPTOKI_NOT_INITIALIZED = 0x190 before its own C_Initialize, then everything works.
        Assert.Contains("child before=0x190 init=0x0 after=0x0", r.Stdout);
        Assert.Contains("parent after slots=", r.Stdout);
    }

    [Fact]
    public void Without_a_daemon_Initialize_fails_within_a_second_and_the_trace_names_the_socket()
    {
        var traceDir = Path.Combine(fx.WorkDir, "trace-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(traceDir);
        var missing = Path.Combine(fx.WorkDir, "no-daemon-here.socket");
        var env = new Dictionary<string, string>
        {
            ["OPENCRYPTOKI_ACTORS_SOCKET"] = missing,
            ["OPENCRYPTOKI_TRACE_LEVEL"] = "5",
            ["OPENCRYPTOKI_TRACE_DIR"] = traceDir,
        };
        var r = ProcessRunner.Run(fx.ClientPath, [fx.ModulePath, "init-timing"], env, TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        var line = r.Stdout.Split('\n').Single(l => l.StartsWith("rv=", StringComparison.Ordinal));
        var parts = line.Split(' ');
        Assert.NotEqual("rv=0x0", parts[0]);
        var ms = double.Parse(parts[1]["ms=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ms <= 1000, $"C_Initialize took {ms} ms without a daemon (must fail within a second)");

        var traces = Directory.GetFiles(traceDir, "opencryptoki-actors-trace.*");
        Assert.True(traces.Length == 1, $"expected one trace file in {traceDir}, found: {string.Join(", ", traces)}");
        Assert.Contains(missing, File.ReadAllText(traces[0]));
    }

    [UnmanagedCallersOnly]
    private static ulong CreateMutex(IntPtr ppMutex)
    {
        *(IntPtr*)ppMutex = new IntPtr(1);
        return 0;
    }

    [UnmanagedCallersOnly]
    private static ulong OtherMutex(IntPtr pMutex) => 0;
}
