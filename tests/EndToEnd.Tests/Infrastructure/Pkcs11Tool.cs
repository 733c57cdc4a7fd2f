namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>OpenSC's pkcs11-tool (Debian package opensc) driving the module in its own process.</summary>
public static class Pkcs11Tool
{
    public static string Executable
    {
        get
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            {
                var candidate = Path.Combine(dir, "pkcs11-tool");
                if (File.Exists(candidate))
                    return candidate;
            }
            throw new InvalidOperationException(
                "pkcs11-tool not found on PATH: install the Debian package opensc (.ci/run does).");
        }
    }

    /// <summary>Runs <c>pkcs11-tool --module MODULE ARGS</c> against the fixture's daemon.</summary>
    public static ProcessResult Run(EndToEndFixture fx, params string[] args) =>
        RunWith(fx.ModulePath, fx.ChildEnvironment(), args);

    public static ProcessResult RunWith(string module, IDictionary<string, string> env, params string[] args) =>
        ProcessRunner.Run(Executable, ["--module", module, .. args], env, TimeSpan.FromMinutes(3));

    /// <summary>Runs it and asserts exit code 0, returning the result.</summary>
    public static ProcessResult Ok(EndToEndFixture fx, params string[] args)
    {
        var r = Run(fx, args);
        Assert.True(r.ExitCode == 0, "pkcs11-tool failed:\n" + r + "\n--- ock-slotd\n" + fx.Daemon.OutputTail(3000));
        return r;
    }
}
