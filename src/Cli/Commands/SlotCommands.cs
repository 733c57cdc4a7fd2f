using System.CommandLine;
using System.Text.Json.Nodes;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Admin;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>
/// `ock slot add|remove|reload|list` and `ock status`: run-time administration of ock-slotd through its admin
/// socket (opencryptoki.admin.socket; root or the admin group). Talks to the daemon, not to a PKCS#11 module.
/// </summary>
public static class SlotCommands
{
    public static IEnumerable<Command> Create(Globals g)
    {
        var adminSocket = AdminSocketOption();
        var timeout = TimeoutOption();

        var slot = new Command("slot", """
            Change ock-slotd's slot table while it runs (admin socket: root or the admin group).
            Running applications see the change in C_GetSlotList, and C_WaitForSlotEvent reports it.
            A slot added here lasts until the daemon restarts; put it in the configuration file to keep it
            (then `ock slot reload`).

            Examples:
              ock slot list
              ock slot add --id 5 --token-name hr --description "HR keys" --group hr
              ock slot remove 5
              ock slot reload
            """);
        slot.Options.Add(adminSocket);
        slot.Options.Add(timeout);

        // ---- list
        var list = new Command("list", """
            List the daemon's slot table (as configured, with run-time changes).

            Examples:
              ock slot list
              ock slot list --json
            """);
        list.Options.Add(g.Json);
        list.SetAction(p => Admin(p, adminSocket, timeout, client =>
        {
            var slots = client.ListSlots();
            if (p.GetValue(g.Json))
                Output.Json(new JsonArray(slots.Select(s => (JsonNode)SlotJson(s)).ToArray()));
            else
                Output.Table(["slot", "type", "token name", "description", "group", "max login failures"],
                    slots.Select(s => new[] { s.Id.ToString(), s.TokenType, s.TokenName, s.Description, s.Group, s.MaxLoginFailures.ToString() }));
            return 0;
        }));
        slot.Subcommands.Add(list);

        // ---- add
        var id = new Option<ulong>("--id") { Description = "Slot id (unique)", Required = true, HelpName = "ID" };
        var tokenName = new Option<string>("--token-name") { Description = "The token's journal name (unique; an existing journal is reused)", Required = true, HelpName = "NAME" };
        var tokenType = new Option<string>("--token-type") { Description = "Token type", DefaultValueFactory = _ => "soft", HelpName = "TYPE" };
        var description = new Option<string>("--description") { Description = "Slot description (default: the token name)", HelpName = "TEXT" };
        var group = new Option<string>("--group") { Description = "Only root and members of this Unix group see the slot", HelpName = "GROUP" };
        var maxFailures = new Option<uint>("--max-login-failures") { Description = "Wrong PINs before the PIN locks (0 = never)", DefaultValueFactory = _ => 10, HelpName = "N" };
        var policy = new Option<string>("--policy")
        {
            Description = "The slot's mechanism policy: a HOCON file holding a policy { allow | deny, min-strength, curves, mgfs, kdfs } block (or its body)",
            HelpName = "FILE",
        };
        var add = new Command("add", """
            Add a slot; returns once its token is ready and the slot is in every application's slot list.

            Examples:
              ock slot add --id 5 --token-name hr
              ock slot add --id 6 --token-name ops --description "Ops keys" --group ops --max-login-failures 5
              ock slot add --id 7 --token-name pki --policy pki-policy.conf
            """);
        foreach (var o in new Option[] { id, tokenName, tokenType, description, group, maxFailures, policy }) add.Options.Add(o);
        add.SetAction(p => Admin(p, adminSocket, timeout, client =>
        {
            // The file is read here (the daemon may not be allowed to read it) and checked by the daemon.
            string? policyText = null;
            try
            {
                if (p.GetValue(policy) is { } file) policyText = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Output.Error($"--policy: {e.Message}");
                return ExitCodes.Usage;
            }

            Output.Line(client.AddSlot(new AdminSlot(p.GetValue(id), p.GetValue(tokenType)!, p.GetValue(tokenName)!,
                p.GetValue(description) ?? "", p.GetValue(maxFailures), p.GetValue(group) ?? ""), policyText));
            return 0;
        }));
        slot.Subcommands.Add(add);

        // ---- remove
        var removeId = new Argument<ulong>("ID") { Description = "The slot to remove" };
        var remove = new Command("remove", """
            Remove a slot: it leaves every slot list at once, the sessions on it end. Its token's journal is kept
            (adding a slot with the same token name brings the token back).

            Examples:
              ock slot remove 5
            """);
        remove.Arguments.Add(removeId);
        remove.SetAction(p => Admin(p, adminSocket, timeout, client =>
        {
            Output.Line(client.RemoveSlot(p.GetValue(removeId)));
            return 0;
        }));
        slot.Subcommands.Add(remove);

        // ---- reload
        var reload = new Command("reload", """
            Re-read the slot table from the daemon's configuration file (--config FILE): new slots are added, missing
            ones removed, changed ones updated (a new description or group keeps the token running; another token name,
            type or max-login-failures restarts it).

            Examples:
              ock slot reload
            """);
        reload.SetAction(p => Admin(p, adminSocket, timeout, client =>
        {
            Output.Line(client.Reload());
            return 0;
        }));
        slot.Subcommands.Add(reload);
        yield return slot;

        // ---- status
        var status = new Command("status", """
            Show ock-slotd's health: uptime, token store, slots and their tokens (sessions, session objects, logins),
            and the connected processes (pid, uid, sessions).

            Examples:
              ock status
              ock status --json
            """);
        status.Options.Add(adminSocket);
        status.Options.Add(timeout);
        status.Options.Add(g.Json);
        status.SetAction(p => Admin(p, adminSocket, timeout, client =>
        {
            var s = client.Status();
            if (p.GetValue(g.Json))
            {
                Output.Json(new JsonObject
                {
                    ["pid"] = s.DaemonPid,
                    ["uptimeSeconds"] = s.UptimeSeconds,
                    ["version"] = s.Version,
                    ["store"] = s.Store,
                    ["slots"] = new JsonArray(s.Slots.Select(x =>
                    {
                        var o = SlotJson(x.Slot);
                        o["tokenInitialized"] = x.TokenInitialized;
                        o["tokenLabel"] = x.TokenLabel;
                        o["sessions"] = x.Sessions;
                        o["rwSessions"] = x.RwSessions;
                        o["sessionObjects"] = x.SessionObjects;
                        o["loggedInProcesses"] = x.LoggedIn;
                        return (JsonNode)o;
                    }).ToArray()),
                    ["processes"] = new JsonArray(s.Processes.Select(x => (JsonNode)new JsonObject
                    {
                        ["applicationId"] = x.ApplicationId,
                        ["pid"] = x.Pid,
                        ["uid"] = x.Uid,
                        ["sessions"] = x.Sessions,
                    }).ToArray()),
                    ["connections"] = s.Connections is not { } cc ? null : new JsonObject
                    {
                        ["admitted"] = cc.Admitted,
                        ["beforeHello"] = cc.Unadmitted,
                        ["readerThreads"] = cc.ReaderThreads,
                        ["limit"] = cc.Limit,
                        ["limitPerUid"] = cc.LimitPerUid,
                        ["perUid"] = new JsonArray(cc.PerUid.Select(x => (JsonNode)new JsonObject { ["uid"] = x.Uid, ["connections"] = x.Count }).ToArray()),
                    },
                });
                return 0;
            }

            Output.Fields([
                ("ock-slotd", $"pid {s.DaemonPid}, version {s.Version}"),
                ("uptime", TimeSpan.FromSeconds(s.UptimeSeconds).ToString(@"d\.hh\:mm\:ss")),
                ("store", s.Store),
                ("slots", s.Slots.Count.ToString()),
                ("processes", $"{s.Processes.Count} connected, {s.Processes.Sum(x => (long)x.Sessions)} sessions"),
                .. (s.Connections is { } c
                    ? new[]
                    {
                        ("connections", $"{c.Admitted} admitted (limit {c.Limit}, {c.LimitPerUid} per uid), {c.Unadmitted} before Hello, {c.ReaderThreads} reader threads"),
                        ("per uid", c.PerUid.Count == 0 ? "-" : string.Join(", ", c.PerUid.Select(x => $"uid {x.Uid}: {x.Count}"))),
                    }
                    : []),
            ]);
            Output.Table(["slot", "token name", "label", "group", "sessions", "rw", "session objects", "logged in"],
                s.Slots.Select(x => new[]
                {
                    x.Slot.Id.ToString(), x.Slot.TokenName, x.TokenInitialized ? x.TokenLabel : "(uninitialized)", x.Slot.Group,
                    x.Sessions.ToString(), x.RwSessions.ToString(), x.SessionObjects.ToString(), x.LoggedIn.ToString(),
                }), "slots");
            Output.Table(["pid", "uid", "sessions", "application"],
                s.Processes.Select(x => new[] { x.Pid.ToString(), x.Uid.ToString(), x.Sessions.ToString(), x.ApplicationId.ToString() }),
                "connected processes");
            return 0;
        }));
        yield return status;
    }

