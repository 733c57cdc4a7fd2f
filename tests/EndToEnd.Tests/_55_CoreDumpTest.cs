using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// ock-slotd holds PINs and keys in its memory: it makes itself non-dumpable (no core dump, no ptrace or /proc/PID/mem
/// by its own user) unless opencryptoki.core-dumps is set. Seen from outside: the kernel gives a non-dumpable process's
/// /proc/PID files to root, whoever runs it (issue HARDENING).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _55_CoreDumpTest
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_daemon_run_by_a_plain_user_is_not_dumpable_unless_configured(bool coreDumps)
    {
        EnsureUsers();
        var dir = NewDir(coreDumps ? "dumps-on" : "dumps-off");
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("0755", 8));
        var uid = int.Parse(ProcessRunner.Run("id", ["-u", DaemonUser], null, TimeSpan.FromSeconds(10)).Stdout.Trim());
        var daemon = new SlotDaemon(dir, [new SlotConfig(0, "dump", "Core dumps")], extraConfig:
            $"  core-dumps = {(coreDumps ? "true" : "false")}\n  admin {{ socket = \"{Path.Combine(dir, "run", "admin.socket")}\" }}");
        foreach (var sub in new[] { daemon.DataDir, daemon.RunDir })
        {
            Directory.CreateDirectory(sub);
            Assert.Equal(0, ProcessRunner.Run("chown", ["-R", DaemonUser, sub], null, TimeSpan.FromSeconds(10)).ExitCode);
        }

        Assert.Equal(0, ProcessRunner.Run("chown", [DaemonUser, dir], null, TimeSpan.FromSeconds(10)).ExitCode);
        var gid = ProcessRunner.Run("id", ["-g", DaemonUser], null, TimeSpan.FromSeconds(10)).Stdout.Trim();
        var dll = Repo.DaemonPath;
        using var process = ProcessRunner.Start("setpriv",
            [$"--reuid={DaemonUser}", $"--regid={gid}", "--init-groups", "--", "dotnet", dll, "--config", daemon.ConfigFile!],
            new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = dir, ["HOME"] = dir });
        try
        {
            var (up, seen) = WaitFor(() => (daemon.CanConnect(), process.Output), TimeSpan.FromSeconds(90));
            Assert.True(up, seen);
            var owner = ProcessRunner.Run("stat", ["-c", "%u", $"/proc/{process.Id}/environ"], null, TimeSpan.FromSeconds(10)).Stdout.Trim();
            Assert.Equal(coreDumps ? uid.ToString() : "0", owner);
        }
        finally
        {
            process.Signal(Libc.SIGTERM);
            process.WaitForExit(TimeSpan.FromSeconds(30));
            Discard(daemon);
        }
    }
}
