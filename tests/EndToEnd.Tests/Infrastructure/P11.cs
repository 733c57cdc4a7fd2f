using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using LL = Net.Pkcs11Interop.LowLevelAPI80;

namespace OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

/// <summary>Shortcuts for templates, mechanisms and return values.</summary>
public static class P11
{
    public static readonly Pkcs11InteropFactories F = new();

    /// <summary>DER of the prime256v1 (P-256) OID, for CKA_EC_PARAMS.</summary>
    public static readonly byte[] P256Params = Convert.FromHexString("06082A8648CE3D030107");

    public const ulong CKR_AEAD_DECRYPT_FAILED = 0x35;
    public const CKA CKA_UNIQUE_ID = (CKA)0x4; // PKCS#11 3.0
    public const ulong CK_UNAVAILABLE_INFORMATION = ulong.MaxValue;

    public static IObjectAttribute A(CKA type, bool value) => F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, ulong value) => F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, string value) => F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, byte[] value) => F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, CKO value) => F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, CKK value) => F.ObjectAttributeFactory.Create(type, value);
    public static IObjectAttribute A(CKA type, params CKM[] value) => F.ObjectAttributeFactory.Create(type, value.ToList());

    public static List<IObjectAttribute> T(params IObjectAttribute[] attributes) => attributes.ToList();

    public static IMechanism M(CKM type) => F.MechanismFactory.Create(type);
    public static IMechanism M(CKM type, byte[] parameter) => F.MechanismFactory.Create(type, parameter);
    public static IMechanism M(CKM type, Net.Pkcs11Interop.HighLevelAPI.MechanismParams.IMechanismParams p) =>
        F.MechanismFactory.Create(type, p);

    public static IMechanismParamsFactory MP => F.MechanismParamsFactory;

    /// <summary>The CK_RV of <paramref name="action"/>: CKR_OK, or the one in the Pkcs11Exception it threw.</summary>
    public static CKR Rv(Action action)
    {
        try
        {
            action();
            return CKR.CKR_OK;
        }
        catch (Pkcs11Exception e)
        {
            return e.RV;
        }
    }

    public static void AssertRv(CKR expected, Action action) => Assert.Equal(expected, Rv(action));

    public static byte[] Bytes(ISession s, IObjectHandle o, CKA type) =>
        s.GetAttributeValue(o, [type])[0].GetValueAsByteArray();

    public static bool Bool(ISession s, IObjectHandle o, CKA type) =>
        s.GetAttributeValue(o, [type])[0].GetValueAsBool();

    public static ulong ULong(ISession s, IObjectHandle o, CKA type) =>
        s.GetAttributeValue(o, [type])[0].GetValueAsUlong();

    public static string Str(ISession s, IObjectHandle o, CKA type) =>
        s.GetAttributeValue(o, [type])[0].GetValueAsString();

    public static List<IObjectHandle> FindByLabel(ISession s, string label) =>
        s.FindAllObjects([A(CKA.CKA_LABEL, label)]);

    /// <summary>A known-value AES key (token object when <paramref name="token"/>), usable for every AES operation.</summary>
    public static IObjectHandle ImportAesKey(ISession s, byte[] value, string label, bool token = false,
        bool sensitive = true, bool extractable = true, bool @private = true) =>
        s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            A(CKA.CKA_TOKEN, token), A(CKA.CKA_PRIVATE, @private), A(CKA.CKA_LABEL, label),
            A(CKA.CKA_VALUE, value), A(CKA.CKA_SENSITIVE, sensitive), A(CKA.CKA_EXTRACTABLE, extractable),
            A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_WRAP, true), A(CKA.CKA_UNWRAP, true)));

    /// <summary>
    /// The raw function list of the same module, for calls whose return values the high-level API hides
    /// (CKR_BUFFER_TOO_SMALL, C_GetAttributeValue's per-attribute lengths, C_Initialize arguments).
    /// The module is process-global: handles from the high-level API are valid here.
    /// </summary>
    public static LL.Pkcs11Library LowLevel(string modulePath) => new(modulePath);

    /// <summary>C_GetAttributeValue for one attribute with a NULL value pointer: the rv and ulValueLen.</summary>
    public static (CKR Rv, ulong Length) AttributeLength(LL.Pkcs11Library ll, ulong session, ulong obj, CKA type)
    {
        var template = new[] { LL.CkaUtils.CreateAttribute(type) };
        var rv = ll.C_GetAttributeValue(session, obj, template, 1);
        return (rv, template[0].valueLen);
    }

    public static string Hex(byte[] b) => Convert.ToHexString(b);
}
