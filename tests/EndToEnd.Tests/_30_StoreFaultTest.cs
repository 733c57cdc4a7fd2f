using System.Diagnostics;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// The token store under a real crash: a private ock-slotd is killed with SIGKILL while several client processes
/// create token objects as fast as they can. After a restart every object whose C_CreateObject returned CKR_OK is
/// there and intact, nothing else is (at most the one create per client that was in flight when the daemon died,
/// committed but never answered), and the token answers. Repeated, each round on top of the previous ones; on SQLite
/// and on PostgreSQL.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _30_StoreFaultTest(EndToEndFixture fx, Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Clients = 4;
    private const int Rounds = 3;

    [Theory]
    [MemberData(nameof(TestStore.Backends), MemberType = typeof(TestStore))]
    public void SIGKILL_during_a_burst_of_concurrent_creates_loses_no_acknowledged_object(string backend)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ock-kill-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using var store = TestStore.Create(backend);
        try
        {
            Burst(dir, store);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Burst(string dir, TestStore store)
    {
        using var daemon = new SlotDaemon(dir, [new SlotConfig(0, "burst", "Burst token")], extraConfig: store.Config);
        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = daemon.SocketPath };
        ProcessResult Client(params string[] args) => ProcessRunner.Run(fx.ClientPath, [fx.ModulePath, .. args], env, TimeSpan.FromSeconds(120));

        daemon.Start();
        var init = Client("init-token", "0", "12345678", "burst");
        Assert.True(init.ExitCode == 0, init + "\n" + daemon.OutputTail(3000));

        var acknowledged = new Dictionary<string, ulong>();
        var attempted = new HashSet<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var children = Enumerable.Range(0, Clients)
                .Select(c => ProcessRunner.Start(fx.ClientPath, [fx.ModulePath, "burst", "0", $"r{round}c{c}", "1000000"], env))
                .ToList();
            foreach (var child in children) child.WaitForLine("READY", TimeSpan.FromSeconds(60));

            // Let the burst run until a few hundred creates were acknowledged, then kill the daemon mid-flight.
            var watch = Stopwatch.StartNew();
            while (children.Sum(c => Count(c.Output, "\nOK ")) < 300 && watch.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(20);
            var pid = daemon.Pid ?? throw new InvalidOperationException("daemon not running");
            Libc.Kill(pid, Libc.SIGKILL);
            daemon.Stop();

            foreach (var child in children)
            {
                Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)), $"a client hung after the daemon died:\n{child.Output}");
                foreach (var line in child.Output.Split('\n'))
                {
                    var f = line.Trim().Split(' ');
                    if (f.Length == 3 && f[0] == "OK") acknowledged[f[1]] = ulong.Parse(f[2]);
                }

                child.Dispose();
            }

            // What each client may have had in flight: the create after its last acknowledged one.
            for (var c = 0; c < Clients; c++)
            {
                var prefix = $"r{round}c{c}-";
                var last = acknowledged.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => long.Parse(k[prefix.Length..])).DefaultIfEmpty(-1).Max();
                attempted.Add(prefix + (last + 1));
            }

            daemon.Start();
            var dump = Client("dump", "0");
            Assert.True(dump.ExitCode == 0, $"round {round}: the token does not answer after restart:\n{dump}\n{daemon.OutputTail(3000)}");
            var present = new Dictionary<string, (ulong Handle, string State)>();
            foreach (var line in dump.Stdout.Split('\n'))
            {
                var f = line.Trim().Split(' ');
                if (f.Length >= 4 && f[0] == "OBJ") present[f[2]] = (ulong.Parse(f[1]), f[3]);
            }

            var missing = acknowledged.Where(kv => !present.TryGetValue(kv.Key, out var p) || p.Handle != kv.Value).Select(kv => kv.Key).ToList();
            Assert.True(missing.Count == 0, $"round {round}: {missing.Count} acknowledged objects lost after SIGKILL, e.g. {string.Join(", ", missing.Take(5))}");
            var damaged = present.Where(kv => kv.Value.State != "intact").Select(kv => kv.Key).ToList();
            Assert.True(damaged.Count == 0, $"round {round}: damaged objects: {string.Join(", ", damaged.Take(5))}");
            var unexpected = present.Keys.Where(k => !acknowledged.ContainsKey(k) && !attempted.Contains(k)).ToList();
            Assert.True(unexpected.Count == 0, $"round {round}: objects nobody created: {string.Join(", ", unexpected.Take(5))}");
            Assert.True(acknowledged.Count > 0, "no create was acknowledged before the kill");
            output.WriteLine($"round {round}: killed after {watch.ElapsedMilliseconds} ms; {acknowledged.Count} acknowledged so far, " +
                             $"{present.Count} present after restart ({present.Count - acknowledged.Count} committed but unanswered)");
        }

        daemon.Stop();
    }

    private static int Count(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
