using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Admin;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>`ock devices`: the zcrypt device pool of ock-slotd, through its admin socket (as `ock status`).</summary>
public static class DeviceCommands
{
    public static Command Create(Globals g)
    {
        var adminSocket = SlotCommands.AdminSocketOption();
        var timeout = SlotCommands.TimeoutOption();
        var devices = new Command("devices", """
            Show ock-slotd's zcrypt device pool: its backend (the z90crypt driver or the emulator), every AP queue with its
            health (online, degraded, offline, check-stopped, removed), requests in flight, completed and failed, and the
            moving average of its time per request; and the pool's counters (pending, refused at admission, past their
            deadline, retried on another queue).

            Examples:
              ock devices
              ock devices --json
            """);
        devices.Options.Add(adminSocket);
        devices.Options.Add(timeout);
        devices.Options.Add(g.Json);
        devices.SetAction(p => SlotCommands.Admin(p, adminSocket, timeout, client =>
        {
            var d = client.Devices();
            if (p.GetValue(g.Json))
            {
                Output.Json(new JsonObject
                {
                    ["running"] = d.Running,
                    ["backend"] = d.Backend,
                    ["pending"] = d.Pending,
                    ["rejected"] = d.Rejected,
                    ["timedOut"] = d.TimedOut,
                    ["retried"] = d.Retried,
                    ["queues"] = new JsonArray(d.Queues.Select(q => (JsonNode)new JsonObject
                    {
                        ["queue"] = q.Queue,
                        ["health"] = q.Health,
                        ["hwtype"] = q.HwType,
                        ["depth"] = q.Depth,
                        ["load"] = q.Load,
                        ["inFlight"] = q.InFlight,
                        ["completed"] = q.Completed,
                        ["errors"] = q.Errors,
                        ["latencyMicroseconds"] = Math.Round(q.LatencyMicros, 1),
                        ["lastError"] = q.LastError.Length == 0 ? null : q.LastError,
                    }).ToArray()),
                });
                return 0;
            }

            if (!d.Running)
            {
                Output.Line("ock-slotd runs no device pool (no zcrypt slot, opencryptoki.devices.enabled = off)");
                return 0;
            }

            Output.Fields([
                ("backend", d.Backend),
                ("queues", d.Queues.Count.ToString(CultureInfo.InvariantCulture)),
                ("pending", d.Pending.ToString(CultureInfo.InvariantCulture)),
                ("refused", $"{d.Rejected} at admission, {d.TimedOut} past their deadline, {d.Retried} retried"),
            ]);
            Output.Table(["queue", "health", "hwtype", "depth", "load", "in flight", "completed", "errors", "latency µs", "last error"],
                d.Queues.Select(q => new[]
                {
                    q.Queue, q.Health, q.HwType.ToString(CultureInfo.InvariantCulture), q.Depth.ToString(CultureInfo.InvariantCulture),
                    q.Load.ToString(CultureInfo.InvariantCulture), q.InFlight.ToString(CultureInfo.InvariantCulture),
                    q.Completed.ToString(CultureInfo.InvariantCulture), q.Errors.ToString(CultureInfo.InvariantCulture),
                    q.LatencyMicros.ToString("0.0", CultureInfo.InvariantCulture), q.LastError,
                }), "queues");
            return 0;
        }));
        return devices;
    }
}
