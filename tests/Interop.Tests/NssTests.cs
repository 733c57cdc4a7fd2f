using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// NSS (Debian libnss3-tools): <c>modutil -add</c> registers the module in a new NSS database and
/// <c>certutil -L -h all</c> lists the token's certificates (<c>-f</c>: the password file certutil(1) documents).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class NssTests(InteropFixture fx)
{
    [Fact]
    public void Modutil_registers_the_module_and_certutil_lists_the_tokens_certificates()
    {
        var t = fx.Fresh("nss");
        // A key pair on the token and its certificate (made by openssl's pkcs11 engine with the token key) stored next to it.
        t.Pkcs11ToolUser("--keypairgen", "--key-type", "EC:prime256v1", "--id", "01", "--label", "nss-key");
        var cert = t.File("nss-cert.der");
        t.OkWith(t.Env(("PKCS11_MODULE_PATH", t.Module)), "openssl", "req", "-new", "-x509", "-engine", "pkcs11", "-keyform", "engine",
            "-key", t.Uri("nss-key", "private", withPin: true), "-subj", "/CN=nss-token-cert", "-days", "30", "-outform", "DER", "-out", cert);
        t.Pkcs11ToolUser("--write-object", cert, "--type", "cert", "--id", "01", "--label", "nss-cert");

        var db = "sql:" + t.File("nssdb");
        Directory.CreateDirectory(t.File("nssdb"));
        t.Ok("certutil", "-N", "-d", db, "--empty-password");
        var add = t.Ok("modutil", "-dbdir", db, "-add", "OpenCryptokiActors", "-libfile", t.Module, "-force");
        Assert.Contains("Module \"OpenCryptokiActors\" added to database.", add.Output);
        var list = t.Ok("modutil", "-dbdir", db, "-list", "OpenCryptokiActors");
        Assert.Contains("Library file: " + t.Module, list.Output);
        Assert.Contains("Token Name: nss", list.Output);

        var password = t.File("pin.txt");
        File.WriteAllText(password, Token.UserPin + "\n");
        var certs = t.Ok("certutil", "-L", "-h", "all", "-d", db, "-f", password);
        Assert.Matches(@"(?m)^nss:nss-cert\s+u,u,u\s*$", certs.Stdout);
        var one = t.Ok("certutil", "-L", "-h", "nss", "-d", db, "-f", password);
        Assert.Matches(@"(?m)^nss:nss-cert\s+u,u,u\s*$", one.Stdout);
        Assert.DoesNotContain("p11kit", one.Stdout);
        var keys = t.Ok("certutil", "-K", "-h", "nss", "-d", db, "-f", password);
        Assert.Matches(@"<\s*0>\s+ec\s+01\s+nss-key", keys.Output);
    }
}
