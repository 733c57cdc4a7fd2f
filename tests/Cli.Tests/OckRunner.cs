using System.Reflection;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>Where a test's ock runs: a module, its environment, and how to name the token.</summary>
public sealed record Target(string Module, Dictionary<string, string> Env, string TokenLabel, string WorkDir)
{
    public const string SoPin = "87654321";
    public const string UserPin = "12345678";

    public static string OckDll => Path.Combine(typeof(Target).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "CliOutputDir").Value!, "ock.dll");

    /// <summary>Runs ock with --module and the environment (User PIN in $OCK_PIN unless overridden).</summary>
    public ProcessResult Run(params string[] args) => RunEnv([], args);

    public ProcessResult RunEnv((string, string)[] env, params string[] args)
    {
        var e = new Dictionary<string, string>(Env) { ["OCK_PIN"] = UserPin, ["NO_COLOR"] = "1" };
        foreach (var (k, v) in env) e[k] = v;
        return ProcessRunner.Run("dotnet", [OckDll, "--module", Module, .. args], e, TimeSpan.FromSeconds(120));
    }

    /// <summary>ock on this target's token; asserts exit code 0.</summary>
    public string Ok(params string[] args)
    {
        var r = Run([.. args, "--token", TokenLabel]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    public ProcessResult OnToken(params string[] args) => Run([.. args, "--token", TokenLabel]);

    public ProcessResult Tool(params string[] args) =>
        ProcessRunner.Run("pkcs11-tool", ["--module", Module, "--token-label", TokenLabel, .. args], Env, TimeSpan.FromSeconds(120));

    public string File(string name) => Path.Combine(WorkDir, name);
}

public static class Shell
{
    public static ProcessResult Run(string file, params string[] args) =>
        ProcessRunner.Run(file, args, null, TimeSpan.FromSeconds(120));

    public static string Ok(string file, params string[] args)
    {
        var r = Run(file, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout + r.Stderr;
    }
}
