using System.Text.Json.Nodes;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>The options the other scenarios leave out, on both modules.</summary>
public abstract partial class OckScenarios
{
    /// <summary>True when the module makes CKK_SHA*_HMAC keys (SoftHSM2 2.6.1 makes only CKK_GENERIC_SECRET ones).</summary>
    protected virtual bool HasHmacKeyTypes => true;

    [Fact]
    public void Hmac_types_public_attributes_other_wrap_mechanisms_no_login_and_module_path_in_the_uri()
    {
        var t = Make("options");
        var hmac = t.OnToken("key", "generate", "hmac", "--hash", "sha384", "--bits", "384", "--label", "mac");
        if (HasHmacKeyTypes)
        {
            Assert.True(hmac.ExitCode == 0, hmac.ToString());
            Assert.Contains("secret hmac-sha384 384", hmac.Stdout);
        }
        else
        {
            Assert.Equal(2, hmac.ExitCode);
            Assert.Contains("does not offer CKM_SHA384_KEY_GEN", hmac.Stderr);
        }

        // --pub-attr / --attr reach the public and the private key.
        t.Ok("key", "generate", "rsa", "--label", "rsa", "--id", "61", "--pub-attr", "!encrypt", "--attr", "!decrypt");
        var pair = JsonNode.Parse(t.Ok("key", "list", "rsa", "--json"))!.AsArray();
        Assert.False((bool)pair.Single(k => (string?)k!["class"] == "public")!["flags"]!["encrypt"]!);
        Assert.True((bool)pair.Single(k => (string?)k!["class"] == "public")!["flags"]!["verify"]!);
        Assert.False((bool)pair.Single(k => (string?)k!["class"] == "private")!["flags"]!["decrypt"]!);

        // --no-login: no PIN needed, and only public objects are seen.
        var pub = t.RunEnv([("OCK_PIN", "")], "key", "list", "--no-login", "--json", "--token", t.TokenLabel);
        Assert.True(pub.ExitCode == 0, pub.ToString());
        Assert.Equal(["public"], JsonNode.Parse(pub.Stdout)!.AsArray().Select(k => (string)k!["class"]!).Distinct());

        // aes-key-wrap-pad and rsa-oaep wrap and unwrap; the unwrapped key has the original value.
        t.Ok("key", "generate", "aes", "--label", "kek");
        t.Ok("key", "generate", "rsa", "--label", "rsakek", "--id", "62");
        t.Ok("key", "generate", "aes", "--bits", "192", "--label", "payload", "--attr", "extractable,!sensitive");
        t.Ok("key", "export", "payload", "--raw", "--out", t.File("payload.bin"));
        foreach (var (mech, wrapper, unwrapper) in new[] { ("aes-key-wrap-pad", "kek", "kek"),
                     ("rsa-oaep", "pkcs11:object=rsakek;type=public", "pkcs11:object=rsakek;type=private") })
        {
            var wrapped = t.File($"{mech}.wrapped");
            t.Ok("key", "wrap", "--key", "payload", "--wrapping-key", wrapper, "-m", mech, "--out", wrapped);
            t.Ok("key", "unwrap", wrapped, "--unwrapping-key", unwrapper, "-m", mech, "--type", "aes", "--label", $"back-{mech}",
                "--attr", "extractable,!sensitive");
            t.Ok("key", "export", $"back-{mech}", "--raw", "--out", t.File($"{mech}.bin"));
            Assert.Equal(File.ReadAllBytes(t.File("payload.bin")), File.ReadAllBytes(t.File($"{mech}.bin")));
        }

        // The module and the PIN named only by the URI (no --module, no $OCK_MODULE, no $OCK_PIN).
        File.WriteAllText(t.File("pin"), Target.UserPin + "\n");
        var byUri = ProcessRunner_Run(t, "key", "list", "--token", $"pkcs11:token={t.TokenLabel}?module-path={t.Module}&pin-source=file:{t.File("pin")}", "--json");
        Assert.True(byUri.ExitCode == 0, byUri.ToString());
        Assert.Contains("back-rsa-oaep", byUri.Stdout);
    }
}
