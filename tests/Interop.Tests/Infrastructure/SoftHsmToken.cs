using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Interop.Tests.Infrastructure;

/// <summary>
/// A SoftHSM2 token of its own (private SOFTHSM2_CONF and token directory, initialised by softhsm2-util with the same
/// PINs as our tokens), and pkcs11-tool run against it.
/// </summary>
public sealed record SoftHsmToken(string Label, string Dir, string Conf)
{
    public static SoftHsmToken Fresh(string workDir, string label)
    {
        var dir = Path.Combine(workDir, "softhsm-" + label);
        var t = new SoftHsmToken(label, dir, SoftHsm2.Configure(dir));
        var r = ProcessRunner.Run(Tools.Find("softhsm2-util"),
            ["--init-token", "--free", "--label", label, "--so-pin", Token.SoPin, "--pin", Token.UserPin], t.Env, Token.Timeout);
        Assert.True(r.ExitCode == 0, r.ToString());
        return t;
    }

    public Dictionary<string, string> Env => new() { ["SOFTHSM2_CONF"] = Conf };

    /// <summary><c>pkcs11-tool --module libsofthsm2.so --token-label LABEL ARGS</c>, asserting exit code 0.</summary>
    public ProcessResult Pkcs11Tool(params string[] args)
    {
        var r = ProcessRunner.Run(Tools.Find("pkcs11-tool"), ["--module", SoftHsm2.ModulePath, "--token-label", Label, .. args], Env, Token.Timeout);
        Assert.True(r.ExitCode == 0, $"pkcs11-tool (SoftHSM2) failed:\n{r}");
        return r;
    }

    public ProcessResult Pkcs11ToolUser(params string[] args) => Pkcs11Tool(["--login", "--pin", Token.UserPin, .. args]);
}
