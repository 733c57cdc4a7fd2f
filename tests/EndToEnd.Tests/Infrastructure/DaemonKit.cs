using System.Diagnostics;
using OpenCryptokiActors.Cryptoki.Admin;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What the slot daemon's tests (_20_ onwards) share: the C client clients/daemonclient.c, real Unix users and
/// groups (prefix <c>ocktest</c>, created idempotently), running a client as one of them (setpriv), private daemons,
/// module traces and the admin socket.
/// </summary>
public static class DaemonKit
{
    public const string SoPin = "87654321";
    public const string UserPin = "12345678";

    /// <summary>The daemon's group in these tests (opencryptoki.group).</summary>
    public const string ClientGroup = "ocktest-p11";

    /// <summary>The group a restricted slot is reserved for.</summary>
    public const string SlotGroup = "ocktest-hr";

    /// <summary>In <see cref="ClientGroup"/> only.</summary>
    public const string Member = "ocktest-member";

    /// <summary>In <see cref="ClientGroup"/> and <see cref="SlotGroup"/>.</summary>
    public const string HrMember = "ocktest-hruser";

    /// <summary>In neither group.</summary>
    public const string Outsider = "ocktest-outsider";

    /// <summary>The user ock-slotd switches to (opencryptoki.user, --user) in the privilege-drop tests; in no group of the tests.</summary>
    public const string DaemonUser = "ocktest-slotd";

    private static readonly object Gate = new();
    private static string? s_client;
    private static bool s_users;

