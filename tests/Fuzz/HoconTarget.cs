using OpenCryptokiActors.Actors.Configuration;

namespace OpenCryptokiActors.Fuzz;

/// <summary>The HOCON loader as ock-slotd uses it: the file's text (HOCON or classic opencryptoki.conf), over reference.conf, into settings.</summary>
public static class HoconTarget
{
    /// <summary>A configuration the loader refuses with its own error (what the daemon reports as one sentence).</summary>
    public static bool IsExpected(Exception e) => e is Akka.Configuration.ConfigurationException;

    public static void Load(ReadOnlySpan<byte> input)
    {
        var text = System.Text.Encoding.UTF8.GetString(input);
        var config = OpenCryptokiSettings.ParseFile(text, "fuzz.conf").WithFallback(OpenCryptokiSettings.Reference);
        OpenCryptokiSettings.From(config);
    }
}
