using System.Text.Json.Nodes;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>
/// Every ock command as a process, with its output and exit code checked. Run twice: against our module
/// (<see cref="OurModuleTests"/>) and against SoftHSM2 (<see cref="SoftHsmTests"/>).
/// </summary>
public abstract partial class OckScenarios
{
    /// <summary>A target whose token is initialised (label = scenario) and has the User PIN set.</summary>
    protected abstract Target Make(string scenario);

    [Fact]
    public void Pkcsconf_listings_show_module_slots_tokens_and_mechanisms_as_tables_and_json()
    {
        var t = Make("pkcsconf");
        var info = t.Run("info");
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("cryptoki:", info.Stdout);
        Assert.Contains("pkcs11:library-manufacturer=", info.Stdout);
        var infoJson = JsonNode.Parse(t.Run("info", "--json").Stdout)!;
        Assert.False(string.IsNullOrEmpty((string?)infoJson["manufacturer"]));

        var slots = JsonNode.Parse(t.Run("slots", "--json").Stdout)!.AsArray();
        Assert.Contains(slots, s => (string?)s!["token"] == "pkcsconf" && ((string?)s["uri"])!.Contains("token=pkcsconf"));
        Assert.Contains("pkcsconf", t.Run("slots").Stdout);

        var tokens = t.Ok("tokens");
        Assert.Contains("TOKEN_INITIALIZED", tokens);
        Assert.Contains("USER_PIN_INITIALIZED", tokens);
        var tokenJson = JsonNode.Parse(t.Ok("tokens", "--json"))!.AsArray().Single()!;
        var uri = (string)tokenJson["uri"]!;
        Assert.StartsWith("pkcs11:", uri);
        // The printed URI selects the token again.
        Assert.Contains("pkcsconf", t.Run("tokens", "--token", uri).Stdout);

        var mechs = JsonNode.Parse(t.Ok("mechanisms", "--json"))!.AsArray();
        var aes = mechs.Single(m => (string?)m!["mechanism"] == "CKM_AES_KEY_GEN")!;
        Assert.Contains("GENERATE", aes["flags"]!.AsArray().Select(f => (string?)f));
        Assert.Contains("CKM_SHA256_RSA_PKCS", t.Ok("mechanisms"));
    }

