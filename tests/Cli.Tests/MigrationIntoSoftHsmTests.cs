namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock token import-softhsm` works with any module as the target: a SoftHSM2 token copied into another SoftHSM2 token.</summary>
public sealed class MigrationIntoSoftHsmTests
{
    private static void Ok(EndToEnd.Tests.Infrastructure.ProcessResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    [Fact]
    public void SoftHsm_token_is_imported_into_another_SoftHsm_token_and_its_key_verifies_what_it_signed_there()
    {
        var src = Targets.SoftHsm("shsrc2");
        var login = new[] { "--login", "--pin", Target.UserPin };
        Ok(src.Tool([.. login, "--keypairgen", "--key-type", "rsa:2048", "--label", "rsa1", "--id", "01"]));
        Ok(src.Tool([.. login, "--keygen", "--key-type", "AES:32", "--label", "aes1", "--id", "03", "--private", "--sensitive"]));
        var data = src.File("data.bin");
        File.WriteAllText(data, "signed in one SoftHSM2 token, verified in another\n");
        Ok(src.Tool([.. login, "--sign", "--id", "01", "-m", "SHA256-RSA-PKCS", "--input-file", data, "--output-file", src.File("sig")]));

        var dst = Targets.SoftHsm("shdst");
        var r = dst.RunEnv([("OCK_SOURCE_PIN", Target.UserPin)], "token", "import-softhsm", Path.Combine(src.WorkDir, "tokens"), "--token", dst.TokenLabel);
        Ok(r);
        Assert.Contains("imported 3 object(s)", r.Stdout);
        var list = dst.Ok("key", "list", "--json");
        Assert.Contains("rsa1", list);
        Assert.Contains("aes1", list);
        var v = dst.Tool([.. login, "--verify", "--id", "01", "-m", "SHA256-RSA-PKCS", "--input-file", data, "--signature-file", src.File("sig")]);
        Ok(v);
        Assert.Contains("Signature is valid", v.Stdout + v.Stderr);
    }
}
