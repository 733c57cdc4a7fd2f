using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>Names on the command line ↔ PKCS#11 constants, and attribute template helpers.</summary>
public static class Attrs
{
    public static IObjectAttribute A(CKA type, bool value) => Ock.F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, ulong value) => Ock.F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, string value) => Ock.F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, byte[] value) => Ock.F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, CKO value) => Ock.F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, CKK value) => Ock.F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, CKC value) => Ock.F.ObjectAttributeFactory.Create(type, value);

    /// <summary>Boolean attributes settable with --attr NAME / !NAME / NAME=false.</summary>
    public static readonly IReadOnlyDictionary<string, CKA> Flags = new Dictionary<string, CKA>
    {
        ["token"] = CKA.CKA_TOKEN,
        ["private"] = CKA.CKA_PRIVATE,
        ["modifiable"] = CKA.CKA_MODIFIABLE,
        ["copyable"] = CKA.CKA_COPYABLE,
        ["destroyable"] = CKA.CKA_DESTROYABLE,
        ["sensitive"] = CKA.CKA_SENSITIVE,
        ["extractable"] = CKA.CKA_EXTRACTABLE,
        ["encrypt"] = CKA.CKA_ENCRYPT,
        ["decrypt"] = CKA.CKA_DECRYPT,
        ["sign"] = CKA.CKA_SIGN,
        ["verify"] = CKA.CKA_VERIFY,
        ["sign-recover"] = CKA.CKA_SIGN_RECOVER,
        ["verify-recover"] = CKA.CKA_VERIFY_RECOVER,
        ["wrap"] = CKA.CKA_WRAP,
        ["unwrap"] = CKA.CKA_UNWRAP,
        ["derive"] = CKA.CKA_DERIVE,
        ["trusted"] = CKA.CKA_TRUSTED,
        ["wrap-with-trusted"] = CKA.CKA_WRAP_WITH_TRUSTED,
        ["always-authenticate"] = CKA.CKA_ALWAYS_AUTHENTICATE,
    };

    /// <summary>Parses --attr values: "sign,!extractable,private=false" (repeatable).</summary>
    public static List<(CKA Type, bool Value)> ParseFlags(IEnumerable<string>? specs)
    {
        var result = new List<(CKA, bool)>();
        foreach (var spec in specs ?? [])
        {
            foreach (var raw in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var item = raw;
                var value = true;
                if (item.StartsWith('!')) { value = false; item = item[1..]; }
                var eq = item.IndexOf('=');
                if (eq > 0)
                {
                    value = item[(eq + 1)..].ToLowerInvariant() switch
                    {
                        "true" or "yes" or "on" or "1" => value,
                        "false" or "no" or "off" or "0" => !value,
                        var v => throw new UsageException($"--attr {raw}: '{v}' is not true or false"),
                    };
                    item = item[..eq];
                }
                var name = item.ToLowerInvariant().Replace('_', '-');
                if (name.StartsWith("cka-", StringComparison.Ordinal)) name = name[4..];
                if (!Flags.TryGetValue(name, out var type))
                    throw new UsageException($"--attr: unknown attribute '{item}' (known: {string.Join(", ", Flags.Keys)})");
                result.Add((type, value));
            }
        }
        return result;
    }

    /// <summary>Applies flags over defaults: a flag given on the command line replaces the default of that type.</summary>
    public static List<IObjectAttribute> Merge(IEnumerable<IObjectAttribute> defaults, IEnumerable<(CKA Type, bool Value)> flags)
    {
        var list = defaults.ToList();
        foreach (var (type, value) in flags)
        {
            list.RemoveAll(a => a.Type == (ulong)type);
            list.Add(A(type, value));
        }
        return list;
    }

    /// <summary>Object classes by their URI type name (RFC 7512) and the short names ock accepts.</summary>
    public static CKO ParseClass(string name) => name.ToLowerInvariant() switch
    {
        "public" or "pub" or "public-key" => CKO.CKO_PUBLIC_KEY,
        "private" or "priv" or "private-key" => CKO.CKO_PRIVATE_KEY,
        "secret" or "secret-key" => CKO.CKO_SECRET_KEY,
        "cert" or "certificate" => CKO.CKO_CERTIFICATE,
        "data" => CKO.CKO_DATA,
        _ => throw new UsageException($"unknown object class '{name}' (public, private, secret, cert, data)"),
    };

    public static string UriType(CKO cls) => cls switch
    {
        CKO.CKO_PUBLIC_KEY => "public",
        CKO.CKO_PRIVATE_KEY => "private",
        CKO.CKO_SECRET_KEY => "secret-key",
        CKO.CKO_CERTIFICATE => "cert",
        CKO.CKO_DATA => "data",
        _ => $"0x{(ulong)cls:x}",
    };

    public static string ClassName(CKO cls) => cls switch
    {
        CKO.CKO_PUBLIC_KEY => "public",
        CKO.CKO_PRIVATE_KEY => "private",
        CKO.CKO_SECRET_KEY => "secret",
        CKO.CKO_CERTIFICATE => "cert",
        CKO.CKO_DATA => "data",
        _ => Enum.IsDefined(cls) ? cls.ToString() : $"0x{(ulong)cls:x}",
    };

    /// <summary>Key types by the names of `ock key list --type` and `key unwrap --type`.</summary>
    public static readonly IReadOnlyDictionary<string, CKK> KeyTypes = new Dictionary<string, CKK>
    {
        ["aes"] = CKK.CKK_AES,
        ["generic"] = CKK.CKK_GENERIC_SECRET,
        ["hmac-sha1"] = CKK.CKK_SHA_1_HMAC,
        ["hmac-sha224"] = CKK.CKK_SHA224_HMAC,
        ["hmac-sha256"] = CKK.CKK_SHA256_HMAC,
        ["hmac-sha384"] = CKK.CKK_SHA384_HMAC,
        ["hmac-sha512"] = CKK.CKK_SHA512_HMAC,
        ["rsa"] = CKK.CKK_RSA,
        ["ec"] = CKK.CKK_EC,
        ["des"] = CKK.CKK_DES,
        ["des2"] = CKK.CKK_DES2,
        ["des3"] = CKK.CKK_DES3,
        ["dsa"] = CKK.CKK_DSA,
        ["dh"] = CKK.CKK_DH,
        ["ec-edwards"] = (CKK)Cryptoki.Pkcs11.CKK.EC_EDWARDS,
        ["ec-montgomery"] = (CKK)Cryptoki.Pkcs11.CKK.EC_MONTGOMERY,
        ["ml-dsa"] = (CKK)Cryptoki.Pkcs11.CKK.ML_DSA,
        ["ml-kem"] = (CKK)Cryptoki.Pkcs11.CKK.ML_KEM,
        ["slh-dsa"] = (CKK)Cryptoki.Pkcs11.CKK.SLH_DSA,
    };

    public static CKK ParseKeyType(string name) =>
        KeyTypes.TryGetValue(name.ToLowerInvariant(), out var k) ? k
            : throw new UsageException($"unknown key type '{name}' (known: {string.Join(", ", KeyTypes.Keys)})");

    public static string KeyTypeName(ulong ckk) =>
        KeyTypes.FirstOrDefault(kv => (ulong)kv.Value == ckk).Key ?? (Enum.IsDefined((CKK)ckk) ? ((CKK)ckk).ToString() : $"0x{ckk:x}");

    /// <summary>CKM_ name of a mechanism: Pkcs11Interop's (PKCS#11 2.40), else the project's v3.x constants, else hex.</summary>
    public static string MechanismName(ulong ckm) => Enum.IsDefined((CKM)ckm) ? ((CKM)ckm).ToString() : Cryptoki.Pkcs11.CkNames.Mechanism(ckm);

    /// <summary>Hex of a CKA_ID; "-" when empty.</summary>
    public static string Hex(byte[]? b) => b is { Length: > 0 } ? Convert.ToHexString(b).ToLowerInvariant() : "";

    public static byte[] ParseHex(string text, string option)
    {
        var t = text.Replace(":", "").Replace(" ", "");
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) t = t[2..];
        try
        {
            return Convert.FromHexString(t);
        }
        catch (FormatException)
        {
            throw new UsageException($"{option}: '{text}' is not hex");
        }
    }
}