    [Fact]
    public void Pin_change_for_user_and_so_and_the_old_pins_stop_working()
    {
        var t = Make("pins");
        var r = t.RunEnv([("OCK_NEW_PIN", "11112222")], "pin", "change", "--user", "--token", t.TokenLabel);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("User PIN changed", r.Stdout);
        var old = t.OnToken("key", "list");
        Assert.Equal(2, old.ExitCode);
        Assert.Contains("CKR_PIN_INCORRECT", old.Stderr);
        Assert.Equal(0, t.RunEnv([("OCK_PIN", "11112222")], "key", "list", "--token", t.TokenLabel).ExitCode);

        var pinFile = t.File("so.pin");
        File.WriteAllText(pinFile, Target.SoPin + "\n");
        var newSo = t.File("newso.pin");
        File.WriteAllText(newSo, "99998888\n");
        r = t.Run("pin", "change", "--so", "--token", t.TokenLabel, "--pin-file", pinFile, "--new-pin-file", newSo);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("SO PIN changed", r.Stdout);
        // The SO (new PIN) sets the User PIN back.
        r = t.RunEnv([("OCK_SO_PIN", "99998888"), ("OCK_NEW_PIN", Target.UserPin)], "pin", "init", "--token", t.TokenLabel);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, t.OnToken("key", "list").ExitCode);
    }

    [Fact]
    public void Generated_keys_are_listed_filtered_and_usable_by_pkcs11_tool_and_openssl()
    {
        var t = Make("generate");
        Assert.Contains("secret aes 256", t.Ok("key", "generate", "aes", "--label", "aes1"));
        Assert.Contains("secret aes 128", t.Ok("key", "generate", "aes", "--bits", "128", "--label", "aes2", "--attr", "extractable,!sensitive"));
        Assert.Contains("secret generic 160", t.Ok("key", "generate", "generic", "--bits", "160", "--label", "gen1"));
        var rsa = t.Ok("key", "generate", "rsa", "--bits", "2048", "--label", "rsa1", "--id", "01");
        Assert.Contains("private rsa 2048", rsa);
        Assert.Contains("type=private;id=%01", rsa);
        foreach (var (curve, id) in new[] { ("p256", "02"), ("p384", "03"), ("p521", "04") })
            Assert.Contains($"private ec {curve}", t.Ok("key", "generate", "ec", "--curve", curve, "--label", "ec-" + curve, "--id", id));
        Assert.Contains("secret aes 256", t.Ok("key", "generate", "aes", "--label", "bulk", "--count", "3"));

        var all = JsonNode.Parse(t.Ok("key", "list", "--json"))!.AsArray();
        Assert.Equal(3 + 2 + 6 + 3, all.Count);
        var ecOnly = JsonNode.Parse(t.Ok("key", "list", "--label", "ec-*", "--class", "private", "--json"))!.AsArray();
        Assert.Equal(["ec-p256", "ec-p384", "ec-p521"], ecOnly.Select(k => (string)k!["label"]!));
        var bySize = JsonNode.Parse(t.Ok("key", "list", "--type", "aes", "--sort", "size", "--json"))!.AsArray();
        Assert.Equal("128", (string?)bySize[0]!["size"]);
        Assert.Equal(2, JsonNode.Parse(t.Ok("key", "list", "pkcs11:object=rsa1", "--json"))!.AsArray().Count);
        var table = t.Ok("key", "list", "--label", "bulk-?");
        Assert.Contains("bulk-1", table);
        Assert.Contains("bulk-3", table);
        var longForm = t.Ok("key", "list", "aes2", "--long");
        Assert.Contains("CKA_VALUE_LEN:", longForm);
        Assert.Contains("CKA_VALUE:", longForm); // not sensitive: shown
        Assert.DoesNotContain("CKA_VALUE:", t.Ok("key", "list", "aes1", "--long")); // sensitive: hidden

        // pkcs11-tool signs with ock's keys; openssl verifies with the public keys ock exports.
        var data = t.File("data.txt");
        File.WriteAllText(data, "signed by a key made by ock\n");
        foreach (var (id, mech, label) in new[] { ("01", "SHA256-RSA-PKCS", "rsa1"), ("02", "ECDSA", "ec-p256") })
        {
            var sig = t.File($"sig-{id}");
            var r = t.Tool("--login", "--pin", Target.UserPin, "--sign", "--id", id, "-m", mech, "--input-file", SignInput(t, mech, data),
                "--output-file", sig, "--signature-format", "openssl");
            Assert.True(r.ExitCode == 0, r.ToString());
            var pub = t.File($"{label}.pub.pem");
            t.Ok("key", "export", $"pkcs11:object={label};type=public", "--out", pub);
            Assert.Contains("Verified OK", Shell.Ok("openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig, data));
        }
    }

    [Fact]
    public void Keys_imported_from_openssl_files_sign_data_that_openssl_verifies()
    {
        var t = Make("import");
        var rsaPem = t.File("rsa.pem");
        var ecPem = t.File("ec.pem");
        Shell.Ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsaPem);
        Shell.Ok("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ecPem);
        Assert.Contains("imported PKCS#8 private rsa 2048", t.Ok("key", "import", rsaPem, "--label", "irsa", "--id", "11"));
        Assert.Contains("imported PKCS#8 private ec p256", t.Ok("key", "import", ecPem, "--label", "iec", "--id", "12"));

        var data = t.File("data.txt");
        File.WriteAllText(data, "hello from openssl genpkey\n");
        foreach (var (id, mech, pem) in new[] { ("11", "SHA256-RSA-PKCS", rsaPem), ("12", "ECDSA", ecPem) })
        {
            var sig = t.File($"sig-{id}");
            var r = t.Tool("--login", "--pin", Target.UserPin, "--sign", "--id", id, "-m", mech, "--input-file", SignInput(t, mech, data),
                "--output-file", sig, "--signature-format", "openssl");
            Assert.True(r.ExitCode == 0, r.ToString());
            var pub = t.File($"pub-{id}.pem");
            Shell.Ok("openssl", "pkey", "-in", pem, "-pubout", "-out", pub);
            Assert.Contains("Verified OK", Shell.Ok("openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig, data));
        }

        // The other formats: encrypted PKCS#8 (DER), PKCS#1, SEC1, SPKI public keys, raw secrets.
        var p8 = t.File("rsa.p8.der");
        Shell.Ok("openssl", "pkcs8", "-topk8", "-in", rsaPem, "-v2", "aes256", "-passout", "pass:s3cret", "-outform", "DER", "-out", p8);
        var pw = t.File("pw");
        File.WriteAllText(pw, "s3cret\n");
        Assert.Contains("encrypted PKCS#8 private rsa", t.Ok("key", "import", p8, "--label", "enc", "--password-file", pw));
        var wrongPw = t.OnToken("key", "import", p8, "--label", "enc2");
        Assert.Equal(1, wrongPw.ExitCode); // no password source and no terminal
        var pkcs1 = t.File("rsa1.pem");
        Shell.Ok("openssl", "pkey", "-in", rsaPem, "-traditional", "-out", pkcs1);
        Assert.Contains("PKCS#1 private rsa", t.Ok("key", "import", pkcs1, "--label", "pkcs1"));
        var sec1 = t.File("sec1.der");
        Shell.Ok("openssl", "ec", "-in", ecPem, "-outform", "DER", "-out", sec1);
        Assert.Contains("SEC1 private ec p256", t.Ok("key", "import", sec1, "--label", "sec1"));
        var spki = t.File("ec.pub.pem");
        Shell.Ok("openssl", "pkey", "-in", ecPem, "-pubout", "-out", spki);
        Assert.Contains("SPKI public ec p256", t.Ok("key", "import", spki, "--label", "iec", "--id", "12"));
        var raw = t.File("aes.bin");
        File.WriteAllBytes(raw, Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        Assert.Contains("raw secret aes 128", t.Ok("key", "import", raw, "--raw", "aes", "--label", "rawaes"));
        var bad = t.File("bad.pem");
        File.WriteAllText(bad, "not a key");
        Assert.Equal(1, t.OnToken("key", "import", bad, "--label", "x").ExitCode);
    }

    [Fact]
    public void Export_gives_public_keys_always_and_private_keys_only_when_extractable_and_not_sensitive()
    {
        var t = Make("export");
        t.Ok("key", "generate", "rsa", "--label", "hard", "--id", "21");
        t.Ok("key", "generate", "ec", "--label", "soft", "--id", "22", "--attr", "extractable,!sensitive");
        t.Ok("key", "generate", "aes", "--label", "sec", "--attr", "extractable,!sensitive");

        var pub = t.File("hard.pub.pem");
        t.Ok("key", "export", "pkcs11:object=hard;type=public", "--out", pub);
        Assert.Contains("Public-Key: (2048 bit)", Shell.Ok("openssl", "pkey", "-pubin", "-in", pub, "-text", "-noout"));
        var denied = t.OnToken("key", "export", "pkcs11:object=hard;type=private", "--out", t.File("no.pem"));
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("not extractable", denied.Stderr);

        var pw = t.File("pw");
        File.WriteAllText(pw, "export-pass\n");
        var p8 = t.File("soft.p8.pem");
        t.Ok("key", "export", "pkcs11:object=soft;type=private", "--out", p8, "--password-file", pw);
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", File.ReadAllText(p8));
        var text = Shell.Ok("openssl", "pkey", "-in", p8, "-passin", "pass:export-pass", "-text", "-noout");
        Assert.Contains("prime256v1", text);

        var raw = t.File("sec.bin");
        t.Ok("key", "export", "sec", "--class", "secret", "--raw", "--out", raw);
        Assert.Equal(32, new FileInfo(raw).Length);
        Assert.Equal(1, t.OnToken("key", "export", "sec", "--class", "secret").ExitCode); // --raw required
    }

    [Fact]
    public void Copy_set_attr_wrap_unwrap_extract_pubkey_and_remove()
    {
        var t = Make("manage");
        t.Ok("key", "generate", "aes", "--label", "kek");
        // Not sensitive: kek (ock's default AES usage) can also decrypt, so key-management = strict refuses to wrap a
        // sensitive key under it.
        t.Ok("key", "generate", "aes", "--label", "payload", "--attr", "extractable,!sensitive");
        var wrapped = t.File("payload.wrapped");
        Assert.Contains("40 bytes", t.Ok("key", "wrap", "--key", "payload", "--wrapping-key", "pkcs11:object=kek;type=secret-key", "--out", wrapped));
        Assert.Contains("object=back", t.Ok("key", "unwrap", wrapped, "--unwrapping-key", "kek", "--type", "aes", "--label", "back"));
        Assert.Equal("aes", (string?)JsonNode.Parse(t.Ok("key", "list", "back", "--json"))!.AsArray().Single()!["type"]);

        Assert.Contains("object=payload2", t.Ok("key", "copy", "payload", "--new-label", "payload2"));
        Assert.Contains("object=renamed;type=secret-key;id=%ab%cd",
            t.Ok("key", "set-attr", "payload2", "--new-label", "renamed", "--new-id", "abcd", "--attr", "!encrypt"));
        var renamed = JsonNode.Parse(t.Ok("key", "list", "--id", "abcd", "--json"))!.AsArray().Single()!;
        Assert.False((bool)renamed["flags"]!["encrypt"]!);

        var pem = t.File("rsa.pem");
        Shell.Ok("openssl", "genpkey", "-algorithm", "RSA", "-out", pem);
        t.Ok("key", "import", pem, "--label", "lonely", "--id", "31");
        Assert.Contains("type=public;id=%31", t.Ok("key", "extract-pubkey", "lonely"));

        var noForce = t.OnToken("key", "remove", "renamed");
        Assert.Equal(1, noForce.ExitCode);
        Assert.Contains("--force", noForce.Stderr);
        Assert.Contains("removed", t.Ok("key", "remove", "--label", "pay*", "--force"));
        var left = JsonNode.Parse(t.Ok("key", "list", "--json"))!.AsArray().Select(k => (string)k!["label"]!).Order().ToArray();
        Assert.Equal(["back", "kek", "lonely", "lonely", "renamed"], left);
        Assert.Equal(1, t.OnToken("key", "remove", "nothing-like-this", "--force").ExitCode);
    }

    [Fact]
    public void Certificates_import_list_export_extract_pubkey_and_remove()
    {
        var t = Make("certs");
        var key = t.File("key.pem");
        var cert = t.File("cert.pem");
        Shell.Ok("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-out", cert, "-subj", "/CN=ock test/O=OpenCryptokiActors", "-days", "30");
        Assert.Contains("CN=ock test", t.Ok("cert", "import", cert, "--label", "web", "--id", "41"));
        var list = t.Ok("cert", "list");
        Assert.Contains("CN=ock test", list);
        Assert.Contains("type=cert", list);
        var json = JsonNode.Parse(t.Ok("cert", "list", "--json"))!.AsArray().Single()!;
        Assert.Equal("41", (string?)json["id"]);
        Assert.Contains("CN=ock test", (string?)json["subject"]);

        var der = t.File("out.der");
        t.Ok("cert", "export", "pkcs11:object=web;type=cert", "--der", "--out", der);
        Assert.Contains("CN = ock test", Shell.Ok("openssl", "x509", "-inform", "DER", "-in", der, "-noout", "-subject"));
        var pem = t.File("out.pem");
        t.Ok("cert", "export", "web", "--out", pem);
        Assert.Equal(Shell.Ok("openssl", "x509", "-in", cert, "-noout", "-fingerprint"), Shell.Ok("openssl", "x509", "-in", pem, "-noout", "-fingerprint"));

        Assert.Contains("type=public;id=%41", t.Ok("cert", "extract-pubkey", "web"));
        Assert.Contains("p256", t.Ok("key", "list", "--class", "public"));
        Assert.Contains("removed", t.Ok("cert", "remove", "web", "--force"));
        Assert.Contains("no objects", t.Ok("cert", "list"));
    }

    [Fact]
    public void Errors_have_exit_codes_and_messages()
    {
        var t = Make("errors");
        var wrongPin = t.RunEnv([("OCK_PIN", "00000000")], "key", "list", "--token", t.TokenLabel);
        Assert.Equal(2, wrongPin.ExitCode);
        Assert.Contains("C_Login failed: CKR_PIN_INCORRECT", wrongPin.Stderr);

        var noPin = t.RunEnv([("OCK_PIN", "")], "key", "list", "--token", t.TokenLabel);
        Assert.Equal(1, noPin.ExitCode);
        Assert.Contains("OCK_PIN", noPin.Stderr);

        Assert.Equal(1, t.Run("key", "list", "pkcs11:bogus=1", "--token", t.TokenLabel).ExitCode);
        Assert.Equal(1, t.Run("nonsense").ExitCode);
        Assert.Equal(1, t.Run("key", "generate", "rsa").ExitCode); // --label missing
        Assert.Equal(1, t.Run("tokens", "--token", "no-such-token").ExitCode);
        var pinValue = t.Run("key", "list", "--token", $"pkcs11:token={t.TokenLabel}?pin-value=1234");
        Assert.Equal(1, pinValue.ExitCode);
        Assert.Contains("pin-value", pinValue.Stderr);
        var pinFile = t.File("user.pin");
        File.WriteAllText(pinFile, Target.UserPin);
        Assert.Equal(0, t.RunEnv([("OCK_PIN", "")], "key", "list", "--token", $"pkcs11:token={t.TokenLabel}?pin-source=file:{pinFile}").ExitCode);

        var help = t.Run("key", "generate", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Examples:", help.Stdout);
        Assert.Contains("ock key generate ec --curve p384", help.Stdout);

        var missing = ProcessRunner_Run(t, "--module", "/nonexistent/lib.so", "info");
        Assert.Equal(2, missing.ExitCode);
    }

    /// <summary>CKM_ECDSA signs a digest (SoftHSM 2.6 has no CKM_ECDSA_SHA256): the SHA-256 of the data, made by openssl.</summary>
    private static string SignInput(Target t, string mech, string data)
    {
        if (mech != "ECDSA") return data;
        var digest = data + ".sha256";
        Shell.Ok("openssl", "dgst", "-sha256", "-binary", "-out", digest, data);
        return digest;
    }

    private static EndToEnd.Tests.Infrastructure.ProcessResult ProcessRunner_Run(Target t, params string[] args) =>
        EndToEnd.Tests.Infrastructure.ProcessRunner.Run("dotnet", [Target.OckDll, .. args], t.Env, TimeSpan.FromSeconds(60));
}

[Collection("ock-slotd")]
public sealed class OurModuleTests(DaemonFixture fx) : OckScenarios
{
    protected override Target Make(string scenario) => Targets.Ours(fx, scenario);

    protected override IReadOnlyDictionary<string, string> MissingKeyTypes { get; } = new Dictionary<string, string>();

    // --bits: the group comes from the token's CKM_DSA_PARAMETER_GEN / CKM_DH_PKCS_PARAMETER_GEN; DH makes a safe prime,
    // whose search takes seconds at 1024 bits and minutes at 2048 or more.
    protected override string[] DsaArgs => ["--bits", "2048"];
    protected override string[] DhArgs => ["--bits", "1024"];
}

[CollectionDefinition("ock-slotd")]
public sealed class OurModuleCollection : ICollectionFixture<DaemonFixture>;

public sealed class SoftHsmTests : OckScenarios
{
    protected override Target Make(string scenario) => Targets.SoftHsm(scenario);

    /// <summary>SoftHSM 2.6.1 has Edwards curves but no Montgomery key generation and nothing post-quantum.</summary>
    protected override IReadOnlyDictionary<string, string> MissingKeyTypes { get; } = new Dictionary<string, string>
    {
        ["x25519"] = "CKM_EC_MONTGOMERY_KEY_PAIR_GEN",
        ["x448"] = "CKM_EC_MONTGOMERY_KEY_PAIR_GEN",
        ["ml-dsa"] = "CKM_ML_DSA_KEY_PAIR_GEN",
        ["ml-kem"] = "CKM_ML_KEM_KEY_PAIR_GEN",
        ["slh-dsa"] = "CKM_SLH_DSA_KEY_PAIR_GEN",
    };

    // SoftHSM's DSA stops at 1024 bits; both parameter sets come from its CKM_DSA_PARAMETER_GEN / CKM_DH_PKCS_PARAMETER_GEN.
    protected override string[] DsaArgs => ["--bits", "1024"];
    protected override string[] DhArgs => ["--bits", "1024"];

    /// <summary>SoftHSM 2.6.1 has no CKK_EC_MONTGOMERY: C_CreateObject returns CKR_ATTRIBUTE_VALUE_INVALID for its key type.</summary>
    protected override IReadOnlySet<string> UnimportableKeyTypes { get; } = new HashSet<string> { "x25519", "x448" };

    protected override bool HasHmacKeyTypes => false;
}
