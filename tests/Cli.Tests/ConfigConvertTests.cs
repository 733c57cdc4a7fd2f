using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>`ock config convert` on the opencryptoki.conf Debian's opencryptoki package ships (tests/testdata).</summary>
public sealed class ConfigConvertTests
{
    private static string DebianConf => Path.Combine(Repo.Root, "tests", "testdata", "debian-opencryptoki.conf");

    [Fact]
    public void Debians_file_converts_with_skip_unsupported_and_fails_clearly_without()
    {
        var r = Shell.Run("dotnet", Target.OckDll, "config", "convert", DebianConf);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("slot 0 (line", r.Stderr);
        Assert.Contains("'libpkcs11_tpm.so'", r.Stderr);
        Assert.Contains("--skip-unsupported", r.Stderr);

        var output = Path.Combine(Path.GetTempPath(), $"ock-convert-{Guid.NewGuid():N}.conf");
        try
        {
            Shell.Ok("dotnet", Target.OckDll, "config", "convert", "--skip-unsupported", DebianConf, "-o", output);
            var hocon = File.ReadAllText(output);
            Assert.Contains("(opencryptoki-3.1)", hocon);
            Assert.Contains("{ id = 3, token-type = soft, token-name = \"swtok\", description = \"Linux\", max-login-failures = 10 }", hocon);
            Assert.Contains("{ id = 1, token-type = zcrypt, token-name = \"lite\", description = \"Linux\", max-login-failures = 10 }", hocon);
            Assert.Contains("# slot 2: stdll = libpkcs11_cca.so is not supported", hocon);
            Assert.Contains("# slot 4: stdll = libpkcs11_ep11.so is not supported", hocon);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
