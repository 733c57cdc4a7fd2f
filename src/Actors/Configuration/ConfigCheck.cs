using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace OpenCryptokiActors.Actors.Configuration;

/// <summary>
/// Checks of a configuration beyond its syntax: keys under <c>opencryptoki</c> that reference.conf does not know (an
/// error naming the nearest known key: the known keys are reference.conf's own, so a key added there is known), and typed
/// reads with ranges whose messages name the key.
/// </summary>
public static class ConfigCheck
{
    /// <summary>Top-level sections a configuration file may hold.</summary>
    private static readonly string[] Sections = ["opencryptoki", "akka"];

    /// <summary>
    /// Throws <see cref="ConfigurationException"/> for a key of <paramref name="user"/> (the file's own configuration, before
    /// the defaults) that <paramref name="reference"/> has not: "opencryptoki.min-pin-lenght: unknown key (did you mean
    /// opencryptoki.min-pin-length?)". Slot entries are checked by <see cref="OpenCryptokiSettings.ParseSlots"/>.
    /// </summary>
    public static void UnknownKeys(Config user, Config reference, string source)
    {
        if (user.IsEmpty) return;
        var root = user.Root.GetObject();
        foreach (var key in root.Items.Keys)
        {
            if (Sections.Contains(key)) continue;
            throw new ConfigurationException($"{source}: {key}: unknown top-level key{Suggest(key, Sections, "")} (known: {string.Join(", ", Sections)})");
        }

        if (!root.Items.TryGetValue("opencryptoki", out var mine)) return;
        if (!mine.IsObject()) throw new ConfigurationException($"{source}: opencryptoki: must be an object {{ ... }}");
        Walk(mine.GetObject(), reference.Root.GetObject().Items["opencryptoki"].GetObject(), "opencryptoki", source);
    }

    private static void Walk(HoconObject mine, HoconObject known, string path, string source)
    {
        foreach (var (key, value) in mine.Items)
        {
            var full = $"{path}.{key}";
            if (!known.Items.TryGetValue(key, out var reference))
                throw new ConfigurationException($"{source}: {full}: unknown key{Suggest(key, known.Items.Keys, path + ".")}");
            if (key == "slots") continue;
            if (reference.IsObject() && value.IsObject()) Walk(value.GetObject(), reference.GetObject(), full, source);
            else if (reference.IsObject() && !value.IsObject() && !value.IsEmpty)
                throw new ConfigurationException($"{source}: {full}: must be an object {{ ... }} (keys: {string.Join(", ", reference.GetObject().Items.Keys)})");
        }
    }

    /// <summary>" (did you mean PREFIX+nearest?)" when a known key is close enough, else "".</summary>
    public static string Suggest(string key, IEnumerable<string> known, string prefix)
    {
        var best = known.Select(k => (Key: k, Distance: Distance(key, k))).OrderBy(x => x.Distance).FirstOrDefault();
        return best.Key is not null && best.Distance <= Math.Max(2, key.Length / 3) ? $" (did you mean {prefix}{best.Key}?)" : $" (known here: {string.Join(", ", known)})";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        for (var j = 1; j <= b.Length; j++)
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    /// <summary>An integer key within [min, max]; the message names the key, the value and the range.</summary>
    public static int Int(Config c, string key, int min, int max, int? fallback = null)
    {
        if (!c.HasPath(key))
            return fallback ?? throw new ConfigurationException($"opencryptoki.{key}: missing");
        var text = c.GetString(key);
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            throw new ConfigurationException($"opencryptoki.{key}: '{text}' is not a whole number");
        if (n < min || n > max) throw new ConfigurationException($"opencryptoki.{key}: {n} is out of range ({min} to {max})");
        return (int)n;
    }

    /// <summary>A number key ≥ <paramref name="min"/>.</summary>
    public static double Double(Config c, string key, double min, double fallback)
    {
        if (!c.HasPath(key)) return fallback;
        var text = c.GetString(key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            throw new ConfigurationException($"opencryptoki.{key}: '{text}' is not a number");
        if (n < min) throw new ConfigurationException($"opencryptoki.{key}: {n} must be {min} or more");
        return n;
    }

    /// <summary>A duration key (HOCON: 30s, 5m, 2h) above zero.</summary>
    public static TimeSpan Duration(Config c, string key, TimeSpan fallback)
    {
        if (!c.HasPath(key)) return fallback;
        TimeSpan t;
        try
        {
            t = c.GetTimeSpan(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException)
        {
            throw new ConfigurationException($"opencryptoki.{key}: '{c.GetString(key)}' is not a duration (e.g. 5s, 30m, 2h)");
        }

        if (t <= TimeSpan.Zero) throw new ConfigurationException($"opencryptoki.{key}: {c.GetString(key)} must be more than 0");
        return t;
    }

    /// <summary>
    /// A file or directory path: absolute, or relative to the working directory ock-slotd is started in (which
    /// <c>--check-config</c> prints); no control characters. <paramref name="emptyOk"/>: empty turns the feature off.
    /// </summary>
    public static string Path(Config c, string key, bool emptyOk = false, bool socket = false)
    {
        var p = c.GetString(key, "");
        if (p.Length == 0)
        {
            if (emptyOk) return p;
            throw new ConfigurationException($"opencryptoki.{key}: must not be empty");
        }

        if (p.Any(char.IsControl))
            throw new ConfigurationException($"opencryptoki.{key}: the path holds a control character (a line break?): {p.Replace("\n", "\\n")}");
        if (socket && System.Text.Encoding.UTF8.GetByteCount(System.IO.Path.GetFullPath(p)) >= 108)
            throw new ConfigurationException($"opencryptoki.{key}: {System.IO.Path.GetFullPath(p)} is longer than a Unix socket path may be (107 bytes)");
        return p;
    }

    /// <summary>An octal file mode ("0660").</summary>
    public static string Mode(Config c, string key, string fallback)
    {
        var m = c.GetString(key, fallback);
        try
        {
            if (m.Length is >= 3 and <= 4 && Convert.ToInt32(m, 8) is >= 0 and <= 0x1FF) return m;
        }
        catch (FormatException)
        {
        }

        throw new ConfigurationException($"opencryptoki.{key}: '{m}' is not an octal file mode such as \"0660\"");
    }
}
