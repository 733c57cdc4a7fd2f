using System.Net;
using System.Net.Sockets;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropFixture>
{
    // One collection: the consumers run one after another against one daemon (2 shared cores in CI).
    public const string Name = "interop";
}

/// <summary>
/// One real ock-slotd with one slot per test: every test initialises its own slot's token (a fresh token, label =
/// the test's name) and works in its own directory.
/// </summary>
public sealed class InteropFixture() : DaemonWithSlots(
[
    "p11kit-list", "p11kit-proxy",
    "ossl-req", "ossl-dgst", "ossl-tls",
    "gnutls-p11tool", "gnutls-tls",
    "tool-test", "tool-keygen", "tool-sign", "tool-crypt", "tool-wrap", "tool-derive", "tool-objects",
    "python",
    "nss",
    "java-keytool", "java-sign",
    "xcheck-list", "xcheck-aes", "xcheck-sign", "xcheck-digest", "xcheck-derive", "xcheck-wrap",
    "xcheck-cipher", "xcheck-mac", "xcheck-rsa", "xcheck-keygen", "xcheck-dsa", "xcheck-dh", "xcheck-kdf",
    "ossl-verify",
]);

/// <summary>
/// A daemon of its own for the OpenSSH tests: ssh-add -s loads every token the module shows, and OpenSSH 9.2 refuses
/// the whole module when one of them holds an EC key on a curve it has no name for (brainpool, secp256k1: "decode key:
/// unknown or unsupported key type"), as the other tests' tokens do.
/// </summary>
public sealed class SshDaemonFixture() : DaemonWithSlots(["ssh-list", "ssh-agent"]);

public abstract class DaemonWithSlots : IDisposable
{
    /// <summary>The tests' token labels, in slot order (slot id = index).</summary>
    public string[] Tokens { get; }

