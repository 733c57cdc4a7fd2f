using System.CommandLine;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.Cli.Core;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary><c>ock pin init|change</c>: the User PIN set by the SO (pkcsconf -u), PIN changes (pkcsconf -p / -P).</summary>
public static class PinCommands
{
    private static Option<string> NewPinFile() => new("--new-pin-file")
    {
        Description = "Read the new PIN from this file's first line. Else $OCK_NEW_PIN, else a no-echo prompt (asked twice)",
        HelpName = "FILE",
    };

    public static Command Create(Globals g)
    {
        var pin = new Command("pin", "PIN administration: init (User PIN by the SO), change.");
        pin.Subcommands.Add(Init(g));
        pin.Subcommands.Add(Change(g));
        return pin;
    }

    private static Command Init(Globals g)
    {
        var newPinFile = NewPinFile();
        var cmd = new Command("init", "The SO sets the User PIN (C_InitPIN). SO PIN: --pin-file, $OCK_SO_PIN or a prompt; new User PIN: --new-pin-file, $OCK_NEW_PIN or a prompt (asked twice).") { newPinFile }.Examples("ock pin init --slot 0", "OCK_SO_PIN=87654321 OCK_NEW_PIN=12345678 ock pin init --token mytoken");
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var session = ock.Open(readWrite: true, CKU.CKU_SO);
            var newPin = Pins.Get("new User PIN", p.GetValue(newPinFile), Pins.NewPinVariable, confirm: true);
            session.InitPin(newPin);
            session.Logout();
            Output.Line("User PIN initialized");
            return 0;
        }));
        return cmd;
    }

    private static Command Change(Globals g)
    {
        var user = new Option<bool>("--user") { Description = "Change the User PIN (default)" };
        var so = new Option<bool>("--so") { Description = "Change the SO PIN" };
        var newPinFile = NewPinFile();
        var cmd = new Command("change", "Change the User PIN (--user) or the SO PIN (--so) with C_SetPIN. Current PIN: --pin-file, $OCK_PIN / $OCK_SO_PIN or a prompt; new PIN: --new-pin-file, $OCK_NEW_PIN or a prompt.") { user, so, newPinFile }.Examples("ock pin change --user --slot 0", "ock pin change --so --token mytoken --pin-file so.pin --new-pin-file new-so.pin");
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(user) && r.GetValue(so)) r.AddError("--user and --so exclude each other");
        });
        cmd.SetAction(p => Ock.Run(p, g, ock =>
        {
            var who = p.GetValue(so) ? CKU.CKU_SO : CKU.CKU_USER;
            var session = ock.Open(readWrite: true, user: null);
            var oldPin = ock.GetPin(who);
            session.Login(who, oldPin);
            var newPin = Pins.Get(who == CKU.CKU_SO ? "new SO PIN" : "new User PIN", p.GetValue(newPinFile), Pins.NewPinVariable, confirm: true);
            session.SetPin(oldPin, newPin);
            session.Logout();
            Output.Line(who == CKU.CKU_SO ? "SO PIN changed" : "User PIN changed");
            return 0;
        }));
        return cmd;
    }
}
