using System.CommandLine;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.Cli.Core;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary><c>ock token …</c>: token administration (pkcsconf -I). Daemon views (backup, restore) join here.</summary>
public static class TokenCommands
{
    public static Command Create(Globals g)
    {
        var token = new Command("token", "Token administration: init, import-softhsm, import-opencryptoki, backup, restore.");
        token.Subcommands.Add(Init(g));
        token.Subcommands.Add(ImportCommands.ImportSoftHsm(g));
        token.Subcommands.Add(ImportCommands.ImportOpenCryptoki(g));
        foreach (var c in BackupCommands.Create(g)) token.Subcommands.Add(c);
        return token;
    }

    private static Command Init(Globals g)
    {
        var label = new Option<string>("--label") { Description = "Token label (up to 32 characters)", Required = true, HelpName = "LABEL" };
        var cmd = new Command("init", "Initialise the token in a slot (C_InitToken): sets its label and SO PIN, erases all its objects. The SO PIN comes from --pin-file, $OCK_SO_PIN or a prompt (asked twice). Never on the command line.") { label }.Examples("ock token init --slot 0 --label mytoken", "OCK_SO_PIN=87654321 ock token init --slot 0 --label mytoken");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var l = p.GetValue(label)!;
            if (l.Length > 32) throw new UsageException("--label: at most 32 characters");
            var slot = ock.SelectSlot();
            var soPin = Pins.Get("SO PIN", p.GetValue(g.PinFile), Pins.SoPinVariable, confirm: true);
            slot.InitToken(soPin, l);
            Output.Line($"Token in slot {slot.SlotId} initialized: {l}");
            return 0;
        }));
        return cmd;
    }
}
