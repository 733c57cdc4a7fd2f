using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace OpenCryptokiActors.Cryptoki.Pkcs11;

/// <summary>
/// The CKM_, CKG_, CKD_ and CKK_ names of the project's constant tables (src/Cryptoki), both ways: configuration names
/// mechanisms, MGFs and KDFs by their PKCS#11 names, log lines print them.
/// </summary>
public static class CkNames
{
    private static readonly Lazy<Table> Mechanisms = new(() => Build(typeof(CKM), "CKM_"));
    private static readonly Lazy<Table> Mgfs = new(() => Build(typeof(CKG), "CKG_"));
    private static readonly Lazy<Table> Kdfs = new(() => Build(typeof(CKD), "CKD_"));
    private static readonly Lazy<Table> KeyTypes = new(() => Build(typeof(CKK), "CKK_"));

    private sealed record Table(Dictionary<string, ulong> ByName, Dictionary<ulong, string> ByValue);

    /// <summary>CKM_ name of a mechanism; hex when it has none.</summary>
    public static string Mechanism(ulong value) => Mechanisms.Value.ByValue.TryGetValue(value, out var n) ? n : $"0x{value:X8}";

    public static string Mgf(ulong value) => Mgfs.Value.ByValue.TryGetValue(value, out var n) ? n : $"0x{value:X}";

    public static string KeyType(ulong value) => KeyTypes.Value.ByValue.TryGetValue(value, out var n) ? n : $"0x{value:X}";

    public static string Kdf(ulong value) => Kdfs.Value.ByValue.TryGetValue(value, out var n) ? n : $"0x{value:X}";

    /// <summary>A mechanism by name (CKM_AES_GCM, case-insensitive, the prefix optional) or number (0x1087); null when unknown.</summary>
    public static ulong? ParseMechanism(string name) => Parse(Mechanisms.Value, "CKM_", name);

    public static ulong? ParseMgf(string name) => Parse(Mgfs.Value, "CKG_", name);

    public static ulong? ParseKdf(string name) => Parse(Kdfs.Value, "CKD_", name);

    private static ulong? Parse(Table table, string prefix, string name)
    {
        var n = name.Trim();
        if (n.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && ulong.TryParse(n[2..], System.Globalization.NumberStyles.HexNumber, null, out var hex)) return hex;
        if (!n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) n = prefix + n;
        return table.ByName.TryGetValue(n.ToUpperInvariant(), out var v) ? v : null;
    }

    private static Table Build([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields)] Type constants, string prefix)
    {
        var fields = constants.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(ulong)).ToList();
        var byName = fields.ToDictionary(f => prefix + f.Name.ToUpperInvariant(), f => (ulong)f.GetRawConstantValue()!);
        // Several names may share a value (aliases of PKCS#11 versions): the first declared names it.
        var byValue = fields.GroupBy(f => (ulong)f.GetRawConstantValue()!).ToDictionary(g => g.Key, g => prefix + g.First().Name);
        return new Table(byName, byValue);
    }
}
