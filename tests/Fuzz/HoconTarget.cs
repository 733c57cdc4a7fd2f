using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Fuzz;

/// <summary>The HOCON loader as ock-slotd uses it: the file's text (HOCON or classic opencryptoki.conf), over reference.conf, into settings.</summary>
public static class HoconTarget
{
    /// <summary>A configuration the loader refuses with its own error (what the daemon reports as one sentence).
    /// Known finding, left to the configuration validation to fix: Akka's HOCON tokenizer refuses an unknown token with
    /// a FormatException (not a ConfigurationException), which reaches ock-slotd's top level
    /// (tests/Fuzz/findings/hocon/tokenizer-format-exception). Counted as expected so that fuzzing goes past it.
    /// </summary>
    public static bool IsExpected(Exception e) => e is Akka.Configuration.ConfigurationException
        || (e is FormatException && e.StackTrace?.Contains("Akka.Configuration.Hocon.HoconTokenizer", StringComparison.Ordinal) == true);

    public static void Load(ReadOnlySpan<byte> input)
    {
        var text = System.Text.Encoding.UTF8.GetString(input);
        var config = OpenCryptokiSettings.ParseFile(text, "fuzz.conf").WithFallback(OpenCryptokiSettings.Reference);
        OpenCryptokiSettings.From(config);
    }
}
