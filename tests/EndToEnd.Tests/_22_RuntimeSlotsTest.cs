using OpenCryptokiActors.Cryptoki.Admin;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>A daemon (started by root, the daemon's group ocktest-p11) whose slot table the tests change through the admin socket.</summary>
public sealed class RuntimeSlotsDaemon : IDisposable
{
    public static readonly SlotConfig Base = new(0, "rt-base", "Base token");

    public RuntimeSlotsDaemon()
    {
        Daemon = StartDaemon("rt", [Base], group: "pkcs11");
    }

    public SlotDaemon Daemon { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// Run-time slots: `ock slot add|remove|reload` through the admin socket change C_GetSlotList of running
/// applications, and C_WaitForSlotEvent (blocking, and with CKF_DONT_BLOCK) reports slot and token events to every
/// connected process; `ock status` shows slots, tokens and connected processes.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _22_RuntimeSlotsTest(RuntimeSlotsDaemon rt) : IClassFixture<RuntimeSlotsDaemon>
{
    private SlotDaemon D => rt.Daemon;

    private RunningProcess Start(params string[] args)
    {
        var p = ProcessRunner.Start(ClientPath, [Repo.ModulePath, .. args], Env(D.SocketPath));
        p.WaitForLine("READY", TimeSpan.FromSeconds(30));
        return p;
    }

    private static string WaitForOutput(RunningProcess p, string text, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!p.Output.Contains(text) && watch.Elapsed < timeout) Thread.Sleep(20);
        return p.Output;
    }

    [Fact]
    public void A_slot_added_at_run_time_appears_to_running_applications_and_a_blocking_wait_reports_it()
    {
        using var blocking = Start("wait-block", "30");
        using var polling = Start("wait-poll", "30");
        Thread.Sleep(300); // both are waiting now

        using (var admin = Admin(D)) Assert.Equal("slot 5 added (token 'rt-five')", admin.AddSlot(new AdminSlot(5, "soft", "rt-five", "Added at run time", 10, "")));
        try
        {
            Assert.True(blocking.WaitForExit(TimeSpan.FromSeconds(20)), blocking.Output);
            Assert.True(polling.WaitForExit(TimeSpan.FromSeconds(20)), polling.Output);
            Assert.Matches(@"event rv=0x0 slot=5 parallel=[1-9]", blocking.Output); // other threads' calls went on meanwhile
            Assert.Contains("slots=0,5", blocking.Output);
            Assert.Contains("first rv=0x8", polling.Output); // CKR_NO_EVENT before anything happened
            Assert.Contains("event rv=0x0 slot=5", polling.Output);
            Assert.Contains("slots=0,5", polling.Output);
            var slots = RunAs(null, Env(D.SocketPath), "probe", "5");
            Assert.Contains("slotinfo rv=0x0 tokeninfo rv=0x0 open rv=0xe1", slots.Stdout); // a new, uninitialised token: CKR_TOKEN_NOT_RECOGNIZED
        }
        finally
        {
            using var admin = Admin(D);
            admin.RemoveSlot(5);
        }
    }

    [Fact]
    public void A_removed_slot_disappears_with_its_sessions_and_the_removal_is_an_event()
    {
        using (var admin = Admin(D)) admin.AddSlot(new AdminSlot(6, "soft", "rt-six", "", 10, ""));
        InitToken(D, 6, "six");
        var dir = NewDir("rm");
        using var holder = ProcessRunner.Start(ClientPath, [Repo.ModulePath, "holder", "6", "on-six", Path.Combine(dir, "go")], Env(D.SocketPath));
        Assert.Contains("READY", WaitForOutput(holder, "READY", TimeSpan.FromSeconds(30)));
        using var polling = Start("wait-poll", "30");

        using (var admin = Admin(D))
        {
            Assert.Contains(admin.Status().Processes, p => p.Pid == holder.Id && p.Sessions == 1);
            Assert.Equal("slot 6 removed", admin.RemoveSlot(6));
            Assert.DoesNotContain(admin.ListSlots(), s => s.Id == 6);
            Assert.Contains(admin.Status().Processes, p => p.Pid == holder.Id && p.Sessions == 0);
        }

        Assert.True(polling.WaitForExit(TimeSpan.FromSeconds(20)), polling.Output);
        Assert.Contains("event rv=0x0 slot=6", polling.Output);
        Assert.Contains("slots=0\n", polling.Output);

        File.WriteAllText(Path.Combine(dir, "go"), "");
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(20)), holder.Output);
        Assert.Contains("FAIL C_DigestFinal rv=0xb3", holder.Output); // its session ended with the slot
    }

    [Fact]
    public void Initialising_a_token_is_an_event_for_every_connected_process()
    {
        using var a = Start("wait-poll", "30");
        using var b = Start("wait-block", "30");
        InitToken(D, 0, "base");
        Assert.True(a.WaitForExit(TimeSpan.FromSeconds(20)), a.Output);
        Assert.True(b.WaitForExit(TimeSpan.FromSeconds(20)), b.Output);
        Assert.Contains("event rv=0x0 slot=0", a.Output);
        Assert.Contains("event rv=0x0 slot=0", b.Output);
    }

    [Fact]
    public void Reload_rereads_the_configuration_file()
    {
        try
        {
            D.RewriteSlots([RuntimeSlotsDaemon.Base with { Description = "Base, renamed" }, new SlotConfig(7, "rt-seven", "From the file")]);
            using (var admin = Admin(D))
            {
                var message = admin.Reload();
                Assert.Contains("added [7]", message);
                Assert.Contains("changed [0]", message);
                Assert.Contains(admin.ListSlots(), s => s.Id == 0 && s.Description == "Base, renamed");
            }

            Assert.Contains("slots=0,7", RunAs(null, Env(D.SocketPath), "slots").Stdout);
        }
        finally
        {
            D.RewriteSlots([RuntimeSlotsDaemon.Base]);
            using var admin = Admin(D);
            Assert.Contains("removed [7]", admin.Reload());
        }

        Assert.Contains("slots=0\n", RunAs(null, Env(D.SocketPath), "slots").Stdout);
    }

    [Fact]
    public void Bad_admin_requests_get_a_reason()
    {
        using var admin = Admin(D);
        Assert.Contains("exists already", Assert.Throws<AdminException>(() => admin.AddSlot(new AdminSlot(0, "soft", "other", "", 10, ""))).Message);
        Assert.Contains("already used by slot 0", Assert.Throws<AdminException>(() => admin.AddSlot(new AdminSlot(9, "soft", "rt-base", "", 10, ""))).Message);
        Assert.Contains("unknown token-type", Assert.Throws<AdminException>(() => admin.AddSlot(new AdminSlot(9, "hsm", "x", "", 10, ""))).Message);
        Assert.Contains("no slot 42", Assert.Throws<AdminException>(() => admin.RemoveSlot(42)).Message);
        var status = admin.Status();
        Assert.Equal((uint)D.Pid!.Value, status.DaemonPid);
        Assert.Contains("tokens.db", status.Store);
    }
}
