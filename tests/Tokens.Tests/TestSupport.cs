using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Tests;

internal static class T
{
    public static readonly MechanismRegistry Registry = MechanismRegistry.CreateDefault();

    /// <summary>The key types the registry states for a mechanism.</summary>
    public static ulong[] KeyTypes(ulong mechanism) => [.. Registry.Find(mechanism)!.Facts.KeyTypes];

    /// <summary>The registry's pre-init key checks for <paramref name="mechanism"/>, with <paramref name="info"/> in place of its own.</summary>
    public static void CheckKey(AttributeSet key, ulong usage, ulong mechanism, MechanismInfo info) =>
        KeyCheck.Check(key, usage, Registry.Find(mechanism)! with { Info = info });

    public static byte[] H(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static byte[] U(ulong v) => Attr.ULong(v);

    public static byte[] B(bool v) => Attr.Bool(v);

    public static byte[] S(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    public static AttributeSet Set(params (ulong Type, byte[] Value)[] attrs)
    {
        var s = new AttributeSet();
        foreach (var (t, v) in attrs) s.Set(t, v);
        return s;
    }

    public static AttributeSet With(this AttributeSet s, ulong type, byte[] value)
    {
        var c = s.Clone();
        c.Set(type, value);
        return c;
    }

    /// <summary>The CK_RV an action ends with (CKR_OK when it does not throw).</summary>
    public static ulong Rv(Action a)
    {
        try
        {
            a();
            return CKR.OK;
        }
        catch (CkException e)
        {
            return e.Rv;
        }
    }

    public static IMechanism Mech(ulong m) => Registry.TryGet(m, out _, out var impl) ? impl : throw new InvalidOperationException($"0x{m:X} not registered");

    public static AttributeSet SecretKey(ulong keyType, byte[] value, params (ulong Type, byte[] Value)[] extra)
    {
        var t = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(keyType)), (CKA.VALUE, value));
        foreach (var (ty, v) in extra) t.Set(ty, v);
        return TemplateValidator.ForCreate(t);
    }

    public static AttributeSet Aes(byte[] value) => SecretKey(CKK.AES, value);

    /// <summary>name = hex lines of tests/testdata/openssl-vectors.txt.</summary>
    public static IReadOnlyDictionary<string, byte[]> OpenSsl { get; } = Load("openssl-vectors.txt");

    /// <summary>name = hex lines of tests/testdata/issue3-vectors.txt (Python cryptography / RFC values).</summary>
    public static IReadOnlyDictionary<string, byte[]> V3 { get; } = Load("issue3-vectors.txt");

    /// <summary>name = hex lines of tests/testdata/pqc-acvp-vectors.txt (NIST ACVP ML-DSA vectors).</summary>
    public static IReadOnlyDictionary<string, byte[]> Acvp { get; } = Load("pqc-acvp-vectors.txt");

    private static Dictionary<string, byte[]> Load(string file)
    {
        var d = new Dictionary<string, byte[]>();
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "testdata", file)))
        {
            if (line.StartsWith('#') || !line.Contains('=')) continue;
            var i = line.IndexOf('=');
            d[line[..i].Trim()] = Convert.FromHexString(line[(i + 1)..].Trim());
        }

        return d;
    }
}