    /// <summary>A world-readable scratch directory (other users run the client from it and write traces into it).</summary>
    public static string NewDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ock-{name}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("1777", 8));
        return dir;
    }

    /// <summary>clients/daemonclient.c compiled once per test run.</summary>
    public static string ClientPath
    {
        get
        {
            lock (Gate)
            {
                if (s_client is not null) return s_client;
                var source = Path.Combine(AppContext.BaseDirectory, "clients", "daemonclient.c");
                var output = Path.Combine(NewDir("client"), "daemonclient");
                var r = ProcessRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-I/usr/include/p11-kit-1", "-o", output, source, "-ldl", "-lpthread"],
                    null, TimeSpan.FromSeconds(120));
                if (r.ExitCode != 0) throw new InvalidOperationException("gcc could not build daemonclient (needs gcc, libp11-kit-dev):\n" + r);
                return s_client = output;
            }
        }
    }

    /// <summary>Creates the test users and groups once (useradd/groupadd; idempotent, also across runs). Needs root.</summary>
    public static void EnsureUsers()
    {
        lock (Gate)
        {
            if (s_users) return;
            if (Environment.UserName != "root" && Libc.GetUid() != 0)
                throw new InvalidOperationException("the access-control tests create Unix users and groups: run them as root");
            foreach (var g in new[] { ClientGroup, SlotGroup })
                if (!Exists("getent", "group", g)) Must("groupadd", g);
            EnsureUser(Member, ClientGroup);
            EnsureUser(HrMember, $"{ClientGroup},{SlotGroup}");
            EnsureUser(Outsider, null);
            EnsureUser(DaemonUser, null);
            s_users = true;
        }
    }

    private static void EnsureUser(string name, string? groups)
    {
        if (!Exists("id", "-u", name)) Must("useradd", "-M", "-N", "-s", "/usr/sbin/nologin", name);
        if (groups is not null) Must("usermod", "-G", groups, name);
    }

    private static bool Exists(string tool, params string[] args) => ProcessRunner.Run(tool, args, null, TimeSpan.FromSeconds(30)).ExitCode == 0;

    private static void Must(string tool, params string[] args)
    {
        var r = ProcessRunner.Run(tool, args, null, TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{tool} failed:\n{r}");
    }

    /// <summary>Runs the client as <paramref name="user"/> (real uid, gid and groups from the group database: setpriv --init-groups).</summary>
    public static ProcessResult RunAs(string? user, IDictionary<string, string> env, params string[] args)
    {
        var client = ClientPath;
        var module = Repo.ModulePath;
        if (user is null) return ProcessRunner.Run(client, [module, .. args], env, TimeSpan.FromSeconds(60));
        var gid = ProcessRunner.Run("id", ["-g", user], null, TimeSpan.FromSeconds(10)).Stdout.Trim();
        return ProcessRunner.Run("setpriv", [$"--reuid={user}", $"--regid={gid}", "--init-groups", "--", client, module, .. args],
            env, TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs <c>ock</c> (dotnet ock.dll) as <paramref name="user"/> (null: as root) against <paramref name="daemon"/>'s admin socket.</summary>
    public static ProcessResult OckAs(string? user, SlotDaemon daemon, params string[] args)
    {
        var env = new Dictionary<string, string>
        {
            [AdminClient.SocketVariable] = daemon.AdminSocketPath,
            ["NO_COLOR"] = "1",
            ["DOTNET_CLI_HOME"] = Path.GetTempPath(),
            ["DOTNET_NOLOGO"] = "1",
        };
        string[] ock = ["dotnet", Repo.OckDll, .. args];
        if (user is null) return ProcessRunner.Run(ock[0], ock[1..], env, TimeSpan.FromSeconds(120));
        var gid = ProcessRunner.Run("id", ["-g", user], null, TimeSpan.FromSeconds(10)).Stdout.Trim();
        return ProcessRunner.Run("setpriv", [$"--reuid={user}", $"--regid={gid}", "--init-groups", "--", .. ock], env, TimeSpan.FromSeconds(120));
    }

    /// <summary>The environment of a client of <paramref name="socket"/>, tracing errors (level 1) into <paramref name="traceDir"/>.</summary>
    public static Dictionary<string, string> Env(string socket, string? traceDir = null)
    {
        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = socket };
        if (traceDir is not null)
        {
            env["OPENCRYPTOKI_TRACE_LEVEL"] = "1";
            env["OPENCRYPTOKI_TRACE_DIR"] = traceDir;
        }

        return env;
    }

    /// <summary>Everything the module traced into <paramref name="traceDir"/> (all processes).</summary>
    public static string Traces(string traceDir) =>
        string.Join("\n", Directory.GetFiles(traceDir, "opencryptoki-actors-trace.*").Select(File.ReadAllText));

    /// <summary>A private daemon, started, with the given slots (group, socket mode and more in <paramref name="extraConfig"/>).</summary>
    public static SlotDaemon StartDaemon(string name, IReadOnlyList<SlotConfig> slots, string group = ClientGroup, string extraConfig = "")
    {
        var dir = NewDir(name);
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        var daemon = new SlotDaemon(dir, slots, group: group, extraConfig: extraConfig);
        daemon.Start();
        return daemon;
    }

    /// <summary>Stops the daemon and deletes its directory (kept with OCK_E2E_KEEP=1).</summary>
    public static void Discard(SlotDaemon daemon)
    {
        daemon.Dispose();
        if (Environment.GetEnvironmentVariable("OCK_E2E_KEEP") is { Length: > 0 }) return;
        try
        {
            Directory.Delete(daemon.BaseDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static AdminClient Admin(SlotDaemon daemon) => AdminClient.Connect(daemon.AdminSocketPath, TimeSpan.FromSeconds(60));

    /// <summary>C_InitToken + the User PIN through pkcs11-tool (a real client), so that the token has a User.</summary>
    public static void InitToken(SlotDaemon daemon, ulong slot, string label)
    {
        var env = Env(daemon.SocketPath);
        var r = Pkcs11Tool.RunWith(Repo.ModulePath, env, "--slot", slot.ToString(), "--init-token", "--label", label, "--so-pin", SoPin);
        if (r.ExitCode != 0) throw new InvalidOperationException(r + "\n" + daemon.OutputTail());
        r = Pkcs11Tool.RunWith(Repo.ModulePath, env, "--slot", slot.ToString(), "--init-pin", "--so-pin", SoPin, "--pin", UserPin);
        if (r.ExitCode != 0) throw new InvalidOperationException(r + "\n" + daemon.OutputTail());
    }

    /// <summary>Polls <paramref name="probe"/> until it returns true or the timeout passes; returns the last description.</summary>
    public static (bool Ok, string Seen) WaitFor(Func<(bool Ok, string Seen)> probe, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        (bool Ok, string Seen) last;
        do
        {
            last = probe();
            if (last.Ok) return last;
            Thread.Sleep(50);
        } while (watch.Elapsed < timeout);
        return last;
    }
}
