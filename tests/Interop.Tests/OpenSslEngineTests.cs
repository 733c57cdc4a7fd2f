using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// OpenSSL 3 with libp11's pkcs11 engine (Debian libengine-pkcs11-openssl): the engine loads the module named by
/// PKCS11_MODULE_PATH and takes keys as PKCS#11 URIs; the private keys never leave the token.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class OpenSslEngineTests(InteropFixture fx)
{
    private static Dictionary<string, string> EngineEnv(Token t) => t.Env(("PKCS11_MODULE_PATH", t.Module));

    private static void KeyPairs(Token t)
    {
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "rsa:2048", "--id", "01", "--label", "rsakey");
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:prime256v1", "--id", "02", "--label", "eckey");
    }

    /// <summary><c>openssl req -new -x509 -engine pkcs11 -keyform engine -key URI</c>: a self-signed certificate.</summary>
    public static string SelfSigned(Token t, string keyLabel, string cn)
    {
        var cert = t.File(keyLabel + ".crt");
        var r = t.OkWith(EngineEnv(t), "openssl", "req", "-new", "-x509", "-engine", "pkcs11", "-keyform", "engine",
            "-key", t.Uri(keyLabel, "private", withPin: true), "-subj", "/CN=" + cn, "-days", "30", "-out", cert);
        Assert.Contains("Engine \"pkcs11\" set.", r.Output);
        return cert;
    }

    [Fact]
    public void Req_makes_a_self_signed_certificate_with_a_token_key()
    {
        var t = fx.Fresh("ossl-req");
        KeyPairs(t);
        foreach (var (key, cn, algorithm) in new[] { ("rsakey", "ossl-rsa", "sha256WithRSAEncryption"), ("eckey", "ossl-ec", "ecdsa-with-SHA256") })
        {
            var cert = SelfSigned(t, key, cn);
            var text = t.Ok("openssl", "x509", "-in", cert, "-noout", "-subject", "-text");
            Assert.Contains($"subject=CN = {cn}", text.Stdout);
            Assert.Contains($"Signature Algorithm: {algorithm}", text.Stdout);
            var verify = t.Ok("openssl", "verify", "-CAfile", cert, cert);
            Assert.Contains($"{cert}: OK", verify.Stdout);

            // The certificate's public key is the token's.
            t.Pkcs11Tool("--read-object", "--type", "pubkey", "--label", key, "--output-file", t.File(key + ".pub.der"));
            var tokenPub = t.Ok("openssl", "pkey", "-pubin", "-inform", "DER", "-in", t.File(key + ".pub.der"), "-pubout");
            var certPub = t.Ok("openssl", "x509", "-in", cert, "-noout", "-pubkey");
            Assert.Equal(tokenPub.Stdout, certPub.Stdout);
        }
    }

    [Fact]
    public void Dgst_signs_with_RSA_and_EC_token_keys()
    {
        var t = fx.Fresh("ossl-dgst");
        KeyPairs(t);
        var data = t.File("data.txt");
        File.WriteAllText(data, "openssl dgst -sign with a key on the token\n");
        foreach (var key in new[] { "rsakey", "eckey" })
        {
            var sig = t.File(key + ".sig");
            t.OkWith(EngineEnv(t), "openssl", "dgst", "-sha256", "-engine", "pkcs11", "-keyform", "engine",
                "-sign", t.Uri(key, "private", withPin: true), "-out", sig, data);
            t.Pkcs11Tool("--read-object", "--type", "pubkey", "--label", key, "--output-file", t.File(key + ".pub.der"));
            var verify = t.Ok("openssl", "dgst", "-sha256", "-verify", t.File(key + ".pub.der"), "-keyform", "DER",
                "-signature", sig, data);
            Assert.Contains("Verified OK", verify.Stdout);
            // And the token itself accepts it (pkcs11-tool reads openssl's DER ECDSA signature with --signature-format openssl).
            var mechanism = key == "rsakey" ? "SHA256-RSA-PKCS" : "ECDSA-SHA256";
            var tokenVerify = t.Pkcs11Tool(["--verify", "--mechanism", mechanism, "--id", key == "rsakey" ? "01" : "02", "--input-file", data,
                "--signature-file", sig, .. key == "eckey" ? new[] { "--signature-format", "openssl" } : []]);
            Assert.Contains("Signature is valid", tokenVerify.Output);
        }
    }

    [Fact]
    public void S_server_with_the_token_key_completes_a_TLS_handshake_with_s_client()
    {
        var t = fx.Fresh("ossl-tls");
        KeyPairs(t);
        foreach (var (key, signature) in new[] { ("rsakey", "RSA-PSS"), ("eckey", "ECDSA") })
        {
            var cert = SelfSigned(t, key, "localhost");
            var port = Tools.FreePort();
            using var server = ProcessRunner.Start(Tools.Find("openssl"), ["s_server", "-engine", "pkcs11", "-keyform", "engine",
                "-key", t.Uri(key, "private", withPin: true), "-cert", cert, "-accept", $"127.0.0.1:{port}", "-naccept", "1"], EngineEnv(t));
            Tools.WaitFor(server, "ACCEPT", Token.Timeout);

            var client = t.Ok("openssl", "s_client", "-connect", $"127.0.0.1:{port}", "-CAfile", cert, "-verify_return_error",
                "-brief");
            Assert.Contains("CONNECTION ESTABLISHED", client.Output);
            Assert.Contains("Protocol version: TLSv1.3", client.Output);
            Assert.Contains("Peer certificate: CN = localhost", client.Output);
            Assert.Contains($"Signature type: {signature}", client.Output);
            Assert.Contains("Verification: OK", client.Output);

            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "s_server did not exit after its one connection:\n" + server.Output);
            Assert.Contains("CIPHER is TLS_", server.Output);
        }
    }
}