    private static JsonObject SlotJson(AdminSlot s) => new()
    {
        ["id"] = s.Id,
        ["tokenType"] = s.TokenType,
        ["tokenName"] = s.TokenName,
        ["description"] = s.Description,
        ["group"] = s.Group.Length == 0 ? null : s.Group,
        ["maxLoginFailures"] = s.MaxLoginFailures,
    };

    /// <summary>--admin-socket PATH, shared by the commands that talk to ock-slotd's admin socket.</summary>
    internal static Option<string> AdminSocketOption() => new("--admin-socket")
    {
        Description = "ock-slotd's admin socket. Default: $OPENCRYPTOKI_ACTORS_ADMIN_SOCKET, else ./var/run/slotd-admin.socket " +
                      "when present, else /run/opencryptoki-actors/admin.socket",
        HelpName = "PATH",
        Recursive = true,
    };

    /// <summary>--timeout SECONDS for admin socket requests.</summary>
    internal static Option<int> TimeoutOption() => new("--timeout")
    {
        Description = "Seconds to wait for the daemon (adding a slot waits until its token is ready)",
        DefaultValueFactory = _ => 60,
        Recursive = true,
    };

    /// <summary>Connects to the admin socket and runs <paramref name="body"/>; daemon failures print their sentence and exit 2.</summary>
    internal static int Admin(ParseResult p, Option<string> socket, Option<int> timeout, Func<AdminClient, int> body)
    {
        try
        {
            using var client = AdminClient.Connect(AdminClient.ResolvePath(p.GetValue(socket)), TimeSpan.FromSeconds(Math.Max(1, p.GetValue(timeout))));
            return body(client);
        }
        catch (AdminException e)
        {
            Output.Error(e.Message);
            return ExitCodes.Pkcs11;
        }
    }
}
