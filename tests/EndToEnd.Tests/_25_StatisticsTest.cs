using System.Text.Json.Nodes;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A daemon for the statistics tests: module group ocktest-p11 (socket mode 0666: admission is the daemon's check),
/// admin group ocktest-hr, two initialised slots.
/// </summary>
public sealed class StatisticsDaemon : IDisposable
{
    public StatisticsDaemon()
    {
        EnsureUsers();
        Daemon = StartDaemon("stats", [new SlotConfig(0, "st-zero", "Stats zero"), new SlotConfig(1, "st-one", "Stats one")],
            extraConfig: $"  socket-mode = \"0666\"\n  admin.group = \"{SlotGroup}\"");
        InitToken(Daemon, 0, "zero");
        InitToken(Daemon, 1, "one");
    }

    public SlotDaemon Daemon { get; }

    public void Dispose() => Discard(Daemon);
}

/// <summary>
/// `ock stats` (pkcsstats): real client processes, run as root and as real users, do known numbers of operations;
/// the daemon's counters per user, slot, mechanism and strength class are exact, filter by --user and --slot, reset
/// with --reset, and a user other than root sees and resets only its own. The admin socket refuses non-admins
/// everything else with the reason.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _25_StatisticsTest(StatisticsDaemon st) : IClassFixture<StatisticsDaemon>
{
    private SlotDaemon D => st.Daemon;

    private static uint Uid(string user) => uint.Parse(ProcessRunner.Run("id", ["-u", user], null, TimeSpan.FromSeconds(10)).Stdout.Trim());

    /// <summary>`daemonclient ops SLOT N` as <paramref name="user"/>: 4 key generations, N digests, 3N AES and N 3DES encryptions.</summary>
    private void Ops(string? user, ulong slot, int n)
    {
        var r = RunAs(user, Env(D.SocketPath), "ops", slot.ToString(), n.ToString());
        Assert.True(r.ExitCode == 0, r + "\n" + D.OutputTail());
        Assert.Contains($"DONE ops={n}", r.Stdout);
    }

    private JsonArray Stats(string? user, params string[] args)
    {
        var r = OckAs(user, D, ["stats", "--json", .. args]);
        Assert.True(r.ExitCode == 0, r + "\n" + D.OutputTail());
        return JsonNode.Parse(r.Stdout)!["counters"]!.AsArray();
    }

    /// <summary>The counters as "uid/slot/mechanism" → the five per-strength counts "a,b,c,d,e".</summary>
    private static Dictionary<string, string> Table(JsonArray rows) =>
        rows.ToDictionary(r => $"{(uint)r!["uid"]!}/{(ulong)r["slot"]!}/{(string)r["mechanism"]!}",
            r => string.Join(",", new[] { "0", "112", "128", "192", "256" }.Select(s => (ulong)r!["strength"]![s]!)));

    /// <summary>What <see cref="Ops"/> with <paramref name="n"/> counts for one user on one slot.</summary>
    private static Dictionary<string, string> Expected(uint uid, ulong slot, int n) => new()
    {
        [$"{uid}/{slot}/CKM_AES_KEY_GEN"] = "0,0,1,1,1",
        [$"{uid}/{slot}/CKM_DES3_KEY_GEN"] = "0,1,0,0,0",
        [$"{uid}/{slot}/CKM_SHA256"] = $"{n},0,0,0,0",
        [$"{uid}/{slot}/CKM_AES_ECB"] = $"0,0,{n},{n},{n}",
        [$"{uid}/{slot}/CKM_DES3_ECB"] = $"0,{n},0,0,0",
    };

    private static Dictionary<string, string> Merge(params Dictionary<string, string>[] parts) =>
        parts.SelectMany(p => p).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static void Same(Dictionary<string, string> expected, Dictionary<string, string> actual) =>
        Assert.Equal(expected.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"), actual.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));

    [Fact]
    public void Counts_are_exact_per_user_slot_mechanism_and_strength_and_filter_by_user_and_slot()
    {
        Stats(null, "--reset");
        var member = Uid(Member);
        Ops(null, 0, 3);
        Ops(Member, 0, 2);
        Ops(Member, 1, 5);

        Same(Merge(Expected(0, 0, 3), Expected(member, 0, 2), Expected(member, 1, 5)), Table(Stats(null)));
        Same(Merge(Expected(member, 0, 2), Expected(member, 1, 5)), Table(Stats(null, "--user", Member)));
        Same(Merge(Expected(member, 0, 2), Expected(member, 1, 5)), Table(Stats(null, "--user", member.ToString())));
        Same(Expected(member, 1, 5), Table(Stats(null, "--slot", "1")));
        Same(Expected(0, 0, 3), Table(Stats(null, "--user", "root", "--slot", "0")));

        // --reset returns the counters as they were and leaves zero; the table form names users and strengths
        var text = OckAs(null, D, "stats", "--slot", "1");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains($"{Member} ({member})", text.Stdout);
        Assert.Contains("strength 256", text.Stdout);
        Same(Expected(member, 1, 5), Table(Stats(null, "--reset", "--slot", "1")));
        Same(Merge(Expected(0, 0, 3), Expected(member, 0, 2)), Table(Stats(null)));
        Same(Merge(Expected(0, 0, 3), Expected(member, 0, 2)), Table(Stats(null, "--reset")));
        Same([], Table(Stats(null)));
    }

    [Fact]
    public void A_user_other_than_root_sees_and_resets_only_its_own_counters()
    {
        Stats(null, "--reset");
        var member = Uid(Member);
        Ops(null, 0, 1);
        Ops(Member, 0, 4);

        Same(Expected(member, 0, 4), Table(Stats(Member)));
        Same(Expected(member, 0, 4), Table(Stats(Member, "--user", Member)));

        var other = OckAs(Member, D, "stats", "--user", "root");
        Assert.Equal(2, other.ExitCode);
        Assert.Contains($"user {Member} (uid {member}) may only read and reset its own statistics", other.Stderr);

        Same(Expected(member, 0, 4), Table(Stats(Member, "--reset")));
        Same([], Table(Stats(Member)));
        Same(Expected(0, 0, 1), Table(Stats(null))); // root's counters were not the member's to reset
    }

    [Fact]
    public void A_non_admin_is_refused_everything_but_its_statistics_with_the_reason_and_the_fix()
    {
        var list = OckAs(Member, D, "slot", "list");
        Assert.Equal(2, list.ExitCode);
        Assert.Contains($"user {Member}", list.Stderr);
        Assert.Contains($"not in group '{SlotGroup}', which may use the admin socket", list.Stderr);
        Assert.Contains($"usermod -aG {SlotGroup} {Member}", list.Stderr);
        Assert.Contains("ock stats", list.Stderr);
        Assert.DoesNotContain("st-zero", list.Stdout);

        var status = OckAs(Member, D, "status");
        Assert.Equal(2, status.ExitCode);
        Assert.Contains($"not in group '{SlotGroup}'", status.Stderr);

        // In neither group: refused at once, statistics too.
        var outsider = OckAs(Outsider, D, "stats");
        Assert.Equal(2, outsider.ExitCode);
        Assert.Contains("refused the connection", outsider.Stderr);
        Assert.Contains($"user {Outsider}", outsider.Stderr);

        // A member of the admin group administers.
        var admin = OckAs(HrMember, D, "slot", "list");
        Assert.True(admin.ExitCode == 0, admin.ToString());
        Assert.Contains("st-zero", admin.Stdout);
    }
}
