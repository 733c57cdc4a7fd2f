namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock token import-softhsm`: a real SoftHSM2 token made by softhsm2-util/pkcs11-tool, imported into our token.</summary>
[Collection("ock-slotd")]
public sealed class MigrationTests(DaemonFixture fx)
{
    private static void Ok(EndToEnd.Tests.Infrastructure.ProcessResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    [Fact]
    public void SoftHsm_token_is_imported_and_its_keys_verify_and_decrypt_what_they_made_there()
    {
        var src = Targets.SoftHsm("shsrc");
        var login = new[] { "--login", "--pin", Target.UserPin };
        Ok(src.Tool([.. login, "--keypairgen", "--key-type", "rsa:2048", "--label", "rsa1", "--id", "01"]));
        Ok(src.Tool([.. login, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "ec1", "--id", "02"]));
        Ok(src.Tool([.. login, "--keygen", "--key-type", "AES:32", "--label", "aes1", "--id", "03", "--private", "--sensitive"]));

        var data = src.File("data.bin");
        File.WriteAllBytes(data, System.Text.Encoding.ASCII.GetBytes("signed and encrypted in SoftHSM2\n"));
        // SoftHSM2 2.6 has no ECDSA-SHA256: raw ECDSA over the SHA-256 digest.
        var digest = src.File("data.sha256");
        File.WriteAllBytes(digest, System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(data)));
        var signed = new[] { ("01", "SHA256-RSA-PKCS", data), ("02", "ECDSA", digest) };
        foreach (var (id, mech, input) in signed)
            Ok(src.Tool([.. login, "--sign", "--id", id, "-m", mech, "--input-file", input, "--output-file", src.File($"sig-{id}")]));
        const string iv = "000102030405060708090a0b0c0d0e0f";
        var ct = src.File("aes.ct");
        Ok(src.Tool([.. login, "--encrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", data, "--output-file", ct]));

        // A wrong source PIN is refused; the right one imports everything.
        var dst = Targets.Ours(fx, "migrate-softhsm");
        var tokens = Path.Combine(src.WorkDir, "tokens");
        var bad = dst.RunEnv([("OCK_SOURCE_PIN", "00000000")], "token", "import-softhsm", tokens, "--token", dst.TokenLabel);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("incorrect PIN", bad.Stderr);
        var r = dst.RunEnv([("OCK_SOURCE_PIN", Target.UserPin)], "token", "import-softhsm", tokens, "--token", dst.TokenLabel);
        Ok(r);
        Assert.Contains("imported 5 object(s)", r.Stdout);

        var list = dst.Ok("key", "list", "--json");
        foreach (var label in new[] { "rsa1", "ec1", "aes1" }) Assert.Contains(label, list);

        foreach (var (id, mech, input) in signed)
        {
            var v = dst.Tool([.. login, "--verify", "--id", id, "-m", mech, "--input-file", input, "--signature-file", src.File($"sig-{id}")]);
            Ok(v);
            Assert.Contains("Signature is valid", v.Stdout + v.Stderr);
        }
        var back = dst.File("aes.pt");
        Ok(dst.Tool([.. login, "--decrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", iv, "--input-file", ct, "--output-file", back]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(back));
        // The imported private key still signs here, and the imported public key verifies it.
        Ok(dst.Tool([.. login, "--sign", "--id", "02", "-m", "ECDSA", "--input-file", digest, "--output-file", dst.File("sig-here")]));
        Ok(dst.Tool([.. login, "--verify", "--id", "02", "-m", "ECDSA", "--input-file", digest, "--signature-file", dst.File("sig-here")]));
    }
}

/// <summary>
/// `ock token import-opencryptoki`: a real openCryptoki 3.8.1 soft token (legacy data store) imported into our token,
/// and the same token rewritten into the FIPS data store of 3.12+ (<see cref="OpenCryptokiFipsStore"/>) imported too.
/// </summary>
[Collection("ock-slotd")]
public sealed class OpenCryptokiMigrationTests(DaemonFixture fx)
{
    private const string SoPin = "11223344", Iv = "000102030405060708090a0b0c0d0e0f";
    private static readonly string[] Login = ["--login", "--pin", Target.UserPin];
    private static void Ok(EndToEnd.Tests.Infrastructure.ProcessResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    [Fact]
    public void OpenCryptoki_soft_token_is_imported_and_its_keys_verify_and_decrypt_what_they_made_there()
    {
        using var src = Source("occsrc", out var data, out var sig, out var ct);
        ImportAndUse(Targets.Ours(fx, "migrate-ock"), src.TokenDir, data, sig, ct);
    }

    [Fact]
    public void OpenCryptoki_fips_data_store_is_imported_and_its_keys_verify_and_decrypt_what_they_made_there()
    {
        using var src = Source("occfips", out var data, out var sig, out var ct);
        var fips = OpenCryptokiFipsStore.Convert(src.TokenDir, SoPin, Target.UserPin, Path.Combine(src.WorkDir, "fips", "swtok"));
        Assert.Equal(40, new FileInfo(Path.Combine(fips, "MK_USER")).Length);
        ImportAndUse(Targets.Ours(fx, "migrate-fips"), Path.GetDirectoryName(fips)!, data, sig, ct);
    }

    /// <summary>A real openCryptoki soft token with an RSA key pair and a private AES key, a signature and a ciphertext made there.</summary>
    private static OpenCryptokiSource Source(string label, out string data, out string sig, out string ct)
    {
        Assert.True(File.Exists(OpenCryptokiSource.Module), "openCryptoki is not installed (apt-get install opencryptoki)");
        var src = new OpenCryptokiSource(label, SoPin, Target.UserPin);
        src.Tool([.. Login, "--keypairgen", "--key-type", "rsa:2048", "--label", "rsa1", "--id", "01"]);
        src.Tool([.. Login, "--keygen", "--key-type", "AES:32", "--label", "aes1", "--id", "03", "--private", "--sensitive"]);
        data = Path.Combine(src.WorkDir, "data.bin");
        File.WriteAllBytes(data, System.Text.Encoding.ASCII.GetBytes("signed and encrypted in openCryptoki\n"));
        sig = Path.Combine(src.WorkDir, "sig-01");
        src.Tool([.. Login, "--sign", "--id", "01", "-m", "RSA-PKCS", "--input-file", data, "--output-file", sig]);
        ct = Path.Combine(src.WorkDir, "aes.ct");
        src.Tool([.. Login, "--encrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", Iv, "--input-file", data, "--output-file", ct]);
        return src;
    }

    private static void ImportAndUse(Target dst, string dir, string data, string sig, string ct)
    {
        var bad = dst.RunEnv([("OCK_SOURCE_PIN", "00000000")], "token", "import-opencryptoki", dir, "--token", dst.TokenLabel);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("incorrect PIN", bad.Stderr);
        var r = dst.RunEnv([("OCK_SOURCE_PIN", Target.UserPin)], "token", "import-opencryptoki", dir, "--token", dst.TokenLabel);
        Ok(r);
        Assert.Contains("imported 3 object(s)", r.Stdout);
        var list = dst.Ok("key", "list", "--json");
        Assert.Contains("rsa1", list);
        Assert.Contains("aes1", list);

        var v = dst.Tool([.. Login, "--verify", "--id", "01", "-m", "RSA-PKCS", "--input-file", data, "--signature-file", sig]);
        Ok(v);
        Assert.Contains("Signature is valid", v.Stdout + v.Stderr);
        var back = dst.File("aes.pt");
        Ok(dst.Tool([.. Login, "--decrypt", "--id", "03", "-m", "AES-CBC-PAD", "--iv", Iv, "--input-file", ct, "--output-file", back]));
        Assert.Equal(File.ReadAllBytes(data), File.ReadAllBytes(back));
        Ok(dst.Tool([.. Login, "--sign", "--id", "01", "-m", "RSA-PKCS", "--input-file", data, "--output-file", dst.File("sig-here")]));
    }
}
