using System.Text;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>
/// A PKCS#11 URI (RFC 7512): <c>pkcs11:token=swtok;object=k1;type=private?module-path=/usr/lib/x.so</c>.
/// Path attributes select a library, slot, token or object; query attributes say how (module, PIN source).
/// Values are percent-decoded; <see cref="ToString"/> prints the canonical, percent-encoded form.
/// </summary>
public sealed class Pkcs11Uri
{
    public const string Scheme = "pkcs11:";

    /// <summary>Path attributes in RFC 7512 order (used for printing).</summary>
    private static readonly string[] PathOrder =
    [
        "library-manufacturer", "library-description", "library-version",
        "slot-manufacturer", "slot-description", "slot-id",
        "model", "manufacturer", "serial", "token", "object", "type", "id",
    ];

    private readonly Dictionary<string, byte[]> _path = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _query = new(StringComparer.Ordinal);

    public static bool IsUri(string? text) => text != null && text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a URI with Pkcs11Interop's RFC 7512 parser (percent-decoding, attribute syntax, lengths, duplicates);
    /// adds what that parser lets through: unknown attributes other than vendor ones (<c>x-…</c>). Throws
    /// <see cref="UsageException"/> naming the faulty part.
    /// </summary>
    public static Pkcs11Uri Parse(string text)
    {
        if (!IsUri(text)) throw new UsageException($"not a PKCS#11 URI (must start with '{Scheme}'): {Shown(text)}");
        Net.Pkcs11Interop.Common.Pkcs11Uri parsed;
        try
        {
            parsed = new Net.Pkcs11Interop.Common.Pkcs11Uri(text);
        }
        catch (Exception e) when (e is Net.Pkcs11Interop.Common.Pkcs11UriException or FormatException or IndexOutOfRangeException
                                       or ArgumentException or OverflowException)
        {
            // Pkcs11Interop 5.3 throws IndexOutOfRangeException for a percent sign too near the end ("%0").
            throw new UsageException($"{(e is Net.Pkcs11Interop.Common.Pkcs11UriException ? e.Message : "malformed attribute value")} in {Shown(text)}");
        }
        if (parsed.UnknownPathAttributes.Keys.FirstOrDefault(k => !k.StartsWith("x-", StringComparison.Ordinal)) is { } badPath)
            throw new UsageException($"unknown path attribute '{badPath}' in {Shown(text)}");
        if (parsed.UnknownQueryAttributes.Keys.FirstOrDefault(k => !k.StartsWith("x-", StringComparison.Ordinal)) is { } badQuery)
            throw new UsageException($"unknown query attribute '{badQuery}' in {Shown(text)}");

        var uri = new Pkcs11Uri();
        foreach (var (name, value) in new[]
                 {
                     ("library-manufacturer", parsed.LibraryManufacturer), ("library-description", parsed.LibraryDescription),
                     ("library-version", parsed.LibraryVersion), ("slot-manufacturer", parsed.SlotManufacturer),
                     ("slot-description", parsed.SlotDescription), ("slot-id", parsed.SlotId?.ToString()), ("model", parsed.Model),
                     ("manufacturer", parsed.Manufacturer), ("serial", parsed.Serial), ("token", parsed.Token), ("object", parsed.Object),
                     ("type", parsed.Type is { } type ? Attrs.UriType(type) : null),
                 })
        {
            if (value != null) uri.SetBytes(name, Encoding.UTF8.GetBytes(value));
        }
        uri.SetBytes("id", parsed.Id);
        foreach (var (name, value) in parsed.UnknownPathAttributes) uri.SetBytes(name, Encoding.UTF8.GetBytes(value));
        foreach (var (name, value) in new[] { ("pin-source", parsed.PinSource), ("pin-value", parsed.PinValue),
                     ("module-name", parsed.ModuleName), ("module-path", parsed.ModulePath) })
        {
            if (value != null) uri.SetQuery(name, value);
        }
        foreach (var (name, values) in parsed.UnknownQueryAttributes) uri.SetQuery(name, values.LastOrDefault() ?? "");
        return uri;
    }

    /// <summary>The URI as an error message may show it: a pin-value's PIN replaced by "***".</summary>
    private static string Shown(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, "(?i)(pin-value=)[^&]*", "$1***");

    private static string Encode(ReadOnlySpan<byte> value, bool all)
    {
        var sb = new StringBuilder();
        foreach (var b in value)
        {
            var c = (char)b;
            if (!all && b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':' or '[' or ']' or '@' or '!' or '$' or '\'' or '(' or ')' or '*' or '+' or ','))
                sb.Append(c);
            else
                sb.Append('%').Append(b.ToString("x2"));
        }
        return sb.ToString();
    }

    public string? Get(string name) => _path.TryGetValue(name, out var v) ? Encoding.UTF8.GetString(v) : null;
    public byte[]? GetBytes(string name) => _path.GetValueOrDefault(name);
    public string? Query(string name) => _query.GetValueOrDefault(name);

    public Pkcs11Uri Set(string name, string? value) =>
        value == null ? this : SetBytes(name, Encoding.UTF8.GetBytes(value.TrimEnd()));

    public Pkcs11Uri SetBytes(string name, byte[]? value)
    {
        if (value != null) _path[name] = value;
        return this;
    }

    public Pkcs11Uri SetQuery(string name, string value)
    {
        _query[name] = value;
        return this;
    }

    public string? Token => Get("token");
    public string? Serial => Get("serial");
    public string? Object => Get("object");
    public string? Type => Get("type");
    public byte[]? Id => GetBytes("id");
    public ulong? SlotId => Get("slot-id") is { } s ? ulong.Parse(s) : null;

    /// <summary>True when the URI names anything about the token or slot (not only an object).</summary>
    public bool SelectsToken => PathOrder.Take(10).Any(_path.ContainsKey);

    /// <summary>True when the URI names anything about an object.</summary>
    public bool SelectsObject => _path.ContainsKey("object") || _path.ContainsKey("type") || _path.ContainsKey("id");

    public override string ToString()
    {
        var sb = new StringBuilder(Scheme);
        var first = true;
        foreach (var name in PathOrder.Concat(_path.Keys.Where(k => !PathOrder.Contains(k)).Order()))
        {
            if (!_path.TryGetValue(name, out var v)) continue;
            if (!first) sb.Append(';');
            first = false;
            sb.Append(name).Append('=').Append(Encode(v, all: name == "id"));
        }
        var q = '?';
        foreach (var (name, value) in _query.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            sb.Append(q).Append(name).Append('=').Append(Encode(Encoding.UTF8.GetBytes(value), all: false).Replace("%2f", "/"));
            q = '&';
        }
        return sb.ToString();
    }
}
