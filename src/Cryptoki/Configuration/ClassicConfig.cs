using System.Globalization;
using System.Text;

namespace OpenCryptokiActors.Cryptoki.Configuration;

/// <summary>A classic opencryptoki.conf that cannot be read or mapped; the message names the line or slot and the fix.</summary>
public sealed class ClassicConfigException(string message) : Exception(message);

/// <summary>One slot block of a classic opencryptoki.conf, as written.</summary>
public sealed record ClassicSlot(ulong Id, int Line, IReadOnlyDictionary<string, string> Values)
{
    public string? Get(string key) => Values.TryGetValue(key, out var v) ? v : null;

    /// <summary>The STDLL file name without directories (libpkcs11_sw.so).</summary>
    public string? StdllName => Get("stdll") is { } s ? Path.GetFileName(s) : null;
}

/// <summary>A parsed classic opencryptoki.conf: its version line and slot blocks.</summary>
public sealed record ClassicConfigFile(string? Version, IReadOnlyList<ClassicSlot> Slots);

/// <summary>
/// openCryptoki's own configuration grammar (opencryptoki.conf(5)): an optional <c>version NAME</c> line, then
/// <c>slot N { key = value ... }</c> blocks, <c>#</c> comments. Read by ock-slotd (--config, detected by content) and
/// converted to the HOCON slot table by <c>ock config convert</c>. The soft token STDLL (libpkcs11_sw.so) maps to
/// token-type soft, the ICA token (libpkcs11_ica.so, Crypto Express adapters through libica) to token-type zcrypt;
/// every other STDLL (CCA, EP11, TPM, ...) is a clear error (or, with skipUnsupported, a comment in the output).
/// </summary>
public static class ClassicConfig
{
    /// <summary>The keys opencryptoki.conf(5) defines for a slot block.</summary>
    public static readonly IReadOnlySet<string> Keys = new HashSet<string>(StringComparer.Ordinal)
    {
        "stdll", "description", "manufacturer", "hwversion", "firmwareversion", "confname", "tokname", "tokversion", "usergroup",
    };

    private const string SoftStdll = "libpkcs11_sw.so";
    private const string IcaStdll = "libpkcs11_ica.so";

    /// <summary>The token type of a supported STDLL (soft, zcrypt), or null.</summary>
    private static string? TokenType(string? stdll) => stdll switch
    {
        SoftStdll => "soft",
        IcaStdll => "zcrypt",
        _ => null,
    };

    internal enum Kind { Word, String, Open, Close, Equals, ListOpen, ListClose, Comma }

    internal readonly record struct Token(Kind Kind, string Text, int Line);

