using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>
/// All end-to-end tests share one daemon and one module: the module is process-global (one C_Initialize per
/// process), so the tests of this collection run one after another. Each test class works on its own slot(s)
/// (see <see cref="Slots"/>) and re-initialises its token where it needs a fresh one.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<EndToEndFixture>
{
    public const string Name = "ock-slotd end to end";
}

/// <summary>The slot table of the fixture's daemon: one slot per test area so that the areas do not interfere.</summary>
public static class Slots
{
    public const ulong Objects = 0;
    public const ulong Crypto = 1;
    public const ulong Login = 2;
    public const ulong Sessions = 3;
    public const ulong Persistence = 4;
    public const ulong SecretAtRest = 5;
    public const ulong MultiProcess = 6;
    public const ulong Pkcs11Tool = 7;
    public const ulong Pkcs11ToolSelfTest = 8;
    public const ulong NeverInitialized = 9;
    public const ulong InitToken = 10;
    public const ulong KeyManagement = 11;
    public const ulong KeyManagementPermissive = 12;
    public const ulong Misuse = 13;

    /// <summary>max-login-failures of <see cref="Login"/>, small so that the PIN count flags can be walked through.</summary>
    public const int LoginMaxFailures = 3;

    public static readonly IReadOnlyList<SlotConfig> All =
    [
        new(Objects, "objtok", "Objects test token"),
        new(Crypto, "cryptok", "Crypto test token"),
        new(Login, "logintok", "Login rules test token", LoginMaxFailures),
        new(Sessions, "sesstok", "Sessions test token"),
        new(Persistence, "persisttok", "Persistence test token"),
        new(SecretAtRest, "resttok", "Secret at rest test token"),
        new(MultiProcess, "mptok", "Multi-process test token"),
        new(Pkcs11Tool, "tooltok", "pkcs11-tool test token"),
        new(Pkcs11ToolSelfTest, "selftesttok", "pkcs11-tool --test token"),
        new(NeverInitialized, "freshtok", "Never initialised token"),
        new(InitToken, "inittok", "Init token test token"),
        new(KeyManagement, "kmtok", "Key-management strict token"),
        new(KeyManagementPermissive, "kmpermtok", "Key-management permissive token", KeyManagement: "permissive"),
        new(Misuse, "misusetok", "C ABI misuse token"),
    ];
}

public sealed class EndToEndFixture : IDisposable
{
    public const string SoPin = "87654321";
    public const string UserPin = "12345678";

    private readonly Lazy<string> _client;

    static EndToEndFixture()
    {
        // Pkcs11Interop 5.3.0 P/Invokes "libdl"; Debian 12 ships only libdl.so.2.
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly,
            (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);
    }

    public EndToEndFixture()
    {
        ModulePath = Repo.ModulePath;
        if (!File.Exists(ModulePath))
            throw new InvalidOperationException(
                $"The PKCS#11 module is missing: {ModulePath}. Publish it first: " +
                "`dotnet publish src/Native -c Release -o artifacts/native` (scripts/test.sh does), " +
                "or point OCK_MODULE at a built libopencryptoki-actors.so.");

        // Short path: a Unix socket path must fit in 108 bytes.
        WorkDir = Path.Combine(Path.GetTempPath(), "ock-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(WorkDir);
        Daemon = new SlotDaemon(Path.Combine(WorkDir, "d"), Slots.All);

        // The module (in this process and in every child) finds the daemon through this variable.
        Libc.SetEnv("OPENCRYPTOKI_ACTORS_SOCKET", Daemon.SocketPath, 1);
        Environment.SetEnvironmentVariable("OPENCRYPTOKI_ACTORS_SOCKET", Daemon.SocketPath);

        _client = new Lazy<string>(CompileClient);
        Daemon.Start();
    }

    public Pkcs11InteropFactories Factories { get; } = new();
    public string ModulePath { get; }
    public string WorkDir { get; }
    public SlotDaemon Daemon { get; }

    /// <summary>Loads the module and calls C_Initialize (CKF_OS_LOCKING_OK). Dispose calls C_Finalize.</summary>
    public IPkcs11Library Load() =>
        Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, ModulePath, AppType.MultiThreaded);

    /// <summary>The C client (clients/p11client.c), compiled with gcc on first use.</summary>
    public string ClientPath => _client.Value;

    /// <summary>Environment for child processes: the daemon's socket.</summary>
    public Dictionary<string, string> ChildEnvironment(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = Daemon.SocketPath };
        foreach (var (k, v) in extra)
            env[k] = v;
        return env;
    }

    public ISlot Slot(IPkcs11Library lib, ulong slotId)
    {
        var slots = lib.GetSlotList(SlotsType.WithOrWithoutTokenPresent);
        return slots.SingleOrDefault(s => s.SlotId == slotId)
               ?? throw new InvalidOperationException(
                   $"Slot {slotId} not in C_GetSlotList: [{string.Join(", ", slots.Select(s => s.SlotId))}]");
    }

    /// <summary>
    /// A fresh token in <paramref name="slotId"/>: C_InitToken (re-initialising wipes its objects), then the SO
    /// sets the User PIN. Returns the slot; no session is left open.
    /// </summary>
    public ISlot FreshToken(IPkcs11Library lib, ulong slotId, string label, string soPin = SoPin, string userPin = UserPin)
    {
        var slot = Slot(lib, slotId);
        slot.InitToken(soPin, label);
        using (var so = slot.OpenSession(SessionType.ReadWrite))
        {
            so.Login(CKU.CKU_SO, soPin);
            so.InitPin(userPin);
            so.Logout();
        }
        return slot;
    }

    /// <summary>A fresh token and a public (not logged in) session.</summary>
    public ISession PublicSession(IPkcs11Library lib, ulong slotId, string label, SessionType type = SessionType.ReadOnly) =>
        FreshToken(lib, slotId, label).OpenSession(type);

    /// <summary>A fresh token and a R/W session logged in as User.</summary>
    public ISession UserSession(IPkcs11Library lib, ulong slotId, string label)
    {
        var slot = FreshToken(lib, slotId, label);
        var session = slot.OpenSession(SessionType.ReadWrite);
        session.Login(CKU.CKU_USER, UserPin);
        return session;
    }

    public ProcessResult RunClient(params string[] args) =>
        ProcessRunner.Run(ClientPath, [ModulePath, .. args], ChildEnvironment(), TimeSpan.FromSeconds(60));

    private string CompileClient()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "clients", "p11client.c");
        var output = Path.Combine(WorkDir, "p11client");
        var result = ProcessRunner.Run("gcc",
            ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", output, source, "-ldl"],
            null, TimeSpan.FromSeconds(120));
        if (result.ExitCode != 0)
            throw new InvalidOperationException(
                "gcc could not build the test client (needs gcc and libp11-kit-dev, which .ci/run installs):\n" + result);
        return output;
    }

    public void Dispose()
    {
        Daemon.Dispose();
        if (Environment.GetEnvironmentVariable("OCK_E2E_KEEP") is not { Length: > 0 })
        {
            try
            {
                Directory.Delete(WorkDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
