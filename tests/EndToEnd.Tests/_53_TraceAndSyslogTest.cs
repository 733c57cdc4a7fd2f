using System.Net.Sockets;
using System.Text;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// Trace files are never opened through a planted symlink or in a world-writable directory by default, and the reason
/// for a refused C_Initialize reaches the user without a trace level: in syslog (as openCryptoki logs its errors) and in
/// what `ock` prints (issue HARDENING).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _53_TraceAndSyslogTest
{
    [Fact]
    public void A_symlink_planted_at_the_trace_files_name_is_not_followed()
    {
        EnsureUsers();
        var shared = NewDir("trace-shared"); // 1777, as /tmp
        var victim = Path.Combine(NewDir("victim"), "root-owned.conf");
        File.WriteAllText(victim, "precious\n");
        File.SetUnixFileMode(victim, (UnixFileMode)Convert.ToInt32("0644", 8));
        var socket = Path.Combine(NewDir("trace-nodaemon"), "slotd.socket");
        // an unprivileged user plants the link for the pid the client will have ($$ survives exec), then root's client traces
        var script = $"setpriv --reuid={Outsider} --regid=$(id -g {Outsider}) --clear-groups ln -s {victim} {shared}/opencryptoki-actors-trace.$$ && " +
                     $"exec {ClientPath} {Repo.ModulePath} init";
        var r = ProcessRunner.Run("sh", ["-c", script], new Dictionary<string, string>
        {
            ["OPENCRYPTOKI_ACTORS_SOCKET"] = socket, ["OPENCRYPTOKI_TRACE_LEVEL"] = "1", ["OPENCRYPTOKI_TRACE_DIR"] = shared,
        }, TimeSpan.FromSeconds(60));
        Assert.Contains("init rv=0x30 ", r.Stdout);
        Assert.Equal("precious\n", File.ReadAllText(victim));
        var traces = Directory.GetFiles(shared, "opencryptoki-actors-trace.*").Where(f => new FileInfo(f).LinkTarget is null).ToList();
        var trace = Assert.Single(traces);
        Assert.Contains("not running: no ock-slotd socket", File.ReadAllText(trace));
        Assert.Equal((UnixFileMode)Convert.ToInt32("0640", 8), File.GetUnixFileMode(trace));
    }

    [Fact]
    public void By_default_the_trace_goes_to_the_users_runtime_directory_not_to_tmp()
    {
        var runtime = Path.Combine(NewDir("xdg"), "run-user");
        Directory.CreateDirectory(runtime, (UnixFileMode)Convert.ToInt32("0700", 8));
        var socket = Path.Combine(NewDir("trace-default"), "slotd.socket");
        var r = ProcessRunner.Run(ClientPath, [Repo.ModulePath, "init"], new Dictionary<string, string>
        {
            ["OPENCRYPTOKI_ACTORS_SOCKET"] = socket, ["OPENCRYPTOKI_TRACE_LEVEL"] = "1", ["XDG_RUNTIME_DIR"] = runtime,
        }, TimeSpan.FromSeconds(60));
        Assert.Contains("init rv=0x30 ", r.Stdout);
        var dir = Path.Combine(runtime, "opencryptoki-actors");
        Assert.Equal((UnixFileMode)Convert.ToInt32("0750", 8), File.GetUnixFileMode(dir));
        var trace = Assert.Single(Directory.GetFiles(dir, "opencryptoki-actors-trace.*"));
        Assert.Equal((UnixFileMode)Convert.ToInt32("0640", 8), File.GetUnixFileMode(trace));
        Assert.Contains("not running", File.ReadAllText(trace));
    }

    [Fact]
    public void A_refused_C_Initialize_is_logged_to_syslog_and_printed_by_ock()
    {
        // glibc's syslog(3) writes to /dev/log: the test listens there (in a private mount namespace when a syslog daemon owns it)
        var dir = NewDir("syslog");
        var log = Path.Combine(dir, "log");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(log));
        File.SetUnixFileMode(log, (UnixFileMode)Convert.ToInt32("0666", 8));
        var socket = Path.Combine(dir, "nodaemon.socket");
        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = socket };
        var devLog = File.Exists("/dev/log");
        var run = devLog
            ? $"mount --bind {log} /dev/log && {ClientPath} {Repo.ModulePath} init"
            : $"{ClientPath} {Repo.ModulePath} init";
        if (!devLog) File.CreateSymbolicLink("/dev/log", log);
        try
        {
            var r = devLog
                ? ProcessRunner.Run("unshare", ["-m", "--propagation", "private", "sh", "-c", run], env, TimeSpan.FromSeconds(60))
                : ProcessRunner.Run("sh", ["-c", run], env, TimeSpan.FromSeconds(60));
            Assert.Contains("init rv=0x30 ", r.Stdout);
        }
        finally
        {
            if (!devLog) File.Delete("/dev/log");
        }

        listener.ReceiveTimeout = 5000;
        var buffer = new byte[8192];
        var message = Encoding.UTF8.GetString(buffer, 0, listener.Receive(buffer));
        Assert.Contains("libopencryptoki-actors[", message);
        Assert.Contains($"not running: no ock-slotd socket at {socket}", message);
        Assert.StartsWith("<11>", message); // LOG_USER | LOG_ERR

        // ock prints the same sentence after the CKR name
        var ockEnv = new Dictionary<string, string>(env) { ["OCK_MODULE"] = Repo.ModulePath, ["NO_COLOR"] = "1", ["DOTNET_NOLOGO"] = "1" };
        var ock = ProcessRunner.Run("dotnet", [Repo.OckDll, "slots"], ockEnv, TimeSpan.FromSeconds(120));
        Assert.NotEqual(0, ock.ExitCode);
        Assert.Contains("C_Initialize", ock.Stderr);
        Assert.Contains($"not running: no ock-slotd socket at {socket}", ock.Stderr);
    }
}
