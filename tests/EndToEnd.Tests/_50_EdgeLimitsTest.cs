using System.Net.Sockets;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// No local user can take ock-slotd down through its sockets: thousands of idle connections cost no thread each, nothing
/// is read or allocated for a frame announced before Hello, frame memory is given back when connections close, a
/// connection without Hello is dropped, and the per-uid connection limit refuses with the reason (issue HARDENING).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _50_EdgeLimitsTest
{
    private static readonly SlotConfig Slot = new(0, "edge", "Edge limits");

    private static SlotDaemon Daemon(string name, string limits = "") =>
        StartDaemon(name, [Slot], extraConfig: $"  limits {{ hello-timeout = 2s, frame-budget-per-uid = 256MiB {limits} }}");

    /// <summary>The daemon logs on its own thread: its output gets a moment to carry the line before the assertion.</summary>
    private static void Logged(SlotDaemon daemon, string line)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!daemon.Output.Contains(line) && watch.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(50);
        Assert.Contains(line, daemon.Output);
    }

    [Fact]
    public void Ten_thousand_idle_connections_do_not_mean_ten_thousand_threads()
    {
        var daemon = Daemon("edge-idle");
        var sockets = new List<Socket>();
        try
        {
            var pid = daemon.Pid!.Value;
            for (var i = 0; i < 10_000; i++)
            {
                var s = RawClient.Connect(daemon.SocketPath);
                sockets.Add(s);
                Assert.Equal(0UL, RawClient.Hello(s).Rv);
            }

            var threads = RawClient.Status(pid, "Threads");
            Assert.True(threads < 600, $"ock-slotd runs {threads} threads for 10,000 idle connections");
            // and it still serves: a real client's calls
            var r = RunAs(null, Env(daemon.SocketPath), "probe", "0");
            Assert.Contains("slotinfo rv=0x0", r.Stdout);
            using (var admin = Admin(daemon))
            {
                var status = admin.Status();
                Assert.True(status.Processes.Count >= 10_000, $"{status.Processes.Count} applications");
            }
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
            Discard(daemon);
        }
    }

    [Fact]
    public void A_frame_announced_before_Hello_is_not_read_and_costs_no_memory()
    {
        var daemon = Daemon("edge-prehello");
        try
        {
            var pid = daemon.Pid!.Value;
            var idle = RawClient.Status(pid, "VmRSS");
            var closed = 0;
            for (var i = 0; i < 40; i++)
            {
                using var s = RawClient.Connect(daemon.SocketPath);
                s.Send(RawClient.Announce(64 * 1024 * 1024 - 12));
                RawClient.SendZeros(s, 8 * 1024 * 1024); // the daemon has closed long before: most of this never arrives
                if (RawClient.ClosedByPeer(s, TimeSpan.FromSeconds(10))) closed++;
            }

            Assert.Equal(40, closed);
            var rss = RawClient.Status(pid, "VmRSS");
            Assert.True(rss < idle * 1.1, $"RSS {idle} kB idle, {rss} kB after 40 connections announced 64 MiB before Hello");
            Logged(daemon, "is no Hello");
        }
        finally
        {
            Discard(daemon);
        }
    }

    [Fact]
    public void Admitted_connections_announcing_64_MiB_frames_give_the_memory_back_when_they_close()
    {
        var daemon = Daemon("edge-frames");
        var sockets = new List<Socket>();
        try
        {
            var pid = daemon.Pid!.Value;
            // warm: one real client, then the idle figure
            Assert.Contains("slotinfo rv=0x0", RunAs(null, Env(daemon.SocketPath), "probe", "0").Stdout);
            var idle = RawClient.Status(pid, "VmRSS");
            for (var i = 0; i < 24; i++)
            {
                var s = RawClient.Connect(daemon.SocketPath);
                sockets.Add(s);
                Assert.Equal(0UL, RawClient.Hello(s).Rv);
                s.Send(RawClient.Announce(64 * 1024 * 1024 - 12));
                RawClient.SendZeros(s, 16 * 1024 * 1024); // all but the rest of the frame
            }

            var (held, seen) = WaitFor(() =>
            {
                var now = RawClient.Status(pid, "VmRSS");
                return (now > idle + 100_000, $"{now} kB");
            }, TimeSpan.FromSeconds(30));
            // the frame budget per uid (256 MiB here) bounds what the daemon holds for one user
            var peak = RawClient.Status(pid, "VmRSS");
            Assert.True(peak < idle + 300 * 1024, $"RSS {peak} kB with 24 partial 64 MiB frames (idle {idle} kB)");
            Logged(daemon, "frame memory budget");

            foreach (var s in sockets) s.Dispose();
            sockets.Clear();
            var (back, last) = WaitFor(() =>
            {
                var now = RawClient.Status(pid, "VmRSS");
                return (now < idle * 1.1, $"{now} kB");
            }, TimeSpan.FromSeconds(60));
            Assert.True(back, $"RSS {last} after the connections closed; {idle} kB idle, {(held ? "above" : "near")} idle while they were open ({seen})");
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
            Discard(daemon);
        }
    }

    [Fact]
    public void A_connection_without_Hello_is_dropped_after_the_hello_timeout_on_both_sockets()
    {
        var daemon = Daemon("edge-nohello");
        try
        {
            using var module = RawClient.Connect(daemon.SocketPath);
            module.Send(new byte[3]); // a partial header, then nothing
            Assert.True(RawClient.ClosedByPeer(module, TimeSpan.FromSeconds(20)), "the module socket kept a connection without Hello");

            // the admin socket reads no more than a Hello before admission either: a 512 KiB first frame is closed at once
            using var admin = RawClient.Connect(daemon.AdminSocketPath);
            admin.Send(RawClient.Announce(512 * 1024, 1));
            RawClient.SendZeros(admin, 100 * 1024);
            Assert.True(RawClient.ClosedByPeer(admin, TimeSpan.FromSeconds(5)), "the admin socket waited for a large first frame");
            Logged(daemon, "no Hello within 2 s");
        }
        finally
        {
            Discard(daemon);
        }
    }

    [Fact]
    public void Connections_beyond_the_per_uid_limit_are_refused_with_the_reason_and_others_go_on()
    {
        EnsureUsers();
        var daemon = Daemon("edge-peruid", ", max-connections-per-uid = 20");
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var s = RawClient.Connect(daemon.SocketPath);
                sockets.Add(s);
                Assert.Equal(0UL, RawClient.Hello(s).Rv);
            }

            var traces = NewDir("peruid-trace");
            var refused = RunAs(null, Env(daemon.SocketPath, traces), "init");
            Assert.Contains("init rv=0x30 ", refused.Stdout);
            var trace = Traces(traces);
            Assert.Contains("too many connections: uid 0 holds 20 already", trace);
            Assert.Contains("opencryptoki.limits.max-connections-per-uid", trace);

            // another user is not held back by root's connections
            Assert.Contains("init rv=0x0 ", RunAs(Member, Env(daemon.SocketPath), "init").Stdout);
            sockets[0].Dispose();
            sockets.RemoveAt(0);
            var (ok, seen) = WaitFor(() =>
            {
                var r = RunAs(null, Env(daemon.SocketPath), "init");
                return (r.Stdout.Contains("init rv=0x0 "), r.Stdout);
            }, TimeSpan.FromSeconds(20));
            Assert.True(ok, "a closed connection was not given back: " + seen);
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
            Discard(daemon);
        }
    }
}
