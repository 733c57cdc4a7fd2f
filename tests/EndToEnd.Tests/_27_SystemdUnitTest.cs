using System.Globalization;
using System.Text.RegularExpressions;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// config/systemd: the unit passes systemd-analyze verify, its sandboxing keeps systemd-analyze's exposure score low,
/// and its ExecStart command line, with config/system/opencryptoki.conf, starts the real ock-slotd, which switches to
/// the named user with no capabilities and serves a client. Paths and the user are relocated into a scratch directory
/// and a test user; nothing else is changed.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _27_SystemdUnitTest
{
    private static string Unit => Path.Combine(Repo.Root, "config", "systemd", "ock-slotd.service");

    private static string[] ExecStart()
    {
        var line = File.ReadAllLines(Unit).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        return line["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public void The_unit_verifies_and_its_sandbox_scores_low_exposure()
    {
        // verify insists that the executable exists: the copy runs a stand-in at the same place in the command line.
        var dir = NewDir("unit");
        var unit = Path.Combine(dir, "ock-slotd.service");
        File.WriteAllText(unit, File.ReadAllText(Unit).Replace(ExecStart()[0], "/bin/true"));
        var verify = ProcessRunner.Run("systemd-analyze", ["verify", unit], null, TimeSpan.FromSeconds(60));
        Assert.True(verify.ExitCode == 0 && verify.Stderr.Trim().Length == 0, verify.ToString());

        var security = ProcessRunner.Run("systemd-analyze", ["security", "--offline=true", "--no-pager", unit], null, TimeSpan.FromSeconds(60));
        var score = Regex.Match(security.Stdout, @"Overall exposure level for ock-slotd\.service: (\d+\.\d)");
        Assert.True(score.Success, security.ToString());
        Assert.True(double.Parse(score.Groups[1].Value, CultureInfo.InvariantCulture) <= 3.0, security.Stdout);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void The_units_command_line_with_the_system_configuration_starts_the_real_daemon_as_the_named_user()
    {
        EnsureUsers();
        var exec = ExecStart();
        Assert.Equal("/usr/bin/ock-slotd", exec[0]);
        var configAt = Array.IndexOf(exec, "--config");
        Assert.True(configAt > 0, string.Join(' ', exec));
        var userAt = Array.IndexOf(exec, "--user");
        Assert.True(userAt > 0, string.Join(' ', exec));
        Assert.Equal("pkcsslotd", exec[userAt + 1]);

        var dir = NewDir("unit-run");
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        Directory.CreateDirectory(Path.Combine(dir, "var", "lib"), (UnixFileMode)Convert.ToInt32("0700", 8)); // as tmpfiles.d makes it
        var config = Path.Combine(dir, "opencryptoki.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(Repo.Root, "config", "system", "opencryptoki.conf"))
            .Replace("/var/lib/opencryptoki-actors", Path.Combine(dir, "var", "lib"))
            .Replace("/run/opencryptoki-actors", Path.Combine(dir, "var", "run"))
            .Replace("\"pkcsslotd\"", $"\"{DaemonUser}\""));
        var args = exec[1..].Select(a => a == exec[configAt + 1] ? config : a == "pkcsslotd" ? DaemonUser : a).ToArray();

        var d = SlotDaemon.WithConfigFile(dir, config);
        d.Arguments = args.Where((_, i) => i != configAt - 1 && i != configAt).ToArray(); // --config FILE is the daemon's own
        // Type=notify: systemd's notification socket, as systemd passes it
        Assert.Contains("Type=notify", File.ReadAllLines(Unit));
        var notifyPath = Path.Combine(dir, "notify");
        using var notify = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram,
            System.Net.Sockets.ProtocolType.Unspecified);
        notify.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(notifyPath));
        File.SetUnixFileMode(notifyPath, (UnixFileMode)Convert.ToInt32("0666", 8));
        d.Environment["NOTIFY_SOCKET"] = notifyPath;
        try
        {
            d.Start();
            notify.ReceiveTimeout = 30_000;
            var datagram = new byte[4096];
            var n = notify.Receive(datagram);
            var ready = System.Text.Encoding.UTF8.GetString(datagram, 0, n);
            Assert.Contains("READY=1", ready);
            Assert.Contains($"MAINPID={d.Pid}", ready);
            var status = File.ReadAllLines($"/proc/{d.Pid}/status");
            var uid = ProcessRunner.Run("id", ["-u", DaemonUser], null, TimeSpan.FromSeconds(10)).Stdout.Trim();
            Assert.Contains(status, l => Regex.IsMatch(l, $@"^Uid:\s+{uid}\s+{uid}\s+{uid}\s+{uid}$"));
            Assert.Contains(status, l => l == "CapEff:\t0000000000000000");
            var slots = RunAs(null, Env(d.SocketPath), "slots");
            Assert.True(slots.ExitCode == 0, slots + "\n" + d.OutputTail());
            Assert.Contains("slots=0\n", slots.Stdout);
            Assert.Equal(0, d.Stop());
        }
        finally
        {
            Discard(d);
        }
    }
}
