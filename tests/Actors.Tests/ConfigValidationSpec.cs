using Akka.Configuration;
using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>
/// The configuration checks ock-slotd runs before it starts: HOCON syntax with file, line and column; keys under
/// opencryptoki known from reference.conf itself; types and ranges.
/// </summary>
public sealed class ConfigValidationSpec
{
    private static string ReferenceText()
    {
        using var stream = typeof(OpenCryptokiSettings).Assembly.GetManifestResourceStream("OpenCryptokiActors.Actors.reference.conf")!;
        return new StreamReader(stream).ReadToEnd();
    }

    [Fact]
    public void The_shipped_files_pass_the_syntax_check()
    {
        HoconSyntax.Check(ReferenceText(), "reference.conf");
        var root = Directory.GetParent(AppContext.BaseDirectory)!;
        while (!File.Exists(Path.Combine(root.FullName, "OpenCryptokiActors.sln"))) root = root.Parent!;
        foreach (var f in new[] { "config/opencryptoki.conf", "config/system/opencryptoki.conf", "config/cluster.conf" })
        {
            var path = Path.Combine(root.FullName, f);
            if (File.Exists(path)) HoconSyntax.Check(File.ReadAllText(path), f);
        }
    }

    [Theory]
    [InlineData("a {\n  b = \"open\n}\n", "f:2:7: unterminated string")]
    [InlineData("a {\n  b = 1\n", "f:3:1: end of file: the '{' opened at line 1, column 3 is not closed")]
    [InlineData("a { b = 1 } }", "f:1:13: unexpected '}'")]
    [InlineData("a = [1, 2\n", "f:2:1: end of file: the '[' opened at line 1, column 5 is not closed")]
    [InlineData("just words\n", "f:1:1: key 'just words' has no value")]
    [InlineData("a = x*y\n", "f:1:6: unexpected '*' in a value")]
    public void A_syntax_error_names_line_and_column(string text, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => HoconSyntax.Check(text, "f"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Valid_HOCON_forms_pass()
    {
        HoconSyntax.Check("""
            include "other.conf"
            a.b.c = 1, d = "x" # comment
            // comment
            e { f = ${a.b.c}, g = [ { h = 1 }
              { i = "two words" } ] }
            j += 3
            k = three words here
            "quoted.key" : 5
            """, "f");
    }

    [Fact]
    public void An_unknown_key_names_the_nearest_known_one_from_the_reference()
    {
        var reference = ConfigurationFactory.ParseString("opencryptoki {\n socket = x\n limits { max-connections = 1 }\n zcrypt { queues = 2 }\n}");
        var e = Assert.Throws<ConfigurationException>(() =>
            ConfigCheck.UnknownKeys(ConfigurationFactory.ParseString("opencryptoki { limits { max-conections = 5 } }"), reference, "f"));
        Assert.Equal("f: opencryptoki.limits.max-conections: unknown key (did you mean opencryptoki.limits.max-connections?)", e.Message);
        // a key the reference has is known, whoever added it there
        ConfigCheck.UnknownKeys(ConfigurationFactory.ParseString("opencryptoki { zcrypt { queues = 4 } }"), reference, "f");
        var top = Assert.Throws<ConfigurationException>(() => ConfigCheck.UnknownKeys(ConfigurationFactory.ParseString("opencryptok { }"), reference, "f"));
        Assert.Contains("did you mean opencryptoki?", top.Message);
    }

    [Theory]
    [InlineData("min-pin-length = 99, max-pin-length = 4", "opencryptoki.min-pin-length (99) is more than opencryptoki.max-pin-length (4)")]
    [InlineData("pbkdf2-iterations = 10", "opencryptoki.pbkdf2-iterations: 10 is out of range (1000 to 100000000)")]
    [InlineData("pbkdf2-iterations = many", "opencryptoki.pbkdf2-iterations: 'many' is not a whole number")]
    [InlineData("socket-mode = \"rw\"", "opencryptoki.socket-mode: 'rw' is not an octal file mode")]
    [InlineData("data-dir = \"\"", "opencryptoki.data-dir: must not be empty")]
    [InlineData("recovery-timeout = soon", "opencryptoki.recovery-timeout: 'soon' is not a duration")]
    [InlineData("limits { frame-budget-per-uid = 12 }", "opencryptoki.limits.frame-budget-per-uid: '12' is not a size of 64KiB or more")]
    [InlineData("slots = [ { id = 0, token-name = a, tokn-type = soft } ]", "opencryptoki.slots: tokn-type: unknown slot key (did you mean token-type?)")]
    public void Types_and_ranges_are_checked_with_the_key_named(string line, string expected)
    {
        var config = ConfigurationFactory.ParseString($"opencryptoki {{ {line} }}").WithFallback(OpenCryptokiSettings.Reference);
        var e = Assert.Throws<ConfigurationException>(() => OpenCryptokiSettings.From(config));
        Assert.StartsWith(expected, e.Message);
    }
}
