using System.Text.Json.Nodes;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock key import` of PKCS#12 files made by `openssl pkcs12 -export`, on both modules.</summary>
public abstract partial class OckScenarios
{
    [Fact]
    public void Pkcs12_import_ties_key_and_certificate_and_the_key_signs_what_openssl_verifies_against_the_certificate()
    {
        var t = Make("pkcs12");
        string F(string name) => t.File(name);
        Shell.Ok("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", F("ca.key"),
            "-out", F("ca.crt"), "-subj", "/CN=ock test CA", "-days", "30");
        Shell.Ok("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", F("leaf.key"), "-out", F("leaf.csr"), "-subj", "/CN=ock leaf");
        Shell.Ok("openssl", "x509", "-req", "-in", F("leaf.csr"), "-CA", F("ca.crt"), "-CAkey", F("ca.key"), "-CAcreateserial",
            "-out", F("leaf.crt"), "-days", "30");
        Shell.Ok("openssl", "pkcs12", "-export", "-inkey", F("leaf.key"), "-in", F("leaf.crt"), "-certfile", F("ca.crt"),
            "-passout", "pass:p12-secret", "-out", F("leaf.p12"));
        File.WriteAllText(F("pw"), "p12-secret\n");

        // No password source and no terminal; a wrong password: usage errors, nothing created.
        Assert.Equal(1, t.OnToken("key", "import", F("leaf.p12"), "--label", "leaf").ExitCode);
        var wrong = t.RunEnv([("OCK_PASSWORD", "not-it")], "key", "import", F("leaf.p12"), "--label", "leaf", "--token", t.TokenLabel);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("password is wrong", wrong.Stderr);
        Assert.Contains("no objects", t.Ok("key", "list"));

        var imported = t.Ok("key", "import", F("leaf.p12"), "--label", "leaf", "--id", "51", "--password-file", F("pw"));
        Assert.Contains("imported PKCS#12 private rsa 2048", imported);
        Assert.Contains("object=leaf;type=cert;id=%51", imported);
        Assert.Contains("object=leaf-chain-1;type=cert", imported);
        Assert.DoesNotContain("p12-secret", imported);
        var certs = JsonNode.Parse(t.Ok("cert", "list", "--json"))!.AsArray();
        Assert.Equal(2, certs.Count);
        var leaf = certs.Single(c => (string?)c!["label"] == "leaf")!;
        Assert.Equal("51", (string?)leaf["id"]);
        Assert.Contains("CN=ock leaf", (string?)leaf["subject"]);
        Assert.Contains("CN=ock test CA", (string?)certs.Single(c => (string?)c!["label"] == "leaf-chain-1")!["subject"]);
        var priv = JsonNode.Parse(t.Ok("key", "list", "--class", "private", "--json"))!.AsArray().Single()!;
        Assert.Equal("51", (string?)priv["id"]);
        Assert.True((bool)priv["flags"]!["sensitive"]!);

        // The imported key signs (pkcs11-tool); openssl verifies with the certificate the token holds.
        var data = F("data.txt");
        File.WriteAllText(data, "signed by a key from a PKCS#12 file\n");
        var sig = F("sig");
        var r = t.Tool("--login", "--pin", Target.UserPin, "--sign", "--id", "51", "-m", "SHA256-RSA-PKCS", "--input-file", data, "--output-file", sig);
        Assert.True(r.ExitCode == 0, r.ToString());
        t.Ok("cert", "export", "pkcs11:object=leaf;type=cert", "--out", F("leaf.out.pem"));
        File.WriteAllText(F("leaf.pub.pem"), Shell.Run("openssl", "x509", "-in", F("leaf.out.pem"), "-pubkey", "-noout").Stdout);
        Assert.Contains("Verified OK", Shell.Ok("openssl", "dgst", "-sha256", "-verify", F("leaf.pub.pem"), "-signature", sig, data));

        // An EC key with a self-signed certificate, .pfx, password from $OCK_PASSWORD, CKA_ID from the subject key identifier.
        Shell.Ok("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", F("ec.key"),
            "-out", F("ec.crt"), "-subj", "/CN=ock ec", "-days", "30");
        Shell.Ok("openssl", "pkcs12", "-export", "-inkey", F("ec.key"), "-in", F("ec.crt"), "-passout", "pass:other", "-out", F("ec.pfx"));
        var ec = t.RunEnv([("OCK_PASSWORD", "other")], "key", "import", F("ec.pfx"), "--label", "ecp12", "--token", t.TokenLabel);
        Assert.True(ec.ExitCode == 0, ec.ToString());
        Assert.Contains("imported PKCS#12 private ec p384", ec.Stdout);
        var ski = Shell.Ok("openssl", "x509", "-in", F("ec.crt"), "-noout", "-ext", "subjectKeyIdentifier").Split('\n')[1].Trim()
            .Replace(":", "").ToLowerInvariant();
        var ecKeys = JsonNode.Parse(t.Ok("key", "list", "ecp12", "--json"))!.AsArray();
        Assert.Equal(2, ecKeys.Count); // private and public
        Assert.All(ecKeys, k => Assert.Equal(ski, (string?)k!["id"]));
    }
}
