using OpenCryptokiActors.Cryptoki.Admin;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// 300 real client processes on one token: each opens a R/O and a R/W session, logs in, creates a token object and a
/// session object and finds objects, concurrently. Session counts are exact; 30 of them are SIGKILLed in the middle of a
/// multi-part digest, a find, or while logged in, and leave nothing behind; the others then each find all 300 token
/// objects and only their own session object.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _23_ManyProcessesTest
{
    private const int Processes = 300;
    private const int Killed = 30;

    [Fact]
    public void Three_hundred_processes_have_exact_counts_and_killed_ones_leave_nothing_behind()
    {
        var daemon = StartDaemon("swarm", [new SlotConfig(0, "swarm", "Swarm token")], group: "pkcs11");
        try
        {
            Swarm(daemon);
        }
        finally
        {
            Discard(daemon);
        }
    }

    private static void Swarm(SlotDaemon daemon)
    {
        InitToken(daemon, 0, "swarm");
        var dir = NewDir("swarm");
        using var swarm = ProcessRunner.Start(ClientPath,
            [Repo.ModulePath, "swarm", "0", Processes.ToString(), Killed.ToString(), UserPin, dir, Processes.ToString()], Env(daemon.SocketPath));
        swarm.WaitForLine($"READY {Processes}", TimeSpan.FromSeconds(120));
        using var admin = Admin(daemon);

        Expect(admin, Processes, "all ready");
        File.WriteAllText(Path.Combine(dir, "kill"), "");
        swarm.WaitForLine($"KILLED {Killed}", TimeSpan.FromSeconds(30));
        Expect(admin, Processes - Killed, "after SIGKILL");

        File.WriteAllText(Path.Combine(dir, "go"), "");
        swarm.WaitForLine($"DONE ok={Processes - Killed} fail=0", TimeSpan.FromSeconds(120));
        Expect(admin, 0, "after the survivors finished");
        Assert.True(swarm.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Every one of <paramref name="n"/> processes holds 2 sessions (1 R/W), 1 session object and a login; nothing else exists.</summary>
    private static void Expect(AdminClient admin, int n, string when)
    {
        var (ok, seen) = WaitFor(() =>
        {
            var s = admin.Status();
            var t = s.Slots.Single();
            var seen = $"sessions={t.Sessions} rw={t.RwSessions} sessionObjects={t.SessionObjects} loggedIn={t.LoggedIn} processes={s.Processes.Count} " +
                       $"processSessions={s.Processes.Sum(p => (long)p.Sessions)}";
            var ok = t.Sessions == (ulong)(2 * n) && t.RwSessions == (ulong)n && t.SessionObjects == (ulong)n && t.LoggedIn == (ulong)n
                     && s.Processes.Count == n && s.Processes.Sum(p => (long)p.Sessions) == 2 * n;
            return (ok, seen);
        }, TimeSpan.FromSeconds(20));
        Assert.True(ok, $"{when}: expected {n} processes with 2 sessions each, saw {seen}");
    }
}
