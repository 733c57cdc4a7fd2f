using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// GnuTLS's tools (Debian gnutls-bin) with the module given by <c>--provider</c> and the PIN in GNUTLS_PIN, as
/// p11tool(1) and certtool(1) document.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class GnuTlsTests(InteropFixture fx)
{
    private static Dictionary<string, string> PinEnv(Token t) => t.Env(("GNUTLS_PIN", Token.UserPin));

    private static string TokenUri(Token t) => $"pkcs11:token={t.Label}";

    private static void GenerateKeys(Token t)
    {
        foreach (var args in new[]
                 {
                     new[] { "--generate-privkey", "ecdsa", "--curve", "secp256r1", "--label", "gt-ec", "--id", "01" },
                     new[] { "--generate-privkey", "rsa", "--bits", "2048", "--label", "gt-rsa", "--id", "02" },
                 })
        {
            var r = t.OkWith(PinEnv(t), "p11tool", ["--provider", t.Module, "--login", .. args, TokenUri(t)]);
            Assert.Contains("-----BEGIN PUBLIC KEY-----", r.Stdout);
        }
    }

    /// <summary><c>certtool --generate-self-signed --load-privkey URI</c> with a template (no prompts).</summary>
    private static string SelfSigned(Token t, string key)
    {
        var template = t.File("cert.tmpl");
        File.WriteAllText(template, "cn = \"localhost\"\nexpiration_days = 30\nca\ncert_signing_key\nsigning_key\n" +
                                    "tls_www_server\ndns_name = \"localhost\"\nip_address = \"127.0.0.1\"\n");
        var cert = t.File(key + ".crt");
        var r = t.OkWith(PinEnv(t), "certtool", "--provider", t.Module, "--generate-self-signed",
            "--load-privkey", $"{TokenUri(t)};object={key};type=private", "--template", template, "--outfile", cert);
        Assert.Contains("Subject: CN=localhost", r.Output);
        var verify = t.Ok("certtool", "--verify", "--load-ca-certificate", cert, "--infile", cert);
        Assert.Contains("Chain verification output: Verified. The certificate is trusted.", verify.Output);
        Assert.Contains($"{cert}: OK", t.Ok("openssl", "verify", "-CAfile", cert, cert).Stdout);
        return cert;
    }

    [Fact]
    public void P11tool_generates_keys_and_lists_them_and_certtool_self_signs()
    {
        var t = fx.Fresh("gnutls-p11tool");
        var tokens = t.Ok("p11tool", "--provider", t.Module, "--list-tokens");
        Assert.Contains($"URL: pkcs11:model=soft;manufacturer=OpenCryptokiActors;", tokens.Stdout);
        Assert.Contains($"token={t.Label}", tokens.Stdout);

        GenerateKeys(t);
        var all = t.OkWith(PinEnv(t), "p11tool", "--provider", t.Module, "--login", "--list-all", TokenUri(t));
        Assert.Contains("Type: Private key (EC/ECDSA-SECP256R1)", all.Stdout);
        Assert.Contains("Type: Public key (EC/ECDSA-SECP256R1)", all.Stdout);
        Assert.Contains("Type: Private key (RSA-2048)", all.Stdout);
        Assert.Contains("Type: Public key (RSA-2048)", all.Stdout);
        Assert.Contains("Label: gt-ec", all.Stdout);
        Assert.Contains("Label: gt-rsa", all.Stdout);

        var cert = SelfSigned(t, "gt-ec");
        // The certificate stored on the token and listed back.
        t.OkWith(PinEnv(t), "p11tool", "--provider", t.Module, "--login", "--write", "--load-certificate", cert,
            "--label", "gt-cert", "--id", "01", TokenUri(t));
        var certs = t.Ok("p11tool", "--provider", t.Module, "--list-all-certs", TokenUri(t));
        Assert.Contains("Type: X.509 Certificate (EC/ECDSA-SECP256R1)", certs.Stdout);
        Assert.Contains("Label: gt-cert", certs.Stdout);
    }

    [Fact]
    public void Gnutls_serv_with_the_token_key_completes_a_TLS_handshake_with_gnutls_cli()
    {
        var t = fx.Fresh("gnutls-tls");
        GenerateKeys(t);
        foreach (var (key, signature) in new[] { ("gt-ec", "ECDSA-SECP256R1-SHA256"), ("gt-rsa", "RSA-PSS-RSAE-SHA256") })
        {
            var cert = SelfSigned(t, key);
            var port = Tools.FreePort();
            using var server = ProcessRunner.Start(Tools.Find("gnutls-serv"), ["--provider", t.Module,
                "--x509keyfile", $"{TokenUri(t)};object={key};type=private", "--x509certfile", cert, "--port", port.ToString()], PinEnv(t));
            Tools.WaitFor(server, $"listening on IPv4 0.0.0.0 port {port}...done", Token.Timeout);

            var client = t.Ok("gnutls-cli", "--x509cafile", cert, "--port", port.ToString(), "localhost");
            Assert.Contains("- Status: The certificate is trusted.", client.Stdout);
            Assert.Contains($"- Description: (TLS1.3-X.509)-", client.Stdout);
            Assert.Contains($"({signature})", client.Stdout);
            Assert.Contains("- Handshake was completed", client.Stdout);
            Tools.WaitFor(server, "* Accepted connection from IPv4 127.0.0.1", TimeSpan.FromSeconds(10));
        }
    }
}
