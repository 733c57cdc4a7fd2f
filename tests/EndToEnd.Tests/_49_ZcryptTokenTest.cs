using System.Security.Cryptography;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A daemon with two zcrypt tokens on the emulated device pool: slot 0 falls back to software, slot 1 fails. The fake
/// sysfs tree (four CEX7 queues in domain 5) lives in the daemon's directory; the tests take queues offline by
/// writing it, as the kernel would show it.
/// </summary>
public sealed class ZcryptDaemon : IDisposable
{
    public ZcryptDaemon()
    {
        Sysfs = Path.Combine(Path.GetTempPath(), "ock-zcrypt-sysfs-" + Guid.NewGuid().ToString("N")[..8]);
        for (var card = 0; card < 4; card++) AddQueue(card);
        Directory.CreateDirectory(Path.Combine(Sysfs, "bus", "ap"));
        File.WriteAllText(Path.Combine(Sysfs, "bus", "ap", "ap_domain"), "5\n");
        Daemon = StartDaemon("zcrypt",
        [
            new SlotConfig(0, "zcrypt-soft", "zcrypt token, software fallback", TokenType: "zcrypt"),
            new SlotConfig(1, "zcrypt-fail", "zcrypt token, no fallback", TokenType: "zcrypt", Extra: "fallback = fail"),
        ], group: "pkcs11",
            extraConfig: $"  devices {{ backend = emulator, sysfs-root = \"{Sysfs}\", poll-interval = 100ms, reprobe-interval = 100ms }}");
        InitToken(Daemon, 0, "zsoft");
        InitToken(Daemon, 1, "zfail");
    }

    public SlotDaemon Daemon { get; }

    public string Sysfs { get; }

    private void AddQueue(int card)
    {
        var cardDir = Path.Combine(Sysfs, "devices", "ap", $"card{card:x2}");
        var queue = Path.Combine(cardDir, $"{card:x2}.0005");
        Directory.CreateDirectory(queue);
        foreach (var (file, value) in new[] { ("hwtype", "13"), ("depth", "8"), ("online", "1"), ("config", "1"), ("chkstop", "0"), ("load", "0") })
            File.WriteAllText(Path.Combine(cardDir, file), value + "\n");
        foreach (var (file, value) in new[] { ("online", "1"), ("config", "1"), ("chkstop", "0"), ("load", "0") })
            File.WriteAllText(Path.Combine(queue, file), value + "\n");
    }

    /// <summary>Every queue online (1) or offline (0) in sysfs.</summary>
    public void SetOnline(bool online)
    {
        for (var card = 0; card < 4; card++)
            File.WriteAllText(Path.Combine(Sysfs, "devices", "ap", $"card{card:x2}", $"{card:x2}.0005", "online"), online ? "1\n" : "0\n");
    }

    public ProcessResult Tool(ulong slot, params string[] args) =>
        Pkcs11Tool.RunWith(Repo.ModulePath, Env(Daemon.SocketPath), ["--slot", slot.ToString(), "--login", "--pin", UserPin, .. args]);

    public void Dispose()
    {
        Discard(Daemon);
        Directory.Delete(Sysfs, recursive: true);
    }
}

