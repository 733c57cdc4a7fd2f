using System.CommandLine;
using System.Formats.Asn1;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>Named elliptic curves ock knows: command-line name, OpenSSL name, OID, field size.</summary>
public sealed record Curve(string Name, string OpenSslName, string Oid, int Bits)
{
    public static readonly IReadOnlyList<Curve> All =
    [
        new("p256", "prime256v1", "1.2.840.10045.3.1.7", 256),
        new("p384", "secp384r1", "1.3.132.0.34", 384),
        new("p521", "secp521r1", "1.3.132.0.35", 521),
    ];

    public static Curve Parse(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)
                                || string.Equals(c.OpenSslName, name, StringComparison.OrdinalIgnoreCase)
                                || name.Equals("secp" + c.Bits + "r1", StringComparison.OrdinalIgnoreCase)
                                || name.Equals("P-" + c.Bits, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown curve '{name}' (known: {string.Join(", ", All.Select(c => c.Name))})");

    /// <summary>DER of the OID, for CKA_EC_PARAMS.</summary>
    public byte[] EcParams => OidDer(Oid);

    public static byte[] OidDer(string oid)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteObjectIdentifier(oid);
        return w.Encode();
    }

    public static string? OidOf(byte[]? ecParams)
    {
        if (ecParams is not { Length: > 0 }) return null;
        try
        {
            return new AsnReader(ecParams, AsnEncodingRules.DER).ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    public static Curve? FromParams(byte[]? ecParams) => OidOf(ecParams) is { } oid ? All.FirstOrDefault(c => c.Oid == oid) : null;
}

/// <summary>
/// Edwards and Montgomery curves (RFC 8032, RFC 7748): name, OID (RFC 8410), key type (CKK_EC_EDWARDS,
/// CKK_EC_MONTGOMERY) and the length of the raw public key.
/// </summary>
public sealed record CfrgCurve(string Name, string Oid, ulong KeyType, int PublicLength)
{
    public static readonly IReadOnlyList<CfrgCurve> All =
    [
        new("ed25519", "1.3.101.112", Cryptoki.Pkcs11.CKK.EC_EDWARDS, 32),
        new("ed448", "1.3.101.113", Cryptoki.Pkcs11.CKK.EC_EDWARDS, 57),
        new("x25519", "1.3.101.110", Cryptoki.Pkcs11.CKK.EC_MONTGOMERY, 32),
        new("x448", "1.3.101.111", Cryptoki.Pkcs11.CKK.EC_MONTGOMERY, 56),
    ];

    /// <summary>The PrintableString names PKCS#11 3.0 also allows in CKA_EC_PARAMS.</summary>
    private static readonly Dictionary<string, string> ParamsNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["edwards25519"] = "ed25519", ["edwards448"] = "ed448", ["curve25519"] = "x25519", ["curve448"] = "x448",
    };

    public static CfrgCurve Parse(string name) =>
        All.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown curve '{name}' (known: {string.Join(", ", All.Select(c => c.Name))})");

    public byte[] EcParams => Curve.OidDer(Oid);

    /// <summary>The curve of CKA_EC_PARAMS: an RFC 8410 OID or a PrintableString curve name; null otherwise.</summary>
    public static CfrgCurve? FromParams(byte[]? ecParams)
    {
        if (Curve.OidOf(ecParams) is { } oid) return All.FirstOrDefault(c => c.Oid == oid);
        if (ecParams is not { Length: > 0 }) return null;
        try
        {
            var name = new AsnReader(ecParams, AsnEncodingRules.DER).ReadCharacterString(UniversalTagNumber.PrintableString);
            return ParamsNames.TryGetValue(name, out var n) ? Parse(n) : All.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}

/// <summary>What ock shows of one object: the attributes every listing needs, read once.</summary>
public sealed record ObjectInfo(IObjectHandle Handle, CKO Class, ulong? SubType, string Label, byte[] Id, string Size,
    IReadOnlyDictionary<string, bool> Flags, Pkcs11Uri Uri)
{
    private static readonly CKA[] FlagAttributes =
    [
        CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_MODIFIABLE, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_ENCRYPT,
        CKA.CKA_DECRYPT, CKA.CKA_SIGN, CKA.CKA_VERIFY, CKA.CKA_WRAP, CKA.CKA_UNWRAP, CKA.CKA_DERIVE, CKA.CKA_LOCAL,
        CKA.CKA_TRUSTED,
    ];

    public string TypeName => Class == CKO.CKO_CERTIFICATE
        ? (SubType == (ulong)CKC.CKC_X_509 ? "x509" : SubType?.ToString() ?? "")
        : SubType is { } k ? Attrs.KeyTypeName(k) : "";

    /// <summary>Short flag string of the true usage/protection flags, e.g. "token,private,sensitive,sign".</summary>
    public string FlagText => string.Join(",", Flags.Where(f => f.Value).Select(f => f.Key));

    public static ObjectInfo Read(ISession session, IObjectHandle handle, Pkcs11Uri tokenUri)
    {
        var types = new List<CKA> { CKA.CKA_CLASS, CKA.CKA_LABEL, CKA.CKA_ID, CKA.CKA_KEY_TYPE, CKA.CKA_CERTIFICATE_TYPE,
            CKA.CKA_VALUE_LEN, CKA.CKA_MODULUS_BITS, CKA.CKA_MODULUS, CKA.CKA_EC_PARAMS, CKA.CKA_PRIME, (CKA)Cryptoki.Pkcs11.CKA.PARAMETER_SET };
        types.AddRange(FlagAttributes);
        var values = session.GetAttributeValue(handle, types);
        IObjectAttribute? Get(CKA t) => values[types.IndexOf(t)] is { CannotBeRead: false } a ? a : null;

        var cls = (CKO)(Get(CKA.CKA_CLASS)?.GetValueAsUlong() ?? ulong.MaxValue);
        var sub = cls == CKO.CKO_CERTIFICATE ? Get(CKA.CKA_CERTIFICATE_TYPE)?.GetValueAsUlong() : Get(CKA.CKA_KEY_TYPE)?.GetValueAsUlong();
        var label = Get(CKA.CKA_LABEL)?.GetValueAsString() ?? "";
        var id = Get(CKA.CKA_ID)?.GetValueAsByteArray() ?? [];
        var size = "";
        if (Get(CKA.CKA_VALUE_LEN) is { } vl && vl.GetValueAsUlong() > 0) size = (vl.GetValueAsUlong() * 8).ToString();
        else if (Get(CKA.CKA_MODULUS_BITS) is { } mb) size = mb.GetValueAsUlong().ToString();
        else if (Get(CKA.CKA_MODULUS)?.GetValueAsByteArray() is { Length: > 0 } mod) size = (mod.Length * 8).ToString();
        else if (Get(CKA.CKA_EC_PARAMS)?.GetValueAsByteArray() is { } ecp)
            size = Curve.FromParams(ecp)?.Name ?? CfrgCurve.FromParams(ecp)?.Name ?? Curve.OidOf(ecp) ?? "";
        else if (Get(CKA.CKA_PRIME)?.GetValueAsByteArray() is { Length: > 0 } prime)
            size = (prime.Length * 8).ToString();
        else if (Get((CKA)Cryptoki.Pkcs11.CKA.PARAMETER_SET)?.GetValueAsUlong() is { } set && sub is { } kt)
            size = KeyGen.ParameterSetName(kt, set);
        else if (sub is { } des && (CKK)des is CKK.CKK_DES or CKK.CKK_DES2 or CKK.CKK_DES3)
            size = ((CKK)des switch { CKK.CKK_DES => 64, CKK.CKK_DES2 => 128, _ => 192 }).ToString();
        var flags = new Dictionary<string, bool>();
        foreach (var f in FlagAttributes)
        {
            if (Get(f) is { } a) flags[f.ToString()[4..].ToLowerInvariant()] = a.GetValueAsBool();
        }
        var uri = Pkcs11Uri.Parse(tokenUri.ToString()).Set("object", label.Length > 0 ? label : null)
            .Set("type", Attrs.UriType(cls)).SetBytes("id", id.Length > 0 ? id : null);
        return new ObjectInfo(handle, cls, sub, label, id, size, flags, uri);
    }

    public JsonObject ToJson()
    {
        var flags = new JsonObject();
        foreach (var (k, v) in Flags) flags[k] = v;
        return new JsonObject
        {
            ["class"] = Attrs.ClassName(Class),
            ["type"] = TypeName,
            ["size"] = Size,
            ["label"] = Label,
            ["id"] = Attrs.Hex(Id),
            ["flags"] = flags,
            ["uri"] = Uri.ToString(),
        };
    }
}

/// <summary>
/// Which objects a command works on: an object URI or label pattern (wildcards * and ?), --label, --id,
/// --class, --type. Key and cert commands share these options.
/// </summary>
public sealed class ObjectSelection
{
    public Argument<string?> Object { get; } = new("OBJECT")
    {
        Description = "pkcs11: URI of the object(s), or a label (wildcards * and ?)",
        Arity = ArgumentArity.ZeroOrOne,
    };
    public Option<string> Label { get; } = new("--label") { Description = "Label (wildcards * and ?)", HelpName = "PATTERN" };
    public Option<string> Id { get; } = new("--id") { Description = "CKA_ID in hex", HelpName = "HEX" };
    public Option<string> Class { get; } = new("--class") { Description = "public, private, secret or cert", HelpName = "CLASS" };
    public Option<string> Type { get; } = new("--type") { Description = "Key type: aes, generic, rsa, ec, hmac-sha256, ...", HelpName = "TYPE" };

    public void AddTo(Command command, bool withArgument = true, bool withClass = true)
    {
        if (withArgument) command.Arguments.Add(Object);
        command.Options.Add(Label);
        command.Options.Add(Id);
        if (withClass)
        {
            command.Options.Add(Class);
            command.Options.Add(Type);
        }
    }

    /// <summary>The filter from the parsed options; <paramref name="classes"/> limits the classes (keys or certs).</summary>
    public ObjectFilter Filter(Ock ock, CKO[] classes)
    {
        var p = ock.Parse;
        var filter = new ObjectFilter(classes);
        var obj = p.GetValue(Object);
        if (Pkcs11Uri.IsUri(obj))
        {
            var uri = Pkcs11Uri.Parse(obj!);
            ock.UseUri(uri);
            filter = filter with
            {
                Label = uri.Object,
                LabelIsPattern = false,
                Id = uri.Id,
                Classes = uri.Type is { } t ? Narrow(classes, Attrs.ParseClass(t)) : classes,
            };
        }
        else if (obj != null)
        {
            filter = filter with { Label = obj };
        }
        if (p.GetValue(Label) is { } label) filter = filter with { Label = label, LabelIsPattern = true };
        if (p.GetValue(Id) is { } id) filter = filter with { Id = Attrs.ParseHex(id, "--id") };
        if (p.GetValue(Class) is { } cls) filter = filter with { Classes = Narrow(filter.Classes, Attrs.ParseClass(cls)) };
        if (p.GetValue(Type) is { } type) filter = filter with { KeyType = Attrs.ParseKeyType(type) };
        return filter;
    }

    private static CKO[] Narrow(CKO[] allowed, CKO cls) =>
        allowed.Contains(cls) ? [cls] : throw new UsageException($"class {Attrs.ClassName(cls)} does not fit this command");
}

public sealed record ObjectFilter(CKO[] Classes, string? Label = null, bool LabelIsPattern = true, byte[]? Id = null, CKK? KeyType = null)
{
    public bool IsEmpty => Label == null && Id == null && KeyType == null;

    /// <summary>The matching objects, with their listing attributes read.</summary>
    public List<ObjectInfo> Find(ISession session, Pkcs11Uri tokenUri)
    {
        var template = new List<IObjectAttribute>();
        if (Classes.Length == 1) template.Add(Attrs.A(CKA.CKA_CLASS, Classes[0]));
        if (KeyType is { } k) template.Add(Attrs.A(CKA.CKA_KEY_TYPE, k));
        if (Id != null) template.Add(Attrs.A(CKA.CKA_ID, Id));
        var wildcard = LabelIsPattern && Label != null && Label.IndexOfAny(['*', '?']) >= 0;
        if (Label != null && !wildcard) template.Add(Attrs.A(CKA.CKA_LABEL, Label));
        var regex = wildcard ? new Regex("^" + Regex.Escape(Label!).Replace(@"\*", ".*").Replace(@"\?", ".") + "$") : null;
        return session.FindAllObjects(template)
            .Select(h => ObjectInfo.Read(session, h, tokenUri))
            .Where(o => Classes.Contains(o.Class) && (regex == null || regex.IsMatch(o.Label)))
            .ToList();
    }

    /// <summary>Exactly one object, or a usage error saying how many matched.</summary>
    public ObjectInfo FindOne(ISession session, Pkcs11Uri tokenUri, string what = "object")
    {
        if (IsEmpty) throw new UsageException($"name the {what}: a URI or label argument, --label or --id");
        var found = Find(session, tokenUri);
        return found.Count switch
        {
            1 => found[0],
            0 => throw new UsageException($"no {what} matches"),
            _ => throw new UsageException($"{found.Count} objects match, the command needs one: " +
                                          string.Join(", ", found.Select(f => f.Uri.ToString()))),
        };
    }
}
