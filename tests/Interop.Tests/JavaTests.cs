using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// Java 17's SunPKCS11 provider with a configuration file naming the module and the slot (the JDK's PKCS#11
/// Reference Guide): keytool lists the token's keys, clients/TokenSign.java signs, openssl verifies.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class JavaTests(InteropFixture fx)
{
    private static string Config(Token t)
    {
        var cfg = t.File("pkcs11.cfg");
        File.WriteAllText(cfg, $"name = OpenCryptokiActors\nlibrary = {t.Module}\nslot = {t.Slot}\n");
        return cfg;
    }

    /// <summary>Key pairs with certificates of the same CKA_ID (a KeyStore entry is a key with its certificate).</summary>
    private static void KeysWithCertificates(Token t)
    {
        foreach (var (label, id, keyType) in new[] { ("java-rsa", "01", "rsa:2048"), ("java-ec", "02", "EC:prime256v1") })
        {
            t.Pkcs11ToolUser("--keypairgen", "--key-type", keyType, "--id", id, "--label", label);
            var cert = t.File(label + ".der");
            t.OkWith(t.Env(("PKCS11_MODULE_PATH", t.Module)), "openssl", "req", "-new", "-x509", "-engine", "pkcs11", "-keyform", "engine",
                "-key", t.Uri(label, "private", withPin: true), "-subj", "/CN=" + label, "-days", "30", "-outform", "DER", "-out", cert);
            t.Pkcs11ToolUser("--write-object", cert, "--type", "cert", "--id", id, "--label", label);
        }
    }

    [Fact]
    public void Keytool_lists_the_tokens_keys()
    {
        var t = fx.Fresh("java-keytool");
        KeysWithCertificates(t);
        var r = t.Ok("keytool", "-list", "-keystore", "NONE", "-storetype", "PKCS11", "-addprovider", "SunPKCS11",
            "-providerArg", Config(t), "-storepass", Token.UserPin);
        Assert.Contains("Keystore provider: SunPKCS11-OpenCryptokiActors", r.Stdout);
        Assert.Contains("Your keystore contains 2 entries", r.Stdout);
        Assert.Contains("java-rsa, PrivateKeyEntry,", r.Stdout);
        Assert.Contains("java-ec, PrivateKeyEntry,", r.Stdout);
    }

    [Fact]
    public void A_Java_program_signs_with_a_token_key_and_openssl_verifies()
    {
        var t = fx.Fresh("java-sign");
        KeysWithCertificates(t);
        var data = t.File("data.txt");
        File.WriteAllText(data, "signed in Java by SunPKCS11\n");
        foreach (var (alias, algorithm, keyAlgorithm) in new[] { ("java-rsa", "SHA256withRSA", "RSA"), ("java-ec", "SHA256withECDSA", "EC") })
        {
            var sig = t.File(alias + ".sig");
            var r = t.Ok("java", Path.Combine(Tools.Clients, "TokenSign.java"), Config(t), Token.UserPin, alias, algorithm, data, sig);
            Assert.Contains($"provider SunPKCS11-OpenCryptokiActors key {alias} {keyAlgorithm} signed with {algorithm}", r.Stdout);
            Assert.Contains("certificate CN=" + alias, r.Stdout);
            t.Ok("openssl", "x509", "-inform", "DER", "-in", t.File(alias + ".der"), "-pubkey", "-noout", "-out", t.File(alias + ".pub"));
            var verify = t.Ok("openssl", "dgst", "-sha256", "-verify", t.File(alias + ".pub"), "-signature", sig, data);
            Assert.Contains("Verified OK", verify.Stdout);
        }
    }
}
