using System.CommandLine;
using OpenCryptokiActors.Cli.Commands;
using OpenCryptokiActors.Cli.Core;

namespace OpenCryptokiActors.Cli;

// ock: the admin and key-management tool (pkcsconf + p11sak + pkcsstats) for any PKCS#11 module.
//
// HOW TO ADD A COMMAND GROUP (the pattern every group follows):
//   1. Add src/Cli/Commands/<Group>Commands.cs with
//        public static class SlotCommands { public static Command Create(Globals g) { ... } }
//      returning the group's Command ("slot") with its subcommands. Top-level verbs that are not a group
//      (info, slots, ...) return IEnumerable<Command> instead (see ModuleCommands).
//   2. Each subcommand: options as locals, a description that ends with an "Examples:" block, and
//        cmd.SetAction(p => Ock.Run(p, g, ock => { ...; return 0; }));
//      Ock.Run maps failures to exit codes: 0 ok, 1 usage (UsageException, bad files), 2 PKCS#11 error
//      (Pkcs11Exception, printed with its CKR name). Never print or take a PIN on the command line: use
//      ock.Open(readWrite, CKU.CKU_USER) / ock.GetPin(...) / Pins.Get(...) (file, $OCK_*PIN, no-echo prompt).
//   3. Listings take g.Json and print through Output.Table (Spectre.Console) or Output.Json.
//      Select the token with ock.SelectSlot() (--slot, --token LABEL|pkcs11: URI), objects with ObjectSelection.
//   4. Wire it below with one line, and add a row to docs/ock.md.
// Global options (--module, --slot, --token, --pin-file) live in Globals and are Recursive.
public static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    public static RootCommand BuildRoot()
    {
        var g = new Globals();
        var root = new RootCommand("""
            ock — OpenCryptokiActors admin and key-management tool, for any PKCS#11 module.

            Tokens, slots and objects are named by --slot, --token LABEL or PKCS#11 URIs (RFC 7512).
            PINs come from --pin-file, $OCK_PIN / $OCK_SO_PIN / $OCK_NEW_PIN, or a no-echo prompt.
            Exit codes: 0 ok, 1 usage error, 2 PKCS#11 error (the CKR name is printed).

            Examples:
              ock slots
              ock token init --slot 0 --label mytoken
              ock key generate ec --curve p256 --label sig1 --token mytoken
              ock key list --token 'pkcs11:token=mytoken' --long
            """);
        g.AddTo(root);

        foreach (var c in ModuleCommands.Create(g)) root.Subcommands.Add(c);
        root.Subcommands.Add(TokenCommands.Create(g));
        root.Subcommands.Add(PinCommands.Create(g));
        root.Subcommands.Add(KeyCommands.Create(g));
        root.Subcommands.Add(CertCommands.Create(g));
        foreach (var c in SlotCommands.Create(g)) root.Subcommands.Add(c);
        root.Subcommands.Add(StatsCommands.Create(g));
        root.Subcommands.Add(DeviceCommands.Create(g));
        root.Subcommands.Add(AuditCommands.Create(g));
        root.Subcommands.Add(ConfigCommands.Create(g));
        Help.Install(root);
        return root;
    }
}