    protected DaemonWithSlots(string[] tokens)
    {
        Tokens = tokens;
        if (!File.Exists(Repo.ModulePath))
            throw new InvalidOperationException($"The PKCS#11 module is missing: {Repo.ModulePath}. " +
                                                "`dotnet publish src/Native -c Release -o artifacts/native` first.");
        WorkDir = Path.Combine(Path.GetTempPath(), "ock-interop-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(WorkDir);
        Daemon = new SlotDaemon(Path.Combine(WorkDir, "daemon"),
            Tokens.Select((t, i) => new SlotConfig((ulong)i, "tok" + i, "interop " + t)).ToList());
        Daemon.Start();
    }

    public string WorkDir { get; }
    public SlotDaemon Daemon { get; }
    public string ModulePath => Repo.ModulePath;

    /// <summary>Initialises the token of <paramref name="label"/>'s slot (SO and User PIN) with pkcs11-tool.</summary>
    public Token Fresh(string label)
    {
        var slot = Array.IndexOf(Tokens, label);
        Assert.True(slot >= 0, $"no slot for {label}");
        var dir = Path.Combine(WorkDir, label);
        Directory.CreateDirectory(dir);
        var t = new Token(this, label, (ulong)slot, dir);
        var init = t.Pkcs11Tool("--init-token", "--label", label, "--so-pin", Token.SoPin);
        Assert.Contains("Token successfully initialized", init.Output);
        var pin = t.Pkcs11Tool("--login", "--login-type", "so", "--so-pin", Token.SoPin, "--init-pin", "--pin", Token.UserPin);
        Assert.Contains("User PIN successfully initialized", pin.Output);
        return t;
    }

    public void Dispose()
    {
        Daemon.Dispose();
        if (Environment.GetEnvironmentVariable("OCK_E2E_KEEP") == "1") return;
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A test's token: its slot, label, PINs, working directory, and runners for the consumers.</summary>
public sealed record Token(DaemonWithSlots Fx, string Label, ulong Slot, string Dir)
{
    public const string SoPin = "87654321";
    public const string UserPin = "12345678";
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public string Module => Fx.ModulePath;

    public string File(string name) => Path.Combine(Dir, name);

    /// <summary>The consumers' environment: the daemon's socket for the module, plus <paramref name="extra"/>.</summary>
    public Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = Fx.Daemon.SocketPath };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    /// <summary>Runs a consumer (found on PATH) and asserts exit code 0.</summary>
    public ProcessResult Ok(string tool, params string[] args) => OkWith(Env(), tool, args);

    public ProcessResult OkWith(IDictionary<string, string> env, string tool, params string[] args)
    {
        var r = ProcessRunner.Run(Tools.Find(tool), args, env, Timeout);
        Assert.True(r.ExitCode == 0, $"{tool} failed:\n{r}\n--- ock-slotd\n{Fx.Daemon.OutputTail(3000)}");
        return r;
    }

    public ProcessResult Run(string tool, params string[] args) => ProcessRunner.Run(Tools.Find(tool), args, Env(), Timeout);

    /// <summary><c>pkcs11-tool --module MODULE --slot SLOT ARGS</c>, asserting exit code 0.</summary>
    public ProcessResult Pkcs11Tool(params string[] args) => Ok("pkcs11-tool", ["--module", Module, "--slot", Slot.ToString(), .. args]);

    /// <summary><c>pkcs11-tool … --login --pin PIN ARGS</c>, asserting exit code 0.</summary>
    public ProcessResult Pkcs11ToolUser(params string[] args) => Pkcs11Tool(["--login", "--pin", UserPin, .. args]);

    /// <summary>
    /// The public key with CKA_ID <paramref name="hexId"/> as a PEM file, exported by GnuTLS's p11tool (pkcs11-tool
    /// 0.23 cannot: its --read-object fails with "cannot create EVP_PKEY" for P-384 and brainpool keys, on any module).
    /// </summary>
    public string PublicKeyPem(string hexId)
    {
        var pem = File($"pub-{hexId}.pem");
        var id = string.Concat(Enumerable.Range(0, hexId.Length / 2).Select(i => "%" + hexId.Substring(2 * i, 2)));
        OkWith(Env(("GNUTLS_PIN", UserPin)), "p11tool", "--provider", Module, "--login", "--export-pubkey",
            $"pkcs11:token={Label};id={id};type=public", "--outfile", pem);
        return pem;
    }

    /// <summary>A PKCS#11 URI of an object on this token (RFC 7512).</summary>
    public string Uri(string objectLabel, string type, bool withPin = false) =>
        $"pkcs11:token={Label};object={objectLabel};type={type}" + (withPin ? $";pin-value={UserPin}" : "");
}

/// <summary>Where the consumers are, and which Debian package brings each (.ci/interop-packages).</summary>
public static class Tools
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["pkcs11-tool"] = "opensc", ["openssl"] = "openssl", ["p11tool"] = "gnutls-bin", ["certtool"] = "gnutls-bin",
        ["gnutls-serv"] = "gnutls-bin", ["gnutls-cli"] = "gnutls-bin", ["p11-kit"] = "p11-kit", ["unshare"] = "util-linux",
        ["ssh-keygen"] = "openssh-client", ["ssh-add"] = "openssh-client", ["ssh-agent"] = "openssh-client",
        ["modutil"] = "libnss3-tools", ["certutil"] = "libnss3-tools", ["java"] = "openjdk-17-jdk-headless",
        ["keytool"] = "openjdk-17-jdk-headless", ["softhsm2-util"] = "softhsm2",
    };

    /// <summary>An executable on PATH (or an absolute path), or a failure naming the package to install.</summary>
    public static string Find(string tool)
    {
        if (Path.IsPathRooted(tool))
            return System.IO.File.Exists(tool) ? tool : throw Missing(tool);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, tool);
            if (System.IO.File.Exists(candidate)) return candidate;
        }
        throw Missing(tool);
    }

    private static InvalidOperationException Missing(string tool) =>
        new($"{tool} not found: install the Debian package {Packages.GetValueOrDefault(tool, "providing " + tool)} " +
            "(.ci/interop-packages lists what the interop tests need).");

    /// <summary>A TCP port on loopback that is free right now.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Waits until the running process printed a line containing <paramref name="text"/>.</summary>
    public static void WaitFor(RunningProcess p, string text, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (p.Output.Contains(text, StringComparison.Ordinal)) return;
            if (p.HasExited)
            {
                p.WaitForExit(TimeSpan.FromSeconds(5));
                if (p.Output.Contains(text, StringComparison.Ordinal)) return;
                throw new InvalidOperationException($"{p.Command} exited before printing '{text}':\n{p.Output}");
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"{p.Command} did not print '{text}' within {timeout}:\n{p.Output}");
    }

    /// <summary>The directory of the helper programs (tests/Interop.Tests/clients, copied to the output).</summary>
    public static string Clients => Path.Combine(AppContext.BaseDirectory, "clients");
}
