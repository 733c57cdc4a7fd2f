using OpenCryptokiActors.Interop.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>Python with PyKCS11 (Debian python3-pykcs11, run by Debian's /usr/bin/python3): clients/pykcs11_sign.py.</summary>
[Collection(InteropCollection.Name)]
public sealed class PyKcs11Tests(InteropFixture fx)
{
    [Fact]
    public void PyKCS11_lists_slots_generates_keys_and_signs_verified_by_openssl()
    {
        var t = fx.Fresh("python");
        var data = t.File("data.txt");
        File.WriteAllText(data, "signed from Python through PyKCS11\n");
        var r = t.Ok("/usr/bin/python3", Path.Combine(Tools.Clients, "pykcs11_sign.py"), t.Module, t.Label, Token.UserPin, data);
        Assert.Contains("library: OpenCryptokiActors PKCS#11", r.Stdout);
        Assert.Contains($"slot {t.Slot}: {t.Label}", r.Stdout);
        foreach (var (name, id, length) in new[] { ("py-ec", "01", 64), ("py-rsa", "02", 256) })
        {
            Assert.Contains($"generated {name}: {name}", r.Stdout);
            Assert.Contains($"signed with {name}: {length} bytes", r.Stdout);
            t.Pkcs11Tool("--read-object", "--type", "pubkey", "--id", id, "--output-file", t.File(name + ".pub.der"));
            var verify = t.Ok("openssl", "dgst", "-sha256", "-verify", t.File(name + ".pub.der"), "-keyform", "DER",
                "-signature", $"{data}.{name}.sig", data);
            Assert.Contains("Verified OK", verify.Stdout);
        }
        Assert.Equal(2, r.Stdout.Split('\n').Count(l => l.Trim() == "verified by the token: True"));
    }
}
