using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// Privilege drop: ock-slotd started as root with --user (or opencryptoki.user) binds its sockets, gives the data
/// directory to that user and runs as it with no capabilities; an unsafe data directory stops it at start with what
/// is wrong and the command that fixes it.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _26_PrivilegeDropTest
{
    public _26_PrivilegeDropTest() => EnsureUsers();

    private static string Id(string flag, string user) => ProcessRunner.Run("id", [flag, user], null, TimeSpan.FromSeconds(10)).Stdout.Trim();

    private static Dictionary<string, string> Status(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => string.Join(' ', p[1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));

    private static SlotDaemon NewDaemon(string name, string extraConfig = "", IReadOnlyList<string>? arguments = null)
    {
        var dir = NewDir(name);
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        return new SlotDaemon(dir, [new SlotConfig(0, "drop-zero", "Drop zero")], group: ClientGroup,
            extraConfig: "  socket-mode = \"0666\"\n" + extraConfig) { Arguments = arguments ?? [] };
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Started_as_root_with_a_user_it_runs_as_that_user_with_no_capabilities_and_serves_clients(bool commandLine)
    {
        var d = NewDaemon("drop", commandLine ? "" : $"  user = \"{DaemonUser}\"", commandLine ? ["--user", DaemonUser] : null);
        try
        {
            d.Start();
            var status = Status(d.Pid!.Value);
            var uid = Id("-u", DaemonUser);
            var gid = Id("-g", DaemonUser);
            Assert.Equal($"{uid} {uid} {uid} {uid}", status["Uid"]);
            Assert.Equal($"{gid} {gid} {gid} {gid}", status["Gid"]);
            Assert.Equal(gid, status["Groups"]);
            Assert.Equal("0000000000000000", status["CapEff"]);
            Assert.Equal("0000000000000000", status["CapPrm"]);
            Assert.Contains($"switched to user {DaemonUser}", d.Output);
            var owner = ProcessRunner.Run("stat", ["-c", "%U %a", d.DataDir], null, TimeSpan.FromSeconds(10)).Stdout.Trim();
            Assert.StartsWith(DaemonUser + " ", owner);
            Assert.Equal(DaemonUser, ProcessRunner.Run("stat", ["-c", "%U", Path.Combine(d.DataDir, "tokens.db")], null, TimeSpan.FromSeconds(10)).Stdout.Trim());

            // A client (another user, of the daemon's group) works: token initialised by root's pkcs11-tool, operations by the member.
            InitToken(d, 0, "dropped");
            var r = RunAs(Member, Env(d.SocketPath), "ops", "0", "2");
            Assert.True(r.ExitCode == 0, r + "\n" + d.OutputTail());
            Assert.Contains("DONE ops=2", r.Stdout);

            // It restarts on its own data directory (now the user's) and still knows the token.
            d.Restart();
            Assert.Equal($"{uid} {uid} {uid} {uid}", Status(d.Pid!.Value)["Uid"]);
            var again = RunAs(Member, Env(d.SocketPath), "ops", "0", "1");
            Assert.True(again.ExitCode == 0, again + "\n" + d.OutputTail());
            Assert.Equal(0, d.Stop());
        }
        finally
        {
            Discard(d);
        }
    }

    /// <summary>Runs ock-slotd on <paramref name="d"/>'s configuration; it must exit non-zero at once, and its stderr is returned.</summary>
    private static string Refused(SlotDaemon d, params string[] args)
    {
        var daemon = Repo.DaemonPath;
        var r = ProcessRunner.Run("dotnet", [daemon, "--config", d.ConfigFile!, .. args], null, TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.False(File.Exists(d.SocketPath) && d.CanConnect(), "it must not listen");
        Assert.False(File.Exists(d.PidFile), "no PID file is left behind");
        return r.Stderr;
    }

    [Fact]
    public void An_unsafe_data_directory_stops_it_with_what_is_wrong_and_how_to_fix_it()
    {
        var d = NewDaemon("unsafe");
        try
        {
            File.SetUnixFileMode(d.DataDir, (UnixFileMode)Convert.ToInt32("0777", 8));
            var world = Refused(d);
            Assert.Contains($"ock-slotd: cannot start: the data directory {d.DataDir} is writable by every user (mode 0777)", world);
            Assert.Contains($"Fix: chmod 0700 {d.DataDir}", world);

            File.SetUnixFileMode(d.DataDir, (UnixFileMode)Convert.ToInt32("0770", 8));
            Assert.Contains("is writable by its group (mode 0770)", Refused(d));

            File.SetUnixFileMode(d.DataDir, (UnixFileMode)Convert.ToInt32("0700", 8));
            var db = Path.Combine(d.DataDir, "tokens.db");
            File.WriteAllBytes(db, []);
            File.SetUnixFileMode(db, (UnixFileMode)Convert.ToInt32("0666", 8));
            var file = Refused(d);
            Assert.Contains($"the token store file {db} is writable by every user (mode 0666)", file);
            Assert.Contains($"Fix: chmod 0600 {db}", file);
            File.Delete(db);

            // Owned by another user than the one it is to run as.
            Assert.Equal(0, ProcessRunner.Run("chown", [Member, d.DataDir], null, TimeSpan.FromSeconds(10)).ExitCode);
            var owner = Refused(d, "--user", DaemonUser);
            Assert.Contains($"the data directory {d.DataDir} belongs to user {Member} (uid {Id("-u", Member)}), not to ock-slotd's user {DaemonUser}", owner);
            Assert.Contains($"Fix: chown -R {DaemonUser} {d.DataDir}", owner);

            var nobody = Refused(d, "--user", "ocktest-no-such-user");
            Assert.Contains("there is no user 'ocktest-no-such-user' on this host", nobody);
        }
        finally
        {
            Discard(d);
        }
    }
}
