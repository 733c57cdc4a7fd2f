namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock key import` and `ock key export` of Ed25519, Ed448, X25519, X448, DSA and DH keys made by openssl, on both modules.</summary>
public abstract partial class OckScenarios
{
    /// <summary>Key types the module refuses to hold (C_CreateObject fails), so ock's import reports the error.</summary>
    protected virtual IReadOnlySet<string> UnimportableKeyTypes { get; } = new HashSet<string>();

    [Fact]
    public void Edwards_montgomery_dsa_and_dh_key_files_import_sign_and_export_back_the_same_key()
    {
        var t = Make("keyfiles");
        var pw = t.File("pw");
        File.WriteAllText(pw, "kf-secret\n");
        string Text(string pem, params string[] pass) =>
            Shell.Ok("openssl", ["pkey", "-in", pem, .. pass, "-noout", "-text"]);

        var dsaParams = t.File("dsa.params");
        Shell.Ok("openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", $"dsa_paramgen_bits:{DsaArgs[1]}", "-out", dsaParams);
        var dhParams = t.File("dh.params");
        Shell.Ok("openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_paramgen_prime_len:1024", "-out", dhParams);
        var cases = new (string Type, string Id, string[] Gen, string Shown)[]
        {
            ("ed25519", "e1", ["-algorithm", "ed25519"], "ec-edwards ed25519"),
            ("ed448", "e2", ["-algorithm", "ed448"], "ec-edwards ed448"),
            ("x25519", "c1", ["-algorithm", "x25519"], "ec-montgomery x25519"),
            ("x448", "c2", ["-algorithm", "x448"], "ec-montgomery x448"),
            ("dsa", "d1", ["-paramfile", dsaParams], $"dsa {DsaArgs[1]}"),
            ("dh", "f1", ["-paramfile", dhParams], "dh 1024"),
        };
        foreach (var (type, id, gen, shown) in cases)
        {
            var key = t.File($"{type}.pem");
            var pub = t.File($"{type}.pub.pem");
            Shell.Ok("openssl", ["genpkey", .. gen, "-out", key]);
            Shell.Ok("openssl", "pkey", "-in", key, "-pubout", "-out", pub);
            // Every other key arrives as encrypted DER PKCS#8, the others as plain PEM PKCS#8.
            var file = key;
            var format = "PKCS#8";
            if (type is "ed448" or "x25519" or "dsa")
            {
                file = t.File($"{type}.p8.der");
                Shell.Ok("openssl", "pkcs8", "-topk8", "-in", key, "-v2", "aes256", "-passout", "pass:kf-secret", "-outform", "DER", "-out", file);
                format = "encrypted PKCS#8";
            }
            var r = t.OnToken("key", "import", file, "--label", type, "--id", id, "--attr", "extractable,!sensitive", "--password-file", pw);
            if (UnimportableKeyTypes.Contains(type))
            {
                Assert.True(r.ExitCode == 2, r.ToString());
                Assert.Contains("C_CreateObject failed", r.Stderr);
                continue;
            }
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains($"imported {format} private {shown}", r.Stdout);
            Assert.Contains($"imported SPKI public {shown}", t.Ok("key", "import", pub, "--label", type, "--id", id));

            // Export: the private key comes back encrypted and equal to openssl's; the public key equal to openssl's SPKI.
            var back = t.File($"{type}.back.pem");
            t.Ok("key", "export", $"pkcs11:type=private;id=%{id}", "--out", back, "--password-file", pw);
            Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", File.ReadAllText(back));
            Assert.Equal(Text(key), Text(back, "-passin", "pass:kf-secret"));
            var pubBack = t.File($"{type}.pub.back.pem");
            t.Ok("key", "export", $"pkcs11:type=public;id=%{id}", "--out", pubBack);
            Assert.Equal(File.ReadAllText(pub).Trim(), File.ReadAllText(pubBack).Trim());
        }

        // The imported Ed25519 and DSA private keys sign; openssl verifies with the public keys of its own files.
        var data = t.File("data.txt");
        File.WriteAllText(data, "signed by keys openssl made and ock imported\n");
        var login = new[] { "--login", "--pin", Target.UserPin };
        var edSig = t.File("ed.sig");
        var s = t.Tool([.. login, "--sign", "--id", "e1", "-m", "EDDSA", "--input-file", data, "--output-file", edSig]);
        Assert.True(s.ExitCode == 0, s.ToString());
        Assert.Contains("Signature Verified Successfully",
            Shell.Ok("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", t.File("ed25519.pub.pem"), "-rawin", "-in", data, "-sigfile", edSig));
        var dsaSig = t.File("dsa.sig");
        s = t.Tool([.. login, "--sign", "--id", "d1", "-m", "DSA-SHA256", "--input-file", data, "--output-file", dsaSig]);
        Assert.True(s.ExitCode == 0, s.ToString());
        var dsaDer = t.File("dsa.sig.der");
        File.WriteAllBytes(dsaDer, DerSignature(File.ReadAllBytes(dsaSig)));
        Assert.Contains("Verified OK", Shell.Ok("openssl", "dgst", "-sha256", "-verify", t.File("dsa.pub.pem"), "-signature", dsaDer, data));

        // A sensitive imported key stays inside: export is refused.
        Assert.Contains("imported PKCS#8 private ec-edwards ed25519", t.Ok("key", "import", t.File("ed25519.pem"), "--label", "hard", "--id", "e9"));
        Assert.Equal(1, t.OnToken("key", "export", "pkcs11:type=private;id=%e9", "--out", t.File("no.pem"), "--password-file", pw).ExitCode);
    }
}
