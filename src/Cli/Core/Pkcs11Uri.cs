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

    private static readonly HashSet<string> QueryNames = ["pin-source", "pin-value", "module-name", "module-path"];

    private readonly Dictionary<string, byte[]> _path = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _query = new(StringComparer.Ordinal);

    public static bool IsUri(string? text) => text != null && text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a URI; throws <see cref="UsageException"/> naming the faulty part.</summary>
    public static Pkcs11Uri Parse(string text)
    {
        if (!IsUri(text)) throw new UsageException($"not a PKCS#11 URI (must start with '{Scheme}'): {text}");
        var uri = new Pkcs11Uri();
        var rest = text[Scheme.Length..];
        var q = rest.IndexOf('?');
        var path = q < 0 ? rest : rest[..q];
        var query = q < 0 ? "" : rest[(q + 1)..];
        foreach (var part in path.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = SplitAttribute(part, text);
            if (!PathOrder.Contains(name) && !name.StartsWith("x-", StringComparison.Ordinal))
                throw new UsageException($"unknown path attribute '{name}' in {text}");
            if (!uri._path.TryAdd(name, Decode(value, text)))
                throw new UsageException($"attribute '{name}' given twice in {text}");
        }
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = SplitAttribute(part, text);
            if (!QueryNames.Contains(name) && !name.StartsWith("x-", StringComparison.Ordinal))
                throw new UsageException($"unknown query attribute '{name}' in {text}");
            uri._query[name] = Encoding.UTF8.GetString(Decode(value, text));
        }
        if (uri.Type is { } type && type is not ("public" or "private" or "secret-key" or "cert" or "data"))
            throw new UsageException($"type must be public, private, secret-key, cert or data: {text}");
        if (uri._path.ContainsKey("slot-id") && !ulong.TryParse(uri.Get("slot-id"), out _))
            throw new UsageException($"slot-id must be a number: {text}");
        return uri;
    }

    private static (string, string) SplitAttribute(string part, string text)
    {
        var eq = part.IndexOf('=');
        if (eq <= 0) throw new UsageException($"attribute without '=' ('{part}') in {text}");
        return (part[..eq].ToLowerInvariant(), part[(eq + 1)..]);
    }

    private static byte[] Decode(string value, string text)
    {
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%')
            {
                if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
                    throw new UsageException($"bad percent-encoding in {text}");
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
            }
        }
        return bytes.ToArray();
    }

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
