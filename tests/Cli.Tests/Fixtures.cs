using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>One ock-slotd for all tests against our module; each scenario gets its own slot.</summary>
public sealed class DaemonFixture : IDisposable
{
    public static readonly string[] Scenarios =
    [
        "pkcsconf", "pins", "generate", "import", "export", "manage", "certs", "errors", "tmux", "migrate-softhsm", "migrate-ock", "backup-src", "backup-dst",
        "keytypes", "pkcs12", "options", "migrate-fips", "rekey", "keyfiles",
    ];

    public DaemonFixture()
    {
        if (!File.Exists(Repo.ModulePath))
            throw new InvalidOperationException($"The PKCS#11 module is missing: {Repo.ModulePath}. " +
                                                "`dotnet publish src/Native -c Release -o artifacts/native` first.");
        WorkDir = Path.Combine(Path.GetTempPath(), "ock-cli-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(WorkDir);
        Daemon = new SlotDaemon(Path.Combine(WorkDir, "d"),
            Scenarios.Select((s, i) => new SlotConfig((ulong)i, s + "tok", $"ock {s} slot")).ToList());
        Daemon.Start();
    }

    public string WorkDir { get; }
    public SlotDaemon Daemon { get; }

    public void Dispose()
    {
        Daemon.Dispose();
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Builds targets: our module (a slot of the shared daemon) or a private SoftHSM2 token directory.</summary>
public static class Targets
{
    public const string SoftHsmModule = SoftHsm2.ModulePath;

    /// <summary>Our module, the scenario's slot, its token initialised by `ock token init` and `ock pin init`.</summary>
    public static Target Ours(DaemonFixture fx, string scenario, bool initialize = true)
    {
        var slot = Array.IndexOf(DaemonFixture.Scenarios, scenario);
        Assert.True(slot >= 0, scenario);
        var dir = Path.Combine(fx.WorkDir, scenario);
        Directory.CreateDirectory(dir);
        var t = new Target(Repo.ModulePath, new() { ["OPENCRYPTOKI_ACTORS_SOCKET"] = fx.Daemon.SocketPath }, scenario, dir);
        if (initialize) Initialize(t, slot.ToString());
        return t;
    }

    /// <summary>A fresh SoftHSM2 (private SOFTHSM2_CONF and token directory) with one initialised token.</summary>
    public static Target SoftHsm(string label, bool initialize = true)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ock-shsm-" + Guid.NewGuid().ToString("N")[..10]);
        var conf = SoftHsm2.Configure(dir);
        var t = new Target(SoftHsmModule, new() { ["SOFTHSM2_CONF"] = conf }, label, dir);
        if (initialize) Initialize(t, "0");
        return t;
    }

    public static void Initialize(Target t, string slot)
    {
        var r = t.RunEnv([("OCK_SO_PIN", Target.SoPin)], "token", "init", "--slot", slot, "--label", t.TokenLabel);
        Assert.True(r.ExitCode == 0, r.ToString());
        r = t.RunEnv([("OCK_SO_PIN", Target.SoPin), ("OCK_NEW_PIN", Target.UserPin)], "pin", "init", "--token", t.TokenLabel);
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}
