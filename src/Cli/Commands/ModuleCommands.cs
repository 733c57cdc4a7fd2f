using System.CommandLine;
using System.Text.Json.Nodes;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.Cli.Core;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>pkcsconf's listings: <c>ock info</c>, <c>ock slots</c>, <c>ock tokens</c>, <c>ock mechanisms</c>.</summary>
public static class ModuleCommands
{
    public static IEnumerable<Command> Create(Globals g) => [Info(g), Slots(g), Tokens(g), Mechanisms(g)];

    private static Command Info(Globals g)
    {
        var cmd = new Command("info", "Show the module's CK_INFO (pkcsconf -i).") { g.Json }.Examples("ock info", "ock info --json --module /usr/lib/softhsm/libsofthsm2.so");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var i = ock.Library.GetInfo();
            var uri = new Pkcs11Uri().Set("library-manufacturer", i.ManufacturerId).Set("library-description", i.LibraryDescription)
                .Set("library-version", i.LibraryVersion);
            if (ock.JsonOutput)
            {
                Output.Json(new JsonObject
                {
                    ["module"] = ock.ModulePath,
                    ["cryptokiVersion"] = i.CryptokiVersion,
                    ["manufacturer"] = i.ManufacturerId.TrimEnd(),
                    ["library"] = i.LibraryDescription.TrimEnd(),
                    ["libraryVersion"] = i.LibraryVersion,
                    ["uri"] = uri.ToString(),
                });
                return 0;
            }
            Output.Fields([
                ("module", ock.ModulePath),
                ("cryptoki", i.CryptokiVersion),
                ("manufacturer", i.ManufacturerId.TrimEnd()),
                ("library", i.LibraryDescription.TrimEnd()),
                ("version", i.LibraryVersion),
                ("uri", uri.ToString()),
            ]);
            return 0;
        }));
        return cmd;
    }

    private static Command Slots(Globals g)
    {
        var cmd = new Command("slots", "List the slots and whether a token is present (pkcsconf -s).") { g.Json }.Examples("ock slots", "ock slots --json");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var rows = new List<JsonObject>();
            foreach (var slot in ock.Library.GetSlotList(SlotsType.WithOrWithoutTokenPresent))
            {
                var s = slot.GetSlotInfo();
                ITokenInfo? t = s.SlotFlags.TokenPresent ? slot.GetTokenInfo() : null;
                rows.Add(new JsonObject
                {
                    ["slot"] = slot.SlotId,
                    ["description"] = s.SlotDescription.TrimEnd(),
                    ["manufacturer"] = s.ManufacturerId.TrimEnd(),
                    ["tokenPresent"] = s.SlotFlags.TokenPresent,
                    ["hardware"] = s.SlotFlags.HardwareSlot,
                    ["removable"] = s.SlotFlags.RemovableDevice,
                    ["token"] = t == null ? null : t.TokenFlags.TokenInitialized ? t.Label.TrimEnd() : "",
                    ["uri"] = t == null
                        ? new Pkcs11Uri().Set("slot-description", s.SlotDescription).Set("slot-id", slot.SlotId.ToString()).ToString()
                        : Ock.TokenUri(t).ToString(),
                });
            }
            if (ock.JsonOutput)
            {
                Output.Json(new JsonArray(rows.ToArray<JsonNode?>()));
                return 0;
            }
            Output.Table(["Slot", "Description", "Token", "URI"], rows.Select(r => new[]
            {
                r["slot"]!.ToString(), (string?)r["description"],
                r["tokenPresent"]!.GetValue<bool>() ? (string?)r["token"] is { Length: > 0 } l ? l : "(not initialized)" : "(no token)",
                (string?)r["uri"],
            }));
            return 0;
        }));
        return cmd;
    }

    private static Command Tokens(Globals g)
    {
        var cmd = new Command("tokens", "Show the token of each slot (or of --slot/--token): label, model, serial, flags, PIN state (pkcsconf -t).") { g.Json }.Examples("ock tokens", "ock tokens --slot 0 --json", "ock tokens --token 'pkcs11:token=swtok'");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var selected = p.GetValue(g.Slot) != null || p.GetValue(g.Token) != null;
            var slots = selected ? [ock.SelectSlot()]
                : ock.Library.GetSlotList(SlotsType.WithTokenPresent);
            var list = new JsonArray();
            foreach (var slot in slots)
            {
                var t = slot.GetTokenInfo();
                var f = t.TokenFlags;
                var flags = new List<string>();
                void Flag(bool on, string name) { if (on) flags.Add(name); }
                Flag(f.TokenInitialized, "TOKEN_INITIALIZED");
                Flag(f.UserPinInitialized, "USER_PIN_INITIALIZED");
                Flag(f.LoginRequired, "LOGIN_REQUIRED");
                Flag(f.Rng, "RNG");
                Flag(f.WriteProtected, "WRITE_PROTECTED");
                Flag(f.ProtectedAuthenticationPath, "PROTECTED_AUTHENTICATION_PATH");
                Flag(f.ClockOnToken, "CLOCK_ON_TOKEN");
                Flag(f.UserPinCountLow, "USER_PIN_COUNT_LOW");
                Flag(f.UserPinFinalTry, "USER_PIN_FINAL_TRY");
                Flag(f.UserPinLocked, "USER_PIN_LOCKED");
                Flag(f.UserPinToBeChanged, "USER_PIN_TO_BE_CHANGED");
                Flag(f.SoPinCountLow, "SO_PIN_COUNT_LOW");
                Flag(f.SoPinFinalTry, "SO_PIN_FINAL_TRY");
                Flag(f.SoPinLocked, "SO_PIN_LOCKED");
                Flag(f.SoPinToBeChanged, "SO_PIN_TO_BE_CHANGED");
                list.Add(new JsonObject
                {
                    ["slot"] = slot.SlotId,
                    ["label"] = t.Label.TrimEnd(),
                    ["manufacturer"] = t.ManufacturerId.TrimEnd(),
                    ["model"] = t.Model.TrimEnd(),
                    ["serial"] = t.SerialNumber.TrimEnd(),
                    ["flags"] = new JsonArray(flags.Select(x => (JsonNode?)x).ToArray()),
                    ["sessions"] = Count(t.SessionCount),
                    ["maxSessions"] = Count(t.MaxSessionCount),
                    ["rwSessions"] = Count(t.RwSessionCount),
                    ["maxRwSessions"] = Count(t.MaxRwSessionCount),
                    ["pinLength"] = $"{t.MinPinLen}-{t.MaxPinLen}",
                    ["publicMemory"] = $"{Count(t.FreePublicMemory)}/{Count(t.TotalPublicMemory)}",
                    ["privateMemory"] = $"{Count(t.FreePrivateMemory)}/{Count(t.TotalPrivateMemory)}",
                    ["hardwareVersion"] = t.HardwareVersion,
                    ["firmwareVersion"] = t.FirmwareVersion,
                    ["uri"] = Ock.TokenUri(t).ToString(),
                });
            }
            if (ock.JsonOutput)
            {
                Output.Json(list);
                return 0;
            }
            var first = true;
            foreach (var t in list.Select(n => n!.AsObject()))
            {
                if (!first) Output.Line();
                first = false;
                Output.Line($"Token in slot {t["slot"]}:");
                Output.Fields(t.Where(kv => kv.Key != "slot").Select(kv =>
                    (kv.Key, kv.Value is JsonArray a ? string.Join(" ", a.Select(x => (string?)x)) : kv.Value?.ToString())), "  ");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>CK_UNAVAILABLE_INFORMATION and CK_EFFECTIVELY_INFINITE shown as words.</summary>
    private static string Count(ulong n) => n switch
    {
        ulong.MaxValue => "unavailable",
        0 => "0",
        _ => n.ToString(),
    };

    private static Command Mechanisms(Globals g)
    {
        var cmd = new Command("mechanisms", "List the mechanisms of a slot with their key sizes and flags (pkcsconf -m).") { g.Json }.Examples("ock mechanisms --slot 0", "ock mechanisms --token swtok --json");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var slot = ock.SelectSlot();
            var list = new JsonArray();
            foreach (var m in slot.GetMechanismList())
            {
                var info = slot.GetMechanismInfo(m);
                var f = info.MechanismFlags;
                var flags = new List<string>();
                void Flag(bool on, string name) { if (on) flags.Add(name); }
                Flag(f.Hw, "HW");
                Flag(f.Encrypt, "ENCRYPT");
                Flag(f.Decrypt, "DECRYPT");
                Flag(f.Digest, "DIGEST");
                Flag(f.Sign, "SIGN");
                Flag(f.SignRecover, "SIGN_RECOVER");
                Flag(f.Verify, "VERIFY");
                Flag(f.VerifyRecover, "VERIFY_RECOVER");
                Flag(f.Generate, "GENERATE");
                Flag(f.GenerateKeyPair, "GENERATE_KEY_PAIR");
                Flag(f.Wrap, "WRAP");
                Flag(f.Unwrap, "UNWRAP");
                Flag(f.Derive, "DERIVE");
                Flag(f.EcFp, "EC_F_P");
                Flag(f.EcNamedCurve, "EC_NAMEDCURVE");
                Flag(f.EcUncompress, "EC_UNCOMPRESS");
                Flag(f.EcCompress, "EC_COMPRESS");
                list.Add(new JsonObject
                {
                    ["mechanism"] = Attrs.MechanismName((ulong)m),
                    ["value"] = $"0x{(ulong)m:X8}",
                    ["minKeySize"] = info.MinKeySize,
                    ["maxKeySize"] = info.MaxKeySize,
                    ["flags"] = new JsonArray(flags.Select(x => (JsonNode?)x).ToArray()),
                });
            }
            if (ock.JsonOutput)
            {
                Output.Json(list);
                return 0;
            }
            Output.Table(["Mechanism", "Value", "Min", "Max", "Flags"], list.Select(n => new[]
            {
                (string?)n!["mechanism"], (string?)n["value"], n["minKeySize"]!.ToString(), n["maxKeySize"]!.ToString(),
                string.Join(" ", n["flags"]!.AsArray().Select(x => (string?)x)),
            }));
            return 0;
        }));
        return cmd;
    }
}
