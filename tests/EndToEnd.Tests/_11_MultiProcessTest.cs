using System.Diagnostics;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// Several processes on one token: a real child process (the C client in clients/p11client.c) sees token
/// objects at once, not session objects, and a SIGKILLed client's sessions disappear from the global counts.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _11_MultiProcessTest(EndToEndFixture fx)
{
    [Fact]
    public void A_child_process_sees_a_new_token_object_at_once_but_not_our_session_objects()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.MultiProcess, "multi process");
        var label = "shared " + Guid.NewGuid().ToString("N")[..8];
        s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, false), A(CKA.CKA_LABEL, label)));
        s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, false), A(CKA.CKA_PRIVATE, false), A(CKA.CKA_LABEL, label + " mine")));

        var r = fx.RunClient("find-label", Slots.MultiProcess.ToString(), label);
        Assert.True(r.ExitCode == 0, r + "\n--- ock-slotd\n" + fx.Daemon.OutputTail(3000));
        Assert.Contains("found=1", r.Stdout);

        r = fx.RunClient("find-label", Slots.MultiProcess.ToString(), label + " mine");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("found=0", r.Stdout);

        // Our login does not log the other process in: it sees no private objects.
        s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, true), A(CKA.CKA_LABEL, label + " private")));
        r = fx.RunClient("find-label", Slots.MultiProcess.ToString(), label + " private");
        Assert.Contains("found=0", r.Stdout);
    }

    [Fact]
    public void Session_counts_are_global_across_processes_and_a_killed_client_leaves_none_behind()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.MultiProcess, "kill me");
        using var mine = slot.OpenSession(SessionType.ReadOnly); // something of our own in the counts
        var before = slot.GetTokenInfo();
        Assert.Equal((1UL, 0UL), (before.SessionCount, before.RwSessionCount));

        using var child = ProcessRunner.Start(fx.ClientPath,
            [fx.ModulePath, "hold", Slots.MultiProcess.ToString(), "3"], fx.ChildEnvironment());
        child.WaitForLine("READY", TimeSpan.FromSeconds(30));

        var during = WaitForCounts(slot, before.SessionCount + 3, before.RwSessionCount + 1, TimeSpan.FromSeconds(5));
        Assert.True(during.Matched, $"with the child holding 3 sessions (1 R/W): {during.Seen}");

        // A third process sees the same counts.
        var r = fx.RunClient("count", Slots.MultiProcess.ToString());
        Assert.Contains($"sessions={before.SessionCount + 3} rw={before.RwSessionCount + 1}", r.Stdout);

        child.Signal(Libc.SIGKILL);
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)));

        var after = WaitForCounts(slot, before.SessionCount, before.RwSessionCount, TimeSpan.FromSeconds(10));
        Assert.True(after.Matched, $"10 s after SIGKILL of the child the counts are {after.Seen}, " +
                                   $"expected sessions={before.SessionCount} rw={before.RwSessionCount}");
        r = fx.RunClient("count", Slots.MultiProcess.ToString());
        Assert.Contains($"sessions={before.SessionCount} rw={before.RwSessionCount}", r.Stdout);
    }

    [Fact]
    public void A_killed_client_does_not_disturb_another_applications_sessions()
    {
        // The child opens sessions only; we check that its death does not disturb our own session objects.
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.MultiProcess, "survivor");
        var o = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, false), A(CKA.CKA_LABEL, "still mine")));
        using (var child = ProcessRunner.Start(fx.ClientPath,
                   [fx.ModulePath, "hold", Slots.MultiProcess.ToString(), "2"], fx.ChildEnvironment()))
        {
            child.WaitForLine("READY", TimeSpan.FromSeconds(30));
            child.Signal(Libc.SIGKILL);
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10)));
        }
        var slot = fx.Slot(lib, Slots.MultiProcess);
        Assert.True(WaitForCounts(slot, 1, 1, TimeSpan.FromSeconds(10)).Matched);
        Assert.Equal("still mine", Str(s, o, CKA.CKA_LABEL));
        Assert.Equal(CKS.CKS_RW_USER_FUNCTIONS, s.GetSessionInfo().State);
    }

    private static (bool Matched, string Seen) WaitForCounts(ISlot slot, ulong sessions, ulong rw, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        string seen;
        do
        {
            var info = slot.GetTokenInfo();
            seen = $"sessions={info.SessionCount} rw={info.RwSessionCount}";
            if (info.SessionCount == sessions && info.RwSessionCount == rw)
                return (true, seen);
            Thread.Sleep(50);
        } while (watch.Elapsed < timeout);
        return (false, seen);
    }
}
