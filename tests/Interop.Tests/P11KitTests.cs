using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// p11-kit: config/p11-kit/opencryptoki-actors.module installed as a user's module configuration
/// (~/.config/pkcs11/modules/, pkcs11.conf(5)) is listed by <c>p11-kit list-modules</c>, and pkcs11-tool uses the
/// token through p11-kit's proxy module.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class P11KitTests(InteropFixture fx)
{
    public const string ModuleName = "opencryptoki-actors";

    /// <summary>
    /// Installs config/p11-kit/opencryptoki-actors.module for one user (HOME = the test's directory,
    /// ~/.config/pkcs11/modules/), its <c>module:</c> pointing at the built module instead of p11-kit's module
    /// directory. p11-kit ignores user configuration in programs running as root (as CI does), so then the programs
    /// run in a user namespace (<c>unshare --user</c>: uid nobody inside, the daemon still sees the real uid); where
    /// that is not permitted, the file goes to the system-wide /etc/pkcs11/modules/ until the test ends.
    /// </summary>
    public sealed class Installed : IDisposable
    {
        public required string[] Prefix { get; init; }
        public required Dictionary<string, string> Env { get; init; }
        public required string Name { get; init; }
        public string? SystemFile { get; init; }

        public void Dispose()
        {
            if (SystemFile != null) File.Delete(SystemFile);
        }
    }

    public static Installed Install(Token t)
    {
        var home = t.File("home");
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "config", "p11-kit", ModuleName + ".module"))
            .Select(l => l.StartsWith("module:", StringComparison.Ordinal) ? "module: " + t.Module : l).ToArray();
        var env = t.Env(("HOME", home), ("XDG_CONFIG_HOME", Path.Combine(home, ".config")));
        var userDir = Path.Combine(home, ".config", "pkcs11", "modules");
        Directory.CreateDirectory(userDir);
        File.WriteAllLines(Path.Combine(userDir, ModuleName + ".module"), lines);
        if (Libc.GetUid() != 0)
            return new Installed { Prefix = [], Env = env, Name = ModuleName };
        var probe = ProcessRunner.Run(Tools.Find("unshare"), ["--user", "true"], null, TimeSpan.FromSeconds(20));
        if (probe.ExitCode == 0)
            return new Installed { Prefix = [Tools.Find("unshare"), "--user"], Env = env, Name = ModuleName };
        var name = $"{ModuleName}-test-{Environment.ProcessId}";
        Directory.CreateDirectory("/etc/pkcs11/modules");
        var systemFile = $"/etc/pkcs11/modules/{name}.module";
        File.WriteAllLines(systemFile, lines);
        return new Installed { Prefix = [], Env = env, Name = name, SystemFile = systemFile };
    }

    public static string ProxyModule =>
        new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" }
            .Select(d => Path.Combine(d, "p11-kit-proxy.so")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("p11-kit-proxy.so not found: install the Debian package p11-kit-modules");

    private static ProcessResult RunAs(Token t, Installed user, string tool, params string[] args) =>
        user.Prefix.Length == 0
            ? t.OkWith(user.Env, tool, args)
            : t.OkWith(user.Env, user.Prefix[0], [.. user.Prefix[1..], Tools.Find(tool), .. args]);

    [Fact]
    public void List_modules_lists_the_installed_module_and_its_token()
    {
        var t = fx.Fresh("p11kit-list");
        using var user = Install(t);

        var r = RunAs(t, user, "p11-kit", "list-modules");
        Assert.Contains($"{user.Name}: {t.Module}", r.Stdout);
        Assert.Contains("library-description: OpenCryptokiActors PKCS#11", r.Stdout);
        Assert.Contains("library-manufacturer: OpenCryptokiActors", r.Stdout);
        Assert.Contains("token: p11kit-list", r.Stdout);
        var ours = r.Stdout[r.Stdout.IndexOf($"{user.Name}: ", StringComparison.Ordinal)..];
        var token = ours[ours.IndexOf("token: p11kit-list", StringComparison.Ordinal)..];
        Assert.Matches(@"flags:\s+(\w[\w-]*\s+)*token-initialized", token);
        Assert.Matches(@"flags:\s+(\w[\w-]*\s+)*user-pin-initialized", token);
    }

    [Fact]
    public void Pkcs11_tool_uses_the_token_through_the_p11_kit_proxy()
    {
        var t = fx.Fresh("p11kit-proxy");
        using var user = Install(t);
        string[] proxy = ["--module", ProxyModule, "--token-label", t.Label];

        var list = RunAs(t, user, "pkcs11-tool", "--module", ProxyModule, "-L");
        Assert.Matches(@"token label\s*:\s*p11kit-proxy", list.Stdout);

        var gen = RunAs(t, user, "pkcs11-tool", [.. proxy, "--login", "--pin", Token.UserPin,
            "--keypairgen", "--key-type", "EC:prime256v1", "--id", "01", "--label", "proxy-ec"]);
        Assert.Contains("Private Key Object; EC", gen.Stdout);
        var data = t.File("data.txt");
        File.WriteAllText(data, "signed through p11-kit-proxy\n");
        RunAs(t, user, "pkcs11-tool", [.. proxy, "--login", "--pin", Token.UserPin, "--sign", "--mechanism", "ECDSA-SHA256",
            "--id", "01", "--input-file", data, "--output-file", t.File("data.sig"), "--signature-format", "openssl"]);
        var verify = RunAs(t, user, "pkcs11-tool", [.. proxy, "--verify", "--mechanism", "ECDSA-SHA256", "--id", "01",
            "--input-file", data, "--signature-file", t.File("data.sig"), "--signature-format", "openssl"]);
        Assert.Contains("Signature is valid", verify.Output);

        // The same signature checked by openssl with the public key read directly from our module.
        t.Pkcs11Tool("--read-object", "--type", "pubkey", "--id", "01", "--output-file", t.File("pub.der"));
        var ossl = t.Ok("openssl", "dgst", "-sha256", "-verify", t.File("pub.der"), "-keyform", "DER",
            "-signature", t.File("data.sig"), data);
        Assert.Contains("Verified OK", ossl.Stdout);

        var objects = RunAs(t, user, "pkcs11-tool", [.. proxy, "--login", "--pin", Token.UserPin, "-O"]);
        Assert.Contains("label:      proxy-ec", objects.Stdout);
    }
}
