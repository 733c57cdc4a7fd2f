using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>ock-slotd as a process: socket, PID file, SIGTERM, restart, the deployable default configuration.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _00_DaemonTest(EndToEndFixture fx)
{
    [Fact]
    public void Daemon_listens_on_its_socket_and_writes_its_pid_file()
    {
        Assert.True(fx.Daemon.CanConnect(), "socket not connectable:\n" + fx.Daemon.OutputTail());
        Assert.True(File.Exists(fx.Daemon.PidFile), $"no pid file at {fx.Daemon.PidFile}:\n" + fx.Daemon.OutputTail());
        Assert.Equal(fx.Daemon.Pid.ToString(), File.ReadAllText(fx.Daemon.PidFile).Trim());
    }

    [Fact]
    public void Daemon_stops_cleanly_on_SIGTERM_and_restarts_on_the_same_data_dir()
    {
        var exitCode = fx.Daemon.Restart();
        Assert.True(exitCode == 0, $"ock-slotd exit code after SIGTERM: {exitCode}\n" + fx.Daemon.OutputTail());
        Assert.True(fx.Daemon.CanConnect());
        Assert.Equal(fx.Daemon.Pid.ToString(), File.ReadAllText(fx.Daemon.PidFile).Trim());
        using var lib = fx.Load();
        Assert.Contains(lib.GetSlotList(Net.Pkcs11Interop.Common.SlotsType.WithTokenPresent), s => s.SlotId == Slots.Objects);
    }

    [Fact]
    public void Deployable_config_runs_without_arguments_and_pkcs11_tool_lists_the_soft_token()
    {
        var dir = Path.Combine(fx.WorkDir, "deploy-" + Guid.NewGuid().ToString("N")[..6]);
        using var daemon = SlotDaemon.WithDeployableConfig(dir);
        daemon.Start(); // waits for ./var/run/slotd.socket
        Assert.True(File.Exists(daemon.PidFile), "no ./var/run/slotd.pid:\n" + daemon.OutputTail());

        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = daemon.SocketPath };
        var r = Pkcs11Tool.RunWith(fx.ModulePath, env, "-L");
        Assert.True(r.ExitCode == 0, r + "\n--- ock-slotd\n" + daemon.OutputTail());
        Assert.Contains("Slot 0", r.Stdout);
        Assert.Contains("Soft token", r.Stdout);

        Assert.Equal(0, daemon.Stop());
    }
}