    /// <summary>True when <paramref name="text"/> is in the classic grammar (its first statement is <c>version …</c> or <c>slot N</c>), not HOCON.</summary>
    public static bool IsClassic(string text)
    {
        List<Token> tokens;
        try
        {
            tokens = Tokenize(text, 3);
        }
        catch (ClassicConfigException)
        {
            return false;
        }

        if (tokens.Count < 2 || tokens[0].Kind != Kind.Word) return false;
        return tokens[0].Text switch
        {
            "version" => tokens[1].Kind is Kind.Word or Kind.String,
            "slot" => tokens[1].Kind == Kind.Word && ulong.TryParse(tokens[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out _),
            _ => false,
        };
    }

    /// <summary>Parses the classic grammar; errors name the line.</summary>
    public static ClassicConfigFile Parse(string text)
    {
        var tokens = Tokenize(text, int.MaxValue);
        string? version = null;
        var slots = new List<ClassicSlot>();
        var i = 0;
        Token Next(string expected)
        {
            if (i >= tokens.Count) throw new ClassicConfigException($"unexpected end of file: expected {expected}");
            return tokens[i++];
        }

        while (i < tokens.Count)
        {
            var t = tokens[i++];
            if (t.Kind == Kind.Word && t.Text == "version")
            {
                var v = Next("a version name");
                if (v.Kind is not (Kind.Word or Kind.String)) throw new ClassicConfigException($"line {v.Line}: expected a version name after 'version'");
                version = v.Text;
                continue;
            }

            if (t.Kind != Kind.Word || t.Text != "slot")
                throw new ClassicConfigException($"line {t.Line}: expected 'slot N {{ … }}' or 'version NAME', found '{t.Text}'");
            var n = Next("a slot number");
            if (n.Kind != Kind.Word || !ulong.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                throw new ClassicConfigException($"line {n.Line}: 'slot' must be followed by a slot number, found '{n.Text}'");
            var open = Next("'{'");
            if (open.Kind != Kind.Open) throw new ClassicConfigException($"line {open.Line}: expected '{{' after 'slot {id}'");
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                var k = Next($"'}}' closing slot {id}");
                if (k.Kind == Kind.Close) break;
                if (k.Kind != Kind.Word) throw new ClassicConfigException($"line {k.Line}: expected a key in slot {id}, found '{k.Text}'");
                var key = k.Text.ToLowerInvariant();
                if (!Keys.Contains(key))
                    throw new ClassicConfigException($"line {k.Line}: unknown key '{k.Text}' in slot {id} (known: {string.Join(", ", Keys)})");
                var eq = Next("'='");
                if (eq.Kind != Kind.Equals) throw new ClassicConfigException($"line {eq.Line}: expected '=' after '{k.Text}'");
                var v = Next($"a value for '{k.Text}'");
                if (v.Kind is not (Kind.Word or Kind.String)) throw new ClassicConfigException($"line {v.Line}: expected a value for '{k.Text}'");
                if (!values.TryAdd(key, v.Text)) throw new ClassicConfigException($"line {k.Line}: '{k.Text}' given twice in slot {id}");
            }

            if (slots.Any(s => s.Id == id)) throw new ClassicConfigException($"line {t.Line}: slot {id} is defined twice");
            if (!values.ContainsKey("stdll")) throw new ClassicConfigException($"line {t.Line}: slot {id} has no 'stdll'");
            slots.Add(new ClassicSlot(id, t.Line, values));
        }

        return new ClassicConfigFile(version, slots);
    }

    /// <summary>
    /// The HOCON equivalent (an opencryptoki block with the slot table). Slots of other STDLLs than the soft token
    /// are an error naming them all, or with <paramref name="skipUnsupported"/> comments in the output.
    /// </summary>
    /// <param name="policy">A converted policy.conf/strength.conf (<see cref="OpenCryptokiPolicy"/>), given to every soft-token slot as openCryptoki applies it to all.</param>
    public static string ToHocon(string text, string? source = null, bool skipUnsupported = false, PolicyConversion? policy = null)
    {
        var file = Parse(text);
        var unsupported = file.Slots.Where(s => TokenType(s.StdllName) is null).ToList();
        if (unsupported.Count > 0 && !skipUnsupported)
            throw new ClassicConfigException(
                "unsupported token type" + (unsupported.Count > 1 ? "s" : "") + ": " +
                string.Join("; ", unsupported.Select(s => $"slot {s.Id} (line {s.Line}) uses stdll '{s.Get("stdll")}'")) +
                $". OpenCryptokiActors provides the soft token (stdll = {SoftStdll}) and the zcrypt token (stdll = {IcaStdll}) only: remove the other slot blocks, " +
                "or write a configuration without them with `ock config convert --skip-unsupported FILE`");

        var sb = new StringBuilder();
        sb.Append("# HOCON configuration of ock-slotd");
        if (source != null) sb.Append(" converted from ").Append(source);
        if (file.Version != null) sb.Append(" (").Append(file.Version).Append(')');
        sb.Append(".\n# Defaults of every other key: src/Actors/reference.conf.\n");
        if (policy != null) sb.Append(policy.Comments());
        sb.Append("opencryptoki {\n  slots = [\n");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in file.Slots)
        {
            if (TokenType(s.StdllName) is not { } tokenType)
            {
                sb.Append($"    # slot {s.Id}: stdll = {s.Get("stdll")} is not supported (soft and zcrypt tokens only); left out\n");
                continue;
            }

            // openCryptoki's default token directories: swtok (soft), lite (ICA).
            var tokname = s.Get("tokname") ?? (tokenType == "zcrypt" ? "lite" : "swtok");
            if (!names.Add(tokname))
                throw new ClassicConfigException($"slot {s.Id} (line {s.Line}): token name '{tokname}' is used by another slot; give each slot its own 'tokname'");
            sb.Append("    { id = ").Append(s.Id.ToString(CultureInfo.InvariantCulture));
            sb.Append(", token-type = ").Append(tokenType).Append(", token-name = ").Append(Quote(tokname));
            sb.Append(", description = ").Append(Quote(s.Get("description") ?? "Linux"));
            if (s.Get("manufacturer") is { } m) sb.Append(", manufacturer = ").Append(Quote(m));
            if (s.Get("hwversion") is { } hw) sb.Append(", hardware-version = ").Append(Quote(CheckVersion(s, "hwversion", hw)));
            if (s.Get("firmwareversion") is { } fw) sb.Append(", firmware-version = ").Append(Quote(CheckVersion(s, "firmwareversion", fw)));
            if (s.Get("usergroup") is { } g) sb.Append(", group = ").Append(Quote(g));
            sb.Append(", max-login-failures = 10");
            if (policy?.Block is { } block) sb.Append(",\n      ").Append(block.Replace("\n", "\n      "));
            sb.Append(" }");
            var ignored = new[] { "confname", "tokversion" }.Where(k => s.Get(k) != null).ToList();
            if (ignored.Count > 0) sb.Append("  # ignored: ").Append(string.Join(", ", ignored.Select(k => $"{k} = {s.Get(k)}")));
            sb.Append('\n');
        }

        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    /// <summary>Parses "major.minor" (each 0–255), as hwversion and firmwareversion are written.</summary>
    public static (byte Major, byte Minor) ParseVersion(string text)
    {
        var parts = text.Split('.');
        if (parts.Length is < 1 or > 2
            || !byte.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
            throw new FormatException($"'{text}' is not a version (major.minor, each 0-255)");
        byte minor = 0;
        if (parts.Length == 2 && !byte.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor))
            throw new FormatException($"'{text}' is not a version (major.minor, each 0-255)");
        return (major, minor);
    }

    private static string CheckVersion(ClassicSlot s, string key, string value)
    {
        try
        {
            var (major, minor) = ParseVersion(value);
            return $"{major}.{minor}";
        }
        catch (FormatException e)
        {
            throw new ClassicConfigException($"slot {s.Id} (line {s.Line}): {key}: {e.Message}");
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>
    /// The words, strings and punctuation of openCryptoki's configuration files, <c>#</c> comments dropped; with
    /// <paramref name="lists"/> also <c>( , )</c> (policy.conf's lists).
    /// </summary>
    internal static List<Token> Tokenize(string text, int max, bool lists = false)
    {
        var tokens = new List<Token>();
        var line = 1;
        var i = 0;
        while (i < text.Length && tokens.Count < max)
        {
            var c = text[i];
            if (c == '\n') { line++; i++; continue; }
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '#')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }

            switch (c)
            {
                case '{': tokens.Add(new Token(Kind.Open, "{", line)); i++; continue;
                case '}': tokens.Add(new Token(Kind.Close, "}", line)); i++; continue;
                case '=': tokens.Add(new Token(Kind.Equals, "=", line)); i++; continue;
                case '(' when lists: tokens.Add(new Token(Kind.ListOpen, "(", line)); i++; continue;
                case ')' when lists: tokens.Add(new Token(Kind.ListClose, ")", line)); i++; continue;
                case ',' when lists: tokens.Add(new Token(Kind.Comma, ",", line)); i++; continue;
                case '"':
                {
                    var start = ++i;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n') i++;
                    if (i >= text.Length || text[i] != '"') throw new ClassicConfigException($"line {line}: unterminated string");
                    tokens.Add(new Token(Kind.String, text[start..i], line));
                    i++;
                    continue;
                }
            }

            var from = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('{' or '}' or '=' or '#' or '"') && !(lists && text[i] is '(' or ')' or ',')) i++;
            tokens.Add(new Token(Kind.Word, text[from..i], line));
        }

        return tokens;
    }
}