/// <summary>
/// The zcrypt token type through the real module and pkcs11-tool: the RSA tests the soft token passes (key generation,
/// sign and verify with PKCS#1 v1.5 and PSS, decryption of what OpenSSL encrypted), with the private-key operations on
/// the emulated device pool; and the slot's fallback policy when every queue is offline.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _49_ZcryptTokenTest(ZcryptDaemon z) : IClassFixture<ZcryptDaemon>
{
    private string NewDir()
    {
        var dir = Path.Combine(z.Daemon.BaseDir, "io-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private void KeyPair(ulong slot, string id)
    {
        var gen = z.Tool(slot, "--keypairgen", "--key-type", "rsa:2048", "--id", id, "--label", "zkey" + id);
        Assert.True(gen.ExitCode == 0, gen + "\n" + z.Daemon.OutputTail());
        Assert.Contains("Key pair generated", gen.Output);
    }

    private ProcessResult Sign(ulong slot, string mechanism, string id, string input, string signature) =>
        z.Tool(slot, "--sign", "--mechanism", mechanism, "--id", id, "--input-file", input, "--output-file", signature);

    private void SignAndVerify(ulong slot, string mechanism, string id)
    {
        var dir = NewDir();
        var input = Path.Combine(dir, "data.txt");
        var signature = Path.Combine(dir, "data.sig");
        File.WriteAllText(input, "a zcrypt token signs this line.\n");
        var s = Sign(slot, mechanism, id, input, signature);
        Assert.True(s.ExitCode == 0, s + "\n" + z.Daemon.OutputTail());
        Assert.Equal(256, new FileInfo(signature).Length);
        var verify = z.Tool(slot, "--verify", "--mechanism", mechanism, "--id", id, "--input-file", input, "--signature-file", signature);
        Assert.Contains("Signature is valid", verify.Output);
        File.WriteAllText(input, "a zcrypt token signs this line!\n");
        var bad = z.Tool(slot, "--verify", "--mechanism", mechanism, "--id", id, "--input-file", input, "--signature-file", signature);
        Assert.Contains("Invalid signature", bad.Output);
    }

    [Fact]
    public void RSA_2048_keypairgen_sign_and_verify_with_pkcs1_and_pss()
    {
        KeyPair(0, "01");
        SignAndVerify(0, "SHA256-RSA-PKCS", "01");
        SignAndVerify(0, "SHA256-RSA-PKCS-PSS", "01");
        SignAndVerify(0, "SHA384-RSA-PKCS", "01");
    }

    [Fact]
    public void Decrypts_what_openssl_encrypted_with_the_public_key()
    {
        KeyPair(0, "02");
        var dir = NewDir();
        var pub = Path.Combine(dir, "pub.der");
        var read = z.Tool(0, "--read-object", "--type", "pubkey", "--id", "02", "--output-file", pub);
        Assert.True(read.ExitCode == 0, read.ToString());
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(File.ReadAllBytes(pub), out _);
        var secret = "secret for the card"u8.ToArray();
        foreach (var (mechanism, padding, extra) in new[]
                 {
                     ("RSA-PKCS", RSAEncryptionPadding.Pkcs1, Array.Empty<string>()),
                     ("RSA-PKCS-OAEP", RSAEncryptionPadding.OaepSHA256, new[] { "--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256" }),
                 })
        {
            var input = Path.Combine(dir, mechanism + ".bin");
            var output = Path.Combine(dir, mechanism + ".out");
            File.WriteAllBytes(input, rsa.Encrypt(secret, padding));
            var r = z.Tool(0, ["--decrypt", "--mechanism", mechanism, "--id", "02", "--input-file", input, "--output-file", output, .. extra]);
            Assert.True(r.ExitCode == 0, r + "\n" + z.Daemon.OutputTail());
            Assert.Equal(secret, File.ReadAllBytes(output));
        }
    }

    [Fact]
    public void With_every_queue_offline_a_software_slot_still_signs_and_a_fail_slot_answers_CKR_DEVICE_ERROR()
    {
        KeyPair(0, "03");
        KeyPair(1, "03");
        var dir = NewDir();
        var input = Path.Combine(dir, "data.txt");
        File.WriteAllText(input, "offline\n");
        Assert.Equal(0, Sign(1, "SHA256-RSA-PKCS", "03", input, Path.Combine(dir, "online.sig")).ExitCode);
        try
        {
            z.SetOnline(false);
            var (failed, seen) = WaitFor(() =>
            {
                var r = Sign(1, "SHA256-RSA-PKCS", "03", input, Path.Combine(dir, "fail.sig"));
                return (r.ExitCode != 0 && r.Output.Contains("CKR_DEVICE_ERROR"), r.ToString());
            }, TimeSpan.FromSeconds(20));
            Assert.True(failed, seen);
            var soft = Sign(0, "SHA256-RSA-PKCS", "03", input, Path.Combine(dir, "soft.sig"));
            Assert.True(soft.ExitCode == 0, soft.ToString());
            var verify = z.Tool(0, "--verify", "--mechanism", "SHA256-RSA-PKCS", "--id", "03", "--input-file", input, "--signature-file", Path.Combine(dir, "soft.sig"));
            Assert.Contains("Signature is valid", verify.Output);
        }
        finally
        {
            z.SetOnline(true);
        }

        var (back, last) = WaitFor(() =>
        {
            var r = Sign(1, "SHA256-RSA-PKCS", "03", input, Path.Combine(dir, "back.sig"));
            return (r.ExitCode == 0, r.ToString());
        }, TimeSpan.FromSeconds(20));
        Assert.True(back, last);
    }
}
