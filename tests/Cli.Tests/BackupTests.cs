using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock token backup` / `ock token restore` through the daemon's admin socket: a round trip to a fresh token (another slot).</summary>
[Collection("ock-slotd")]
public sealed class BackupTests(DaemonFixture fx)
{
    private static void Ok(ProcessResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    private ProcessResult Tool(string slot, params string[] args) =>
        ProcessRunner.Run("pkcs11-tool", ["--module", Repo.ModulePath, "--slot", slot, .. args],
            new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = fx.Daemon.SocketPath }, TimeSpan.FromSeconds(120));

    [Fact]
    public void Backup_restores_into_an_empty_token_whose_keys_work_with_the_original_pins()
    {
        var src = Targets.Ours(fx, "backup-src");
        var dst = Targets.Ours(fx, "backup-dst", initialize: false);
        var srcSlot = Array.IndexOf(DaemonFixture.Scenarios, "backup-src").ToString();
        var dstSlot = Array.IndexOf(DaemonFixture.Scenarios, "backup-dst").ToString();
        src.Ok("key", "generate", "aes", "--label", "aes1", "--id", "03");
        src.Ok("key", "generate", "ec", "--curve", "p256", "--label", "ec1", "--id", "02");
        // a public secret key (CKA_PRIVATE=FALSE, usable without a login): sealed under the source token's object key, not the master key
        var publicValue = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var publicKeyFile = src.File("public-aes.bin");
        File.WriteAllBytes(publicKeyFile, publicValue);
        src.Ok("key", "import", publicKeyFile, "--raw", "aes", "--label", "pubaes", "--id", "05", "--attr", "private=false,sensitive,encrypt,decrypt");

        var data = src.File("data.bin");
        File.WriteAllBytes(data, System.Text.Encoding.ASCII.GetBytes("made before the backup\n"));
        var login = new[] { "--login", "--pin", Target.UserPin };
        const string iv = "000102030405060708090a0b0c0d0e0f";
        var ct = src.File("aes.ct");
        var sig = src.File("ec.sig");
        Ok(Tool(srcSlot, [.. login, "--encrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", data, "--output-file", ct]));
        Ok(Tool(srcSlot, [.. login, "--sign", "--id", "02", "-m", "ECDSA-SHA256", "--input-file", data, "--output-file", sig]));
        var publicCt = src.File("public-aes.ct");
        Ok(Tool(srcSlot, [.. login, "--encrypt", "--id", "05", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", data, "--output-file", publicCt]));
        using (var aes = System.Security.Cryptography.Aes.Create())
        {
            aes.Key = publicValue;
            Assert.Equal(aes.EncryptCbc(File.ReadAllBytes(data), Convert.FromHexString(iv)), File.ReadAllBytes(publicCt));
        }

        var admin = new[] { "--admin-socket", fx.Daemon.AdminSocketPath };
        var file = src.File("tok.ockbackup");
        Ok(src.RunEnv([("OCK_SO_PIN", Target.SoPin)], ["token", "backup", "--slot", srcSlot, file, .. admin]));
        var bytes = File.ReadAllBytes(file);
        Assert.DoesNotContain("aes1"u8.ToArray(), Chunks(bytes)); // labels are inside the encryption too

        // Wrong SO PIN, a changed byte, an initialised target: refused.
        var wrong = src.RunEnv([("OCK_SO_PIN", "00000000")], ["token", "restore", "--slot", dstSlot, file, .. admin]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("does not open", wrong.Stderr);
        var tampered = src.File("tampered.ockbackup");
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(tampered, bytes);
        Assert.Contains("does not open", src.RunEnv([("OCK_SO_PIN", Target.SoPin)], ["token", "restore", "--slot", dstSlot, tampered, .. admin]).Stderr);
        var intoFull = src.RunEnv([("OCK_SO_PIN", Target.SoPin)], ["token", "restore", "--slot", srcSlot, file, .. admin]);
        Assert.Equal(2, intoFull.ExitCode);
        Assert.Contains("uninitialised", intoFull.Stderr);

        var r = src.RunEnv([("OCK_SO_PIN", Target.SoPin)], ["token", "restore", "--slot", dstSlot, file, .. admin]);
        Ok(r);
        Assert.Contains("4 object(s)", r.Stdout);

        // The restored token: the original User PIN logs in, the keys decrypt and verify what was made before.
        var back = dst.File("aes.pt");
        Ok(Tool(dstSlot, [.. login, "--decrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", ct, "--output-file", back]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(back));
        // the public key too (pkcs11-tool logs in, but the key is sealed by CKA_PRIVATE=FALSE under the object key): the restored
        // token has its own object key, the backup carried the source's
        var publicBack = dst.File("public-aes.pt");
        Ok(Tool(dstSlot, [.. login, "--decrypt", "--id", "05", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", publicCt, "--output-file", publicBack]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(publicBack));
        var v = Tool(dstSlot, [.. login, "--verify", "--id", "02", "-m", "ECDSA-SHA256", "--input-file", data, "--signature-file", sig]);
        Ok(v);
        Assert.Contains("Signature is valid", v.Stdout + v.Stderr);
        Assert.NotEqual(0, Tool(dstSlot, "--login", "--pin", "99999999", "--list-objects").ExitCode);
        // The original SO PIN too (C_SetPIN as SO, to the same value).
        Ok(dst.RunEnv([("OCK_SO_PIN", Target.SoPin), ("OCK_NEW_PIN", Target.SoPin)], "pin", "change", "--so", "--slot", dstSlot));

        // The restore is journaled: after a daemon restart the restored token recovers with its keys.
        Assert.Equal(0, fx.Daemon.Restart());
        File.Delete(back);
        Ok(Tool(dstSlot, [.. login, "--decrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", ct, "--output-file", back]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(back));
        File.Delete(publicBack);
        Ok(Tool(dstSlot, [.. login, "--decrypt", "--id", "05", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", publicCt, "--output-file", publicBack]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(publicBack));
    }

    [Fact]
    public void Rekey_rotates_the_master_key_online_and_the_keys_made_before_still_work()
    {
        var t = Targets.Ours(fx, "rekey");
        var slot = Array.IndexOf(DaemonFixture.Scenarios, "rekey").ToString();
        t.Ok("key", "generate", "aes", "--label", "rk-aes", "--id", "07");
        var data = t.File("data.bin");
        File.WriteAllBytes(data, System.Text.Encoding.ASCII.GetBytes("made before the rekey\n"));
        var login = new[] { "--login", "--pin", Target.UserPin };
        const string iv = "000102030405060708090a0b0c0d0e0f";
        var ct = t.File("aes.ct");
        Ok(Tool(slot, [.. login, "--encrypt", "--id", "07", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", data, "--output-file", ct]));
        var admin = new[] { "--admin-socket", fx.Daemon.AdminSocketPath };

        // the new key is wrapped under both PINs: without the User PIN, or with a wrong SO PIN, nothing happens
        var noUser = t.RunEnv([("OCK_SO_PIN", Target.SoPin), ("OCK_PIN", "")], ["token", "rekey", "--slot", slot, .. admin]);
        Assert.NotEqual(0, noUser.ExitCode);
        Assert.Contains("User PIN", noUser.Stderr);
        var wrongSo = t.RunEnv([("OCK_SO_PIN", "00000000")], ["token", "rekey", "--slot", slot, .. admin]);
        Assert.NotEqual(0, wrongSo.ExitCode);
        Assert.Contains("SO PIN incorrect", wrongSo.Stderr);

        var r = t.RunEnv([("OCK_SO_PIN", Target.SoPin)], ["token", "rekey", "--slot", slot, .. admin]);
        Ok(r);
        Assert.Contains("private object(s) re-encrypted", r.Stdout);
        var back = t.File("aes.pt");
        Ok(Tool(slot, [.. login, "--decrypt", "--id", "07", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", ct, "--output-file", back]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(back));

        // in the audit trail, with the rotation's three kinds of events
        var audit = t.Run("audit", "list", "--config", fx.Daemon.ConfigFile!, "--token-name", "rekeytok", "--json");
        Ok(audit);
        foreach (var action in new[] { "RekeyStarted", "ObjectsResealed", "RekeyCompleted" }) Assert.Contains(action, audit.Stdout);

        // the newest rows of this token removed from the database: the chain left is whole, the daemon's anchor shows the truncation
        Thread.Sleep(1000); // the anchor follows committed writes within 250 ms
        Ok(t.Run("audit", "verify", "--config", fx.Daemon.ConfigFile!));
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(fx.Daemon.DataDir, "tokens.db")}"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "DELETE FROM journal WHERE persistence_id = 'token-rekeytok' AND sequence_number > " +
                              "(SELECT MAX(sequence_number) - 2 FROM journal WHERE persistence_id = 'token-rekeytok')";
            Assert.Equal(2, cmd.ExecuteNonQuery());
        }

        var verify = t.Run("audit", "verify", "--config", fx.Daemon.ConfigFile!);
        Assert.Equal(3, verify.ExitCode);
        Assert.Contains("truncated", verify.Stdout);
    }

    private static IEnumerable<byte[]> Chunks(byte[] b) => Enumerable.Range(0, Math.Max(0, b.Length - 3)).Select(i => b[i..(i + 4)]);
}
