using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using OpenCryptokiActors.Cryptoki.Admin;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// Master-key rotation under a real crash: a private ock-slotd (rekey batches of one object, so that there are many journal
/// writes) is killed with SIGKILL in the middle of a rekey started through its admin socket. After a restart the token loads,
/// every key works as before (AES ciphertext made before decrypts, an ECDSA signature made before verifies, a thousand
/// secret values compare equal), the rotation goes on from where it stopped at the next login, and a second rekey request
/// waits for it to finish. On SQLite and on PostgreSQL.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class _31_RekeyKillTest(EndToEndFixture fx, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string So = "87654321", User = "12345678";
    private const int Secrets = 1500;

    [GeneratedRegex(@"master-key rotation resumed: (\d+) private objects to re-encrypt, (\d+) done")]
    private static partial Regex Resumed();

    [Theory]
    [MemberData(nameof(TestStore.Backends), MemberType = typeof(TestStore))]
    public void SIGKILL_in_the_middle_of_a_rekey_leaves_every_object_readable_and_the_rekey_finishes_after_restart(string backend)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ock-rekey-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using var store = TestStore.Create(backend);
        try
        {
            Run(dir, store);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Run(string dir, TestStore store)
    {
        using var daemon = new SlotDaemon(dir, [new SlotConfig(0, "rekeytok", "Rekey token")], extraConfig: "  rekey-batch = 1\n  " + store.Config);
        var env = new Dictionary<string, string> { ["OPENCRYPTOKI_ACTORS_SOCKET"] = daemon.SocketPath };
        ProcessResult Client(params string[] args) => ProcessRunner.Run(fx.ClientPath, [fx.ModulePath, .. args], env, TimeSpan.FromSeconds(300));
        ProcessResult Tool(params string[] args) => Pkcs11Tool.RunWith(fx.ModulePath, env, ["--slot", "0", .. args]);
        void Ok(ProcessResult r) => Assert.True(r.ExitCode == 0, r + "\n--- ock-slotd\n" + daemon.OutputTail(3000));
        string[] login = ["--login", "--pin", User];

        daemon.Start();
        Ok(Client("init-token", "0", So, "rekey"));
        Ok(Tool("--init-pin", "--login", "--login-type", "so", "--so-pin", So, "--pin", User));
        Ok(Tool([.. login, "--keygen", "--key-type", "AES:32", "--label", "aes1", "--id", "03"]));
        Ok(Tool([.. login, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "ec1", "--id", "02"]));
        var data = Path.Combine(dir, "data.bin");
        File.WriteAllBytes(data, Encoding.ASCII.GetBytes("made before the rekey\n"));
        const string iv = "000102030405060708090a0b0c0d0e0f";
        var ct = Path.Combine(dir, "aes.ct");
        var sig = Path.Combine(dir, "ec.sig");
        Ok(Tool([.. login, "--encrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", data, "--output-file", ct]));
        Ok(Tool([.. login, "--sign", "--id", "02", "-m", "ECDSA-SHA256", "--input-file", data, "--output-file", sig]));
        Ok(Client("secrets", "0", User, "sec", Secrets.ToString()));

        void KeysWork(string when)
        {
            var check = Client("check-secrets", "0", User, "sec", Secrets.ToString());
            Assert.True(check.ExitCode == 0 && check.Stdout.Contains($"checked={Secrets}"), $"{when}: {check}\n{daemon.OutputTail(3000)}");
            var back = Path.Combine(dir, "aes.pt");
            File.Delete(back);
            Ok(Tool([.. login, "--decrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", ct, "--output-file", back]));
            Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(back));
            var v = Tool([.. login, "--verify", "--id", "02", "-m", "ECDSA-SHA256", "--input-file", data, "--signature-file", sig]);
            Ok(v);
            Assert.Contains("Signature is valid", v.Stdout + v.Stderr);
        }

        // the rekey, through the admin socket; the daemon dies under it
        var rekey = Task.Run(() =>
        {
            using var admin = AdminClient.Connect(daemon.AdminSocketPath, TimeSpan.FromMinutes(10));
            return admin.RekeyToken(0, Encoding.UTF8.GetBytes(So), Encoding.UTF8.GetBytes(User));
        });
        var watch = Stopwatch.StartNew();
        while (!daemon.Output.Contains("master-key rotation started") && watch.Elapsed < TimeSpan.FromSeconds(60) && !rekey.IsCompleted) Thread.Sleep(10);
        Assert.True(daemon.Output.Contains("master-key rotation started"), $"the rekey did not start: {(rekey.IsFaulted ? rekey.Exception : null)}\n{daemon.OutputTail(3000)}");
        Thread.Sleep(300);
        Libc.Kill(daemon.Pid ?? throw new InvalidOperationException("daemon not running"), Libc.SIGKILL);
        daemon.Stop();
        Assert.True(SpinWait.SpinUntil(() => rekey.IsCompleted, TimeSpan.FromSeconds(30)), "the admin client hung after the daemon died");
        Assert.True(rekey.IsFaulted, "the rekey finished before the kill: make it longer (more secrets)");

        // restart: the token loads and every object reads right at once, under whichever key it is; the login resumes the rekey
        daemon.Start();
        KeysWork("after the kill");
        watch.Restart();
        while (!Resumed().IsMatch(daemon.Output) && watch.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
        var resumed = Resumed().Match(daemon.Output);
        Assert.True(resumed.Success, "the rekey did not resume at login:\n" + daemon.OutputTail(3000));
        var (left, done) = (int.Parse(resumed.Groups[1].Value), int.Parse(resumed.Groups[2].Value));
        output.WriteLine($"killed mid-rekey: {done} private objects under the new key, {left} still under the old one");
        Assert.True(done > 0 && left > 0, $"the kill did not land in the middle of the rekey ({done} done, {left} left)");

        // a second request joins the rotation under way and answers when it is complete
        using (var admin = AdminClient.Connect(daemon.AdminSocketPath, TimeSpan.FromMinutes(10)))
        {
            var message = admin.RekeyToken(0, Encoding.UTF8.GetBytes(So), Encoding.UTF8.GetBytes(User));
            var count = Regex.Match(message, @"(\d+) private object\(s\) re-encrypted");
            Assert.True(count.Success && int.Parse(count.Groups[1].Value) > Secrets, message); // the secrets and the private keys pkcs11-tool made
        }

        KeysWork("after the rekey");

        // and once more from the journal alone: the new PIN records open the new key
        Assert.Equal(0, daemon.Restart());
        KeysWork("after a restart following the rekey");
        Assert.DoesNotContain("does not open", daemon.Output);
        daemon.Stop();
    }
}
