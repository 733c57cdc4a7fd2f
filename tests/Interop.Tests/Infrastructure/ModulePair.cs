using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests.Infrastructure;

/// <summary>
/// Our module (a fresh token of the fixture's daemon) and SoftHSM2 (a fresh token of its own) loaded side by side in
/// this process through Pkcs11Interop, each with a R/W session logged in as User: for the cross-checks whose mechanism
/// parameters pkcs11-tool cannot pass.
/// </summary>
public sealed class ModulePair : IDisposable
{
    static ModulePair()
    {
        // Pkcs11Interop 5.3.0 P/Invokes "libdl"; Debian 12 ships only libdl.so.2.
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly,
            (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);
        // SoftHSM2 does its crypto with this process's OpenSSL 3, which has single DES only in the legacy provider:
        // without it SoftHSM2 lists DES-ECB/CBC/CBC-PAD and the DES *_ENCRYPT_DATA derivations but returns
        // CKR_MECHANISM_INVALID for them. Loaded (keeping the default provider), as an application using DES would.
        if (OsslProviderTryLoad(IntPtr.Zero, "legacy", 1) == IntPtr.Zero)
            throw new InvalidOperationException("OpenSSL 3's legacy provider (ossl-modules/legacy.so) could not be loaded");
    }

    [DllImport("libcrypto.so.3", EntryPoint = "OSSL_PROVIDER_try_load")]
    private static extern IntPtr OsslProviderTryLoad(IntPtr libraryContext, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int retainFallbacks);

    private readonly IPkcs11Library _ours;
    private readonly IPkcs11Library _softHsm;

    public ModulePair(InteropFixture fx, string label)
    {
        (_, _ours, Ours) = OpenOurs(fx, label);
        var softHsm = SoftHsmToken.Fresh(fx.WorkDir, label);
        Libc.SetEnv("SOFTHSM2_CONF", softHsm.Conf, 1); // read at C_Initialize
        _softHsm = P11.F.Pkcs11LibraryFactory.LoadPkcs11Library(P11.F, SoftHsm2.ModulePath, AppType.MultiThreaded);
        SoftHsm = Login(_softHsm.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label == label));
    }

    /// <summary>Our module alone, loaded in this process: a fresh token of <paramref name="label"/>'s slot and a User session on it.</summary>
    public static (Token Token, IPkcs11Library Library, ISession Session) OpenOurs(InteropFixture fx, string label)
    {
        var token = fx.Fresh(label);
        Libc.SetEnv("OPENCRYPTOKI_ACTORS_SOCKET", fx.Daemon.SocketPath, 1); // read at C_Initialize
        var library = P11.F.Pkcs11LibraryFactory.LoadPkcs11Library(P11.F, fx.ModulePath, AppType.MultiThreaded);
        return (token, library, Login(library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.SlotId == token.Slot)));
    }

    public ISession Ours { get; }
    public ISession SoftHsm { get; }

    /// <summary>(name, this side, the other side): both directions of a cross-check.</summary>
    public IEnumerable<(string From, ISession A, ISession B)> Directions =>
        [("ours->softhsm", Ours, SoftHsm), ("softhsm->ours", SoftHsm, Ours)];

    private static ISession Login(ISlot slot)
    {
        var s = slot.OpenSession(SessionType.ReadWrite);
        s.Login(CKU.CKU_USER, Token.UserPin);
        return s;
    }

    public void Dispose()
    {
        Ours.Dispose();
        SoftHsm.Dispose();
        _ours.Dispose();
        _softHsm.Dispose();
    }
}
