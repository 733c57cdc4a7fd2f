using System.Buffers.Binary;
using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.Cli.Core;
using OpenCryptokiActors.Cryptoki.Admin;

namespace OpenCryptokiActors.Cli.Commands;

/// <summary>
/// <c>ock token backup</c> / <c>ock token restore</c> through ock-slotd's admin socket. The daemon hands over the token's
/// persistent state as stored (master key still wrapped under the PIN-derived keys, private values still sealed); ock
/// encrypts and authenticates the whole file with AES-256-GCM under PBKDF2-HMAC-SHA256(SO PIN, random salt).
/// File: "OCKBKUP1" ‖ u32 iterations ‖ salt(16) ‖ nonce(12) ‖ GCM(u32 manifest length ‖ manifest ‖ state) ‖ tag(16),
/// the 40-byte header as associated data.
/// </summary>
public static class BackupCommands
{
    private static readonly byte[] Magic = "OCKBKUP1"u8.ToArray();
    private const int HeaderLength = 8 + 4 + 16 + 12, TagLength = 16, Iterations = 200_000, MaxIterations = 10_000_000;

    public static IEnumerable<Command> Create(Globals g)
    {
        var adminSocket = new Option<string>("--admin-socket")
        {
            Description = "ock-slotd's admin socket. Default: $OPENCRYPTOKI_ACTORS_ADMIN_SOCKET, else ./var/run/slotd-admin.socket " +
                          "when present, else /run/opencryptoki-actors/admin.socket",
            HelpName = "PATH",
        };
        var file = new Argument<string>("FILE") { Description = "The backup file" };
        var backup = new Command("backup", "Write the token of --slot to one encrypted, integrity-protected file (through ock-slotd's admin socket: " +
                                           "root or the admin group). The master key stays wrapped under the PIN keys and private values stay sealed; " +
                                           "the file is AES-256-GCM under a key derived from the SO PIN ($OCK_SO_PIN, --pin-file or a prompt), " +
                                           "which restore asks again.") { file, adminSocket }
            .Examples("OCK_SO_PIN=87654321 ock token backup --slot 0 tok0.ockbackup");
        backup.SetAction(p => Admin(p, g, adminSocket, client =>
        {
            var slot = p.GetValue(g.Slot) ?? throw new UsageException("--slot: which token to back up");
            var path = p.GetValue(file)!;
            if (File.Exists(path)) throw new UsageException($"{path} exists: not overwritten");
            var soPin = Pins.Get("SO PIN", p.GetValue(g.PinFile), Pins.SoPinVariable, confirm: true);
            var (manifest, state) = client.BackupToken(slot);
            File.WriteAllBytes(path, Seal(soPin, manifest, state));
            Output.Line($"token of slot {slot} backed up to {path}");
            return 0;
        }));

        var restore = new Command("restore", "Load a backup file into the uninitialised token of --slot (this node or another), through ock-slotd's admin " +
                                             "socket. The SO PIN the backup was made with opens the file; afterwards the original SO and User PINs log in.")
            { file, adminSocket }
            .Examples("OCK_SO_PIN=87654321 ock token restore --slot 1 tok0.ockbackup");
        restore.SetAction(p => Admin(p, g, adminSocket, client =>
        {
            var slot = p.GetValue(g.Slot) ?? throw new UsageException("--slot: which (uninitialised) token to restore into");
            var data = File.ReadAllBytes(p.GetValue(file)!);
            var soPin = Pins.Get("SO PIN", p.GetValue(g.PinFile), Pins.SoPinVariable);
            var (manifest, state) = Open(soPin, data);
            Output.Line(client.RestoreToken(slot, manifest, state));
            return 0;
        }));
        var rekey = new Command("rekey", "Rotate the master key of the token in --slot online (through ock-slotd's admin socket): every private " +
                                         "object is re-encrypted under a new master key in batches (opencryptoki.rekey-batch) while the token goes on " +
                                         "serving; a rotation cut short (crash) goes on at the next login or the next rekey. The new key is wrapped " +
                                         "under both PINs: the SO PIN ($OCK_SO_PIN, --pin-file or a prompt) and, when the token has one, the User PIN " +
                                         "($OCK_PIN or a prompt).") { adminSocket }
            .Examples("OCK_SO_PIN=87654321 OCK_PIN=1234 ock token rekey --slot 0");
        rekey.SetAction(p => Admin(p, g, adminSocket, client =>
        {
            var slot = p.GetValue(g.Slot) ?? throw new UsageException("--slot: which token's master key to rotate");
            var soPin = Encoding.UTF8.GetBytes(Pins.Get("SO PIN", p.GetValue(g.PinFile), Pins.SoPinVariable));
            // the User PIN: $OCK_PIN, else a prompt (empty: the token has none); without either, none is sent
            var user = Environment.GetEnvironmentVariable(Pins.UserPinVariable) is { Length: > 0 } fromEnv ? fromEnv
                : Console.IsInputRedirected ? "" : Pins.Prompt("User PIN (empty if the token has none): ");
            var userPin = user.Length == 0 ? null : Encoding.UTF8.GetBytes(user);
            Output.Line(client.RekeyToken(slot, soPin, userPin));
            return 0;
        }, TimeSpan.FromHours(2)));
        return [backup, restore, rekey];
    }

