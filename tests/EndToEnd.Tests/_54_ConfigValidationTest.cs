using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.DaemonKit;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A malformed configuration does not start ock-slotd: exit code 2 and one sentence naming the file, line and column or
/// the key (the nearest known one for a misspelling), never a stack trace; `--check-config` prints the effective
/// configuration of a good file (issue HARDENING).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _54_ConfigValidationTest
{
    /// <summary>ock-slotd started in <paramref name="dir"/> (relative paths resolve there).</summary>
    private static ProcessResult Slotd(string dir, params string[] args) =>
        ProcessRunner.Run("sh", ["-c", $"cd '{dir}' && exec dotnet '{Repo.DaemonPath}' {string.Join(' ', args)}"],
            new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" }, TimeSpan.FromSeconds(120));

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "unterminated string", "opencryptoki {\n  socket = \"/run/x/s1.socket\n}\n", "bad.conf:2:12: unterminated string" },
        { "missing brace", "opencryptoki {\n  data-dir = \"/var/lib/x\"\n  socket = \"/run/x/s.socket\"\n", "bad.conf:4:1: end of file: the '{' opened at line 1, column 14 is not closed" },
        { "garbage", "\u0007\u0001 zq%^&*( 9f ]] !!\n\u00ff\u00fe lorem {\n", "bad.conf:1:" },
        { "misspelled key", "opencryptoki {\n  min-pin-lenght = 4\n}\n", "opencryptoki.min-pin-lenght: unknown key (did you mean opencryptoki.min-pin-length?)" },
        { "min above max", "opencryptoki {\n  min-pin-length = 99\n  max-pin-length = 4\n}\n", "opencryptoki.min-pin-length (99) is more than opencryptoki.max-pin-length (4)" },
        { "not a number", "opencryptoki {\n  pbkdf2-iterations = lots\n}\n", "opencryptoki.pbkdf2-iterations: 'lots' is not a whole number" },
        { "too few iterations", "opencryptoki {\n  pbkdf2-iterations = 10\n}\n", "opencryptoki.pbkdf2-iterations: 10 is out of range" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_file_does_not_start_the_daemon_and_says_where_in_one_sentence(string what, string text, string expected)
    {
        var dir = NewDir("badconf");
        File.WriteAllText(Path.Combine(dir, "bad.conf"), text);
        foreach (var args in new[] { new[] { "--config", "bad.conf" }, new[] { "--check-config", "bad.conf" } })
        {
            var r = Slotd(dir, args);
            Assert.True(r.ExitCode == 2, $"{what}: {r}");
            Assert.Contains(expected, r.Stderr);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.DoesNotContain("   at ", r.Stderr);
            Assert.False(Directory.Exists(Path.Combine(dir, "var")), $"{what}: ock-slotd started on defaults in the working directory");
        }
    }

    [Fact]
    public void Check_config_prints_the_effective_configuration_with_resolved_paths()
    {
        var dir = NewDir("goodconf");
        File.WriteAllText(Path.Combine(dir, "good.conf"), "opencryptoki {\n  socket = \"./run/s.socket\"\n  limits { max-connections-per-uid = 100 }\n}\n");
        var r = Slotd(dir, "--check-config", "good.conf");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"socket       {Path.Combine(dir, "run", "s.socket")}", r.Stdout);
        Assert.Contains("max-connections-per-uid : 100", r.Stdout);
        Assert.Contains("pbkdf2-iterations : 100000", r.Stdout); // a default
        Assert.False(Directory.Exists(Path.Combine(dir, "run")), "--check-config started something");
    }
}
