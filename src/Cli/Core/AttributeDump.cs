using System.Text.Json.Nodes;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>The long form of a listing: every attribute of the object's class that the token reveals.</summary>
public static class AttributeDump
{
    private const CKA UniqueId = (CKA)0x4; // PKCS#11 3.0

    private static readonly CKA[] Common =
    [
        CKA.CKA_CLASS, CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_MODIFIABLE, CKA.CKA_COPYABLE, CKA.CKA_DESTROYABLE,
        CKA.CKA_LABEL, UniqueId,
    ];

    private static readonly CKA[] Key =
    [
        CKA.CKA_KEY_TYPE, CKA.CKA_ID, CKA.CKA_DERIVE, CKA.CKA_LOCAL, CKA.CKA_KEY_GEN_MECHANISM,
    ];

    private static readonly Dictionary<CKO, CKA[]> ByClass = new()
    {
        [CKO.CKO_SECRET_KEY] =
        [
            CKA.CKA_SENSITIVE, CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_SIGN, CKA.CKA_VERIFY, CKA.CKA_WRAP, CKA.CKA_UNWRAP,
            CKA.CKA_EXTRACTABLE, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_CHECK_VALUE,
            CKA.CKA_WRAP_WITH_TRUSTED, CKA.CKA_TRUSTED, CKA.CKA_VALUE_LEN, CKA.CKA_VALUE,
        ],
        [CKO.CKO_PUBLIC_KEY] =
        [
            CKA.CKA_SUBJECT, CKA.CKA_ENCRYPT, CKA.CKA_VERIFY, CKA.CKA_VERIFY_RECOVER, CKA.CKA_WRAP, CKA.CKA_TRUSTED,
            CKA.CKA_MODULUS, CKA.CKA_MODULUS_BITS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT,
        ],
        [CKO.CKO_PRIVATE_KEY] =
        [
            CKA.CKA_SUBJECT, CKA.CKA_SENSITIVE, CKA.CKA_DECRYPT, CKA.CKA_SIGN, CKA.CKA_SIGN_RECOVER, CKA.CKA_UNWRAP,
            CKA.CKA_EXTRACTABLE, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_WRAP_WITH_TRUSTED,
            CKA.CKA_ALWAYS_AUTHENTICATE, CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1,
            CKA.CKA_PRIME_2, CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT, CKA.CKA_EC_PARAMS, CKA.CKA_VALUE,
        ],
        [CKO.CKO_CERTIFICATE] =
        [
            CKA.CKA_CERTIFICATE_TYPE, CKA.CKA_TRUSTED, CKA.CKA_CERTIFICATE_CATEGORY, CKA.CKA_CHECK_VALUE, CKA.CKA_ID,
            CKA.CKA_SUBJECT, CKA.CKA_ISSUER, CKA.CKA_SERIAL_NUMBER, CKA.CKA_VALUE,
        ],
    };

    private static readonly HashSet<CKA> Bools =
    [
        CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_MODIFIABLE, CKA.CKA_COPYABLE, CKA.CKA_DESTROYABLE, CKA.CKA_SENSITIVE,
        CKA.CKA_EXTRACTABLE, CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_SIGN, CKA.CKA_VERIFY, CKA.CKA_SIGN_RECOVER,
        CKA.CKA_VERIFY_RECOVER, CKA.CKA_WRAP, CKA.CKA_UNWRAP, CKA.CKA_DERIVE, CKA.CKA_LOCAL, CKA.CKA_ALWAYS_SENSITIVE,
        CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_TRUSTED, CKA.CKA_WRAP_WITH_TRUSTED, CKA.CKA_ALWAYS_AUTHENTICATE,
    ];

    public static List<(string Name, string? Value)> Read(ISession session, ObjectInfo o)
    {
        var types = Common.Concat(o.Class == CKO.CKO_CERTIFICATE ? [] : Key).Concat(ByClass.GetValueOrDefault(o.Class, [])).Distinct().ToList();
        var values = session.GetAttributeValue(o.Handle, types);
        var result = new List<(string, string?)>();
        for (var i = 0; i < types.Count; i++)
        {
            if (values[i].CannotBeRead) continue;
            result.Add((Name(types[i]), Format(types[i], values[i])));
        }
        return result;
    }

    public static JsonObject Json(ISession session, ObjectInfo o)
    {
        var j = new JsonObject();
        foreach (var (name, value) in Read(session, o)) j[name] = value;
        return j;
    }

    private static string Name(CKA t) => t == UniqueId ? "CKA_UNIQUE_ID" : t.ToString();

    private static string Format(CKA t, IObjectAttribute a)
    {
        if (Bools.Contains(t)) return a.GetValueAsBool() ? "true" : "false";
        return t switch
        {
            CKA.CKA_CLASS => ((CKO)a.GetValueAsUlong()).ToString(),
            CKA.CKA_KEY_TYPE => Enum.IsDefined((CKK)a.GetValueAsUlong()) ? ((CKK)a.GetValueAsUlong()).ToString() : $"0x{a.GetValueAsUlong():x}",
            CKA.CKA_CERTIFICATE_TYPE => ((CKC)a.GetValueAsUlong()).ToString(),
            CKA.CKA_KEY_GEN_MECHANISM => a.GetValueAsUlong() == ulong.MaxValue ? "CK_UNAVAILABLE_INFORMATION" : Attrs.MechanismName(a.GetValueAsUlong()),
            CKA.CKA_VALUE_LEN or CKA.CKA_MODULUS_BITS or CKA.CKA_CERTIFICATE_CATEGORY => a.GetValueAsUlong().ToString(),
            CKA.CKA_LABEL or UniqueId => a.GetValueAsString(),
            CKA.CKA_EC_PARAMS => Curve.FromParams(a.GetValueAsByteArray()) is { } c ? $"{c.OpenSslName} ({c.Oid})" : Attrs.Hex(a.GetValueAsByteArray()),
            _ => Attrs.Hex(a.GetValueAsByteArray()),
        };
    }
}