    public static byte[] Seal(string soPin, string manifest, byte[] state)
    {
        var m = Encoding.UTF8.GetBytes(manifest);
        var plain = new byte[4 + m.Length + state.Length];
        BinaryPrimitives.WriteUInt32BigEndian(plain, (uint)m.Length);
        m.CopyTo(plain, 4);
        state.CopyTo(plain, 4 + m.Length);
        var file = new byte[HeaderLength + plain.Length + TagLength];
        Magic.CopyTo(file, 0);
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(8), Iterations);
        RandomNumberGenerator.Fill(file.AsSpan(12, 16 + 12));
        var key = Derive(soPin, file.AsSpan(12, 16), Iterations);
        using (var gcm = new AesGcm(key, TagLength))
            gcm.Encrypt(file.AsSpan(28, 12), plain, file.AsSpan(HeaderLength, plain.Length), file.AsSpan(HeaderLength + plain.Length), file.AsSpan(0, HeaderLength));
        CryptographicOperations.ZeroMemory(key);
        return file;
    }

    public static (string Manifest, byte[] State) Open(string soPin, byte[] file)
    {
        if (file.Length < HeaderLength + TagLength + 4 || !file.AsSpan(0, 8).SequenceEqual(Magic))
            throw new UsageException("not an ock token backup file");
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        if (iterations is 0 or > MaxIterations) throw new UsageException("not an ock token backup file (bad iteration count)");
        var key = Derive(soPin, file.AsSpan(12, 16), (int)iterations);
        var plain = new byte[file.Length - HeaderLength - TagLength];
        try
        {
            using var gcm = new AesGcm(key, TagLength);
            gcm.Decrypt(file.AsSpan(28, 12), file.AsSpan(HeaderLength, plain.Length), file.AsSpan(file.Length - TagLength), plain, file.AsSpan(0, HeaderLength));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new UsageException("the backup does not open: wrong SO PIN, or the file was changed");
        }
        finally { CryptographicOperations.ZeroMemory(key); }
        var n = BinaryPrimitives.ReadUInt32BigEndian(plain);
        if (n > plain.Length - 4) throw new UsageException("damaged backup file");
        return (Encoding.UTF8.GetString(plain, 4, (int)n), plain[(4 + (int)n)..]);
    }

    private static byte[] Derive(string pin, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(pin), salt, iterations, HashAlgorithmName.SHA256, 32);

    private static int Admin(ParseResult p, Globals g, Option<string> socket, Func<AdminClient, int> body, TimeSpan? timeout = null) => Ock.Run(p, g, _ =>
    {
        try
        {
            using var client = AdminClient.Connect(AdminClient.ResolvePath(p.GetValue(socket)), timeout ?? TimeSpan.FromSeconds(120));
            return body(client);
        }
        catch (AdminException e)
        {
            Output.Error(e.Message);
            return ExitCodes.Pkcs11;
        }
    });
}
