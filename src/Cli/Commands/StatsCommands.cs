using System.CommandLine;
using System.Text.Json.Nodes;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Admin;
using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>
/// `ock stats`: openCryptoki's pkcsstats for ock-slotd. Mechanism usage counted by the daemon per user, slot, mechanism
/// and key strength class (0, 112, 128, 192, 256), read and reset through the admin socket.
/// </summary>
public static class StatsCommands
{
    private static readonly string[] StrengthNames = ["0", "112", "128", "192", "256"];

    public static Command Create(Globals g)
    {
        var adminSocket = SlotCommands.AdminSocketOption();
        var timeout = SlotCommands.TimeoutOption();
        var user = new Option<string>("--user", "-U") { Description = "The user (login name or uid) whose counters to show or reset; only root may name another user", HelpName = "NAME|UID" };
        var reset = new Option<bool>("--reset", "-r") { Description = "Set the counters to zero (those selected by --user and --slot); prints them as they were" };
        var stats = new Command("stats", """
            Mechanism usage statistics, as openCryptoki's pkcsstats: how often each mechanism was used, per user (the
            uid of the application's process), slot and strength class of the key used (0 = no key or below 112 bits,
            112, 128, 192, 256). A use is counted once when an operation starts (C_EncryptInit, C_SignInit,
            C_DigestInit, ...) and at C_GenerateKey(Pair), C_WrapKey, C_UnwrapKey and C_DeriveKey.
            Users other than root see and reset their own counters only; root sees every user's.

            Examples:
              ock stats
              ock stats --slot 0 --json
              ock stats --user alice
              ock stats --reset
            """);
        foreach (var o in new Option[] { adminSocket, timeout, user, reset, g.Json }) stats.Options.Add(o);
        stats.SetAction(p =>
        {
            uint? uid = null;
            if (p.GetValue(user) is { Length: > 0 } name)
            {
                if (uint.TryParse(name, out var n)) uid = n;
                else if (ConnectHelp.UserId(name) is { } found) uid = (uint)found;
                else
                {
                    Output.Error($"no user '{name}' on this host (give a login name or a numeric uid)");
                    return ExitCodes.Usage;
                }
            }

            var query = new AdminStatsQuery(uid, false, p.GetValue(g.Slot), p.GetValue(reset));
            return SlotCommands.Admin(p, adminSocket, timeout, client =>
            {
                var rows = client.Stats(query);
                if (p.GetValue(g.Json))
                {
                    Output.Json(new JsonObject
                    {
                        ["reset"] = query.Reset,
                        ["strengths"] = new JsonArray(StrengthNames.Select(s => (JsonNode)int.Parse(s)).ToArray()),
                        ["counters"] = new JsonArray(rows.Select(r =>
                        {
                            var perStrength = new JsonObject();
                            for (var i = 0; i < r.PerStrength.Count && i < StrengthNames.Length; i++) perStrength[StrengthNames[i]] = r.PerStrength[i];
                            return (JsonNode)new JsonObject
                            {
                                ["uid"] = r.Uid,
                                ["user"] = ConnectHelp.UserName((int)r.Uid),
                                ["slot"] = r.Slot,
                                ["mechanism"] = Attrs.MechanismName(r.Mechanism),
                                ["mechanismId"] = r.Mechanism,
                                ["strength"] = perStrength,
                                ["total"] = r.PerStrength.Aggregate(0UL, (a, b) => a + b),
                            };
                        }).ToArray()),
                    });
                    return 0;
                }

                if (query.Reset) Output.Line($"reset {rows.Count} counter row(s); as they were:");
                if (rows.Count == 0)
                {
                    Output.Line("no mechanism was used");
                    return 0;
                }

                Output.Table(["user", "slot", "mechanism", .. StrengthNames.Select(s => "strength " + s)],
                    rows.Select(r => new[] { $"{ConnectHelp.UserName((int)r.Uid)} ({r.Uid})", r.Slot.ToString(), Attrs.MechanismName(r.Mechanism) }
                        .Concat(r.PerStrength.Select(v => v.ToString())).ToArray()));
                return 0;
            });
        });
        return stats;
    }
}
