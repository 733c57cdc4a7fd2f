using System.Formats.Asn1;
using System.Text.Json.Nodes;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock key generate` for the key types beyond aes/generic/hmac/rsa/ec, on both modules.</summary>
public abstract partial class OckScenarios
{
    /// <summary>Key types the module cannot generate, with the mechanism ock must name when refusing them.</summary>
    protected abstract IReadOnlyDictionary<string, string> MissingKeyTypes { get; }

    /// <summary>`ock key generate dsa` arguments that fit the module (SoftHSM2 stops at 1024 bits).</summary>
    protected abstract string[] DsaArgs { get; }

    /// <summary>`ock key generate dh` arguments using the module's parameter generation, or the RFC 7919 group of that size.</summary>
    protected abstract string[] DhArgs { get; }

    [Fact]
    public void Further_key_types_are_generated_or_refused_naming_the_missing_mechanism()
    {
        var t = Make("keytypes");
        var cases = new (string Type, string[] Args, string Shown)[]
        {
            ("des3", ["--id", "3d"], "secret des3 192"),
            ("des2", [], "secret des2 128"),
            ("ed25519", ["--id", "e1"], "private ec-edwards ed25519"),
            ("ed448", [], "private ec-edwards ed448"),
            ("x25519", ["--id", "c1"], "private ec-montgomery x25519"),
            ("x448", [], "private ec-montgomery x448"),
            ("dsa", [.. DsaArgs, "--id", "d1"], $"private dsa {DsaArgs[1]}"),
            ("dh", ["--group", "ffdhe2048"], "private dh 2048"),
            ("dh", DhArgs, $"private dh {DhArgs[1]}"),
            ("ml-dsa", ["--set", "44", "--id", "a1"], "private ml-dsa ml-dsa-44"),
            ("ml-dsa", [], "private ml-dsa ml-dsa-65"),
            ("ml-dsa", ["--set", "ml-dsa-87"], "private ml-dsa ml-dsa-87"),
            ("ml-kem", ["--set", "512"], "private ml-kem ml-kem-512"),
            ("ml-kem", [], "private ml-kem ml-kem-768"),
            ("ml-kem", ["--set", "1024"], "private ml-kem ml-kem-1024"),
            ("slh-dsa", [], "private slh-dsa slh-dsa-sha2-128f"),
            ("slh-dsa", ["--set", "shake-128f"], "private slh-dsa slh-dsa-shake-128f"),
        };
        var made = 0;
        for (var i = 0; i < cases.Length; i++)
        {
            var (type, args, shown) = cases[i];
            var r = t.OnToken(["key", "generate", type, "--label", $"{type}-{i}", .. args]);
            if (MissingKeyTypes.TryGetValue(type, out var mechanism))
            {
                Assert.True(r.ExitCode == 2, r.ToString());
                Assert.Contains($"does not offer {mechanism}", r.Stderr);
                Assert.Contains(type, r.Stderr);
                continue;
            }
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains(shown, r.Stdout);
            made += type is "des3" or "des2" ? 1 : 2;
        }
        var listed = JsonNode.Parse(t.Ok("key", "list", "--json"))!.AsArray();
        Assert.Equal(made, listed.Count);
        Assert.Contains(listed, k => (string?)k!["type"] == "ec-edwards" && (string?)k["size"] == "ed25519");
        Assert.Equal(MissingKeyTypes.ContainsKey("ml-dsa") ? 2 : 1, t.OnToken("key", "generate", "ml-dsa", "--set", "99", "--label", "bad").ExitCode);
        Assert.Equal(1, t.OnToken("key", "generate", "ed25519", "--bits", "256", "--label", "bad").ExitCode);
        Assert.Equal(1, t.OnToken("key", "generate", "dh", "--group", "nope", "--label", "bad").ExitCode);

        // Usable: pkcs11-tool signs with the Ed25519 and DSA keys, openssl verifies with the public keys ock exports.
        var data = t.File("data.txt");
        File.WriteAllText(data, "signed by a key made by ock key generate\n");
        var login = new[] { "--login", "--pin", Target.UserPin };
        var edSig = t.File("ed.sig");
        var r2 = t.Tool([.. login, "--sign", "--id", "e1", "-m", "EDDSA", "--input-file", data, "--output-file", edSig]);
        Assert.True(r2.ExitCode == 0, r2.ToString());
        var edPub = t.File("ed.pub.pem");
        t.Ok("key", "export", "pkcs11:type=public;id=%e1", "--out", edPub);
        Assert.Contains("Signature Verified Successfully",
            Shell.Ok("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", edPub, "-rawin", "-in", data, "-sigfile", edSig));

        var dsaSig = t.File("dsa.sig");
        r2 = t.Tool([.. login, "--sign", "--id", "d1", "-m", "DSA-SHA256", "--input-file", data, "--output-file", dsaSig]);
        Assert.True(r2.ExitCode == 0, r2.ToString());
        var dsaDer = t.File("dsa.sig.der");
        File.WriteAllBytes(dsaDer, DerSignature(File.ReadAllBytes(dsaSig)));
        var dsaPub = t.File("dsa.pub.pem");
        t.Ok("key", "export", "pkcs11:type=public;id=%d1", "--out", dsaPub);
        Assert.Contains($"({DsaArgs[1]} bit)", Shell.Ok("openssl", "pkey", "-pubin", "-in", dsaPub, "-noout", "-text"));
        Assert.Contains("Verified OK", Shell.Ok("openssl", "dgst", "-sha256", "-verify", dsaPub, "-signature", dsaDer, data));

        // 3DES: wrapped under an AES key and unwrapped as a des3 key, the value comes back the same.
        t.Ok("key", "generate", "des3", "--label", "des3-soft", "--attr", "extractable,!sensitive");
        t.Ok("key", "generate", "aes", "--label", "kek");
        var wrapped = t.File("des3.wrapped");
        t.Ok("key", "wrap", "--key", "des3-soft", "--wrapping-key", "kek", "-m", "aes-key-wrap", "--out", wrapped);
        Assert.Contains("object=des3-back", t.Ok("key", "unwrap", wrapped, "--unwrapping-key", "kek", "--type", "des3", "--label", "des3-back",
            "--attr", "extractable,!sensitive"));
        var (v1, v2) = (t.File("des3-1.bin"), t.File("des3-2.bin"));
        t.Ok("key", "export", "des3-soft", "--raw", "--out", v1);
        t.Ok("key", "export", "des3-back", "--raw", "--out", v2);
        Assert.Equal(24, File.ReadAllBytes(v1).Length);
        Assert.Equal(File.ReadAllBytes(v1), File.ReadAllBytes(v2));
        Assert.Equal("192", (string?)JsonNode.Parse(t.Ok("key", "list", "des3-back", "--json"))!.AsArray().Single()!["size"]);

        if (!MissingKeyTypes.ContainsKey("x25519"))
        {
            var xPub = t.File("x.pub.pem");
            t.Ok("key", "export", "pkcs11:type=public;id=%c1", "--out", xPub);
            Assert.Contains("X25519 Public-Key", Shell.Ok("openssl", "pkey", "-pubin", "-in", xPub, "-noout", "-text"));
        }
        // ML-DSA: the exported SPKI carries the FIPS 204 OID. (pkcs11-tool 0.23 cannot sign with it: its 1024-byte signature
        // buffer gets CKR_BUFFER_TOO_SMALL for 2420 bytes, the operation stays active as the specification says, and its
        // second C_SignInit gets CKR_OPERATION_ACTIVE.)
        if (!MissingKeyTypes.ContainsKey("ml-dsa"))
        {
            var pqPub = t.File("mldsa.pub.der");
            t.Ok("key", "export", "pkcs11:type=public;id=%a1", "--der", "--out", pqPub);
            Assert.Contains("2.16.840.1.101.3.4.3.17", Shell.Ok("openssl", "asn1parse", "-inform", "DER", "-in", pqPub)); // id-ml-dsa-44
        }
    }

    /// <summary>A PKCS#11 DSA signature (r || s) as the DER SEQUENCE openssl verifies.</summary>
    private static byte[] DerSignature(byte[] raw)
    {
        var half = raw.Length / 2;
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(raw.AsSpan(0, half));
            w.WriteIntegerUnsigned(raw.AsSpan(half));
        }
        return w.Encode();
    }
}
