using System.Globalization;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Cryptoki.Configuration;

/// <summary>
/// openCryptoki's policy.conf and strength.conf converted to a slot's HOCON <c>policy</c> block. <see cref="Block"/> is
/// null when the policy restricts nothing. <see cref="Unmapped"/> lists rules the block cannot express (the conversion
/// is then refused unless the caller accepts a weaker policy); <see cref="Notes"/> lists what was adapted and why.
/// </summary>
public sealed record PolicyConversion(string? Block, IReadOnlyList<string> Unmapped, IReadOnlyList<string> Notes)
{
    /// <summary>The unmapped rules and notes as HOCON comment lines.</summary>
    public string Comments()
    {
        var sb = new StringBuilder();
        foreach (var u in Unmapped) sb.Append("# policy NOT converted: ").Append(u).Append('\n');
        foreach (var n in Notes) sb.Append("# policy: ").Append(n).Append('\n');
        return sb.ToString();
    }
}

/// <summary>
/// Reads openCryptoki's policy.conf(5) (<c>version policy-0</c>; <c>strength = N</c>; <c>allowedmechs ( … )</c>,
/// <c>allowedcurves</c>, <c>allowedmgfs</c>, <c>allowedkdfs</c>, <c>allowedprfs</c>) and strength.conf(5)
/// (<c>version strength-0</c>; <c>strength N { MOD_EXP = …, ECC = …, SYMMETRIC = …, digest = …, signature = … }</c>)
/// and maps them onto the token's policy (allow, deny, min-strength, curves, mgfs, kdfs). The token rates keys by the
/// NIST SP 800-57 table (strength-example.conf's values): a strength.conf with other thresholds, a signature minimum
/// and PRF lists have no equivalent and are reported; a digest minimum becomes a deny (or a shorter allow) list of
/// the too-short digest mechanisms; names the token does not know are left out of allow lists (which only narrows them).
/// </summary>
public static class OpenCryptokiPolicy
{
    /// <summary>The built-in thresholds per strength class: MOD_EXP (RSA, DSA, DH), ECC, SYMMETRIC bits.</summary>
    private static readonly Dictionary<int, (int ModExp, int Ecc, int Symmetric)> BuiltIn = new()
    {
        [112] = (2048, 224, 112),
        [128] = (3072, 256, 128),
        [192] = (7680, 384, 192),
        [256] = (15360, 512, 256),
    };

    /// <summary>Digest mechanisms (C_DigestInit) and their output bits, for strength.conf's digest minimum.</summary>
    private static readonly (ulong Mechanism, int Bits)[] Digests =
    [
        (CKM.MD5, 128), (CKM.SHA_1, 160), (CKM.RIPEMD160, 160), (CKM.SHA224, 224), (CKM.SHA512_224, 224), (CKM.SHA3_224, 224),
        (CKM.SHA256, 256), (CKM.SHA512_256, 256), (CKM.SHA3_256, 256), (CKM.SHA384, 384), (CKM.SHA3_384, 384),
        (CKM.SHA512, 512), (CKM.SHA3_512, 512),
    ];

    /// <summary>openCryptoki's curve names (policy.conf(5)) and the names the token's policy.curves takes.</summary>
    private static readonly Dictionary<string, string> Curves = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PRIME192V1"] = "prime192v1", ["SECP224R1"] = "secp224r1", ["PRIME256V1"] = "prime256v1", ["SECP384R1"] = "secp384r1",
        ["SECP521R1"] = "secp521r1", ["SECP256K1"] = "secp256k1", ["CURVE25519"] = "x25519", ["CURVE448"] = "x448",
        ["ED25519"] = "ed25519", ["ED448"] = "ed448",
        ["BRAINPOOL_P160R1"] = "brainpoolP160r1", ["BRAINPOOL_P160T1"] = "brainpoolP160t1", ["BRAINPOOL_P192R1"] = "brainpoolP192r1",
        ["BRAINPOOL_P192T1"] = "brainpoolP192t1", ["BRAINPOOL_P224R1"] = "brainpoolP224r1", ["BRAINPOOL_P224T1"] = "brainpoolP224t1",
        ["BRAINPOOL_P256R1"] = "brainpoolP256r1", ["BRAINPOOL_P256T1"] = "brainpoolP256t1", ["BRAINPOOL_P320R1"] = "brainpoolP320r1",
        ["BRAINPOOL_P320T1"] = "brainpoolP320t1", ["BRAINPOOL_P384R1"] = "brainpoolP384r1", ["BRAINPOOL_P384T1"] = "brainpoolP384t1",
        ["BRAINPOOL_P512R1"] = "brainpoolP512r1", ["BRAINPOOL_P512T1"] = "brainpoolP512t1",
    };

    /// <summary>The names of openCryptoki's curves, as policy.conf(5) spells them, and the token's names for them.</summary>
    public static IReadOnlyDictionary<string, string> CurveNames => Curves;

    /// <summary>A policy.conf / strength.conf that cannot be read; the message names the file and line.</summary>
    private static ClassicConfigException Error(string source, int line, string message) => new($"{source} line {line}: {message}");

    /// <summary>Converts a policy.conf (and the strength.conf it relies on; null when there is none).</summary>
    public static PolicyConversion Convert(string policyText, string policySource, string? strengthText, string strengthSource)
    {
        var policy = ParsePolicy(policyText, policySource);
        var unmapped = new List<string>();
        var notes = new List<string>();
        var strength = policy.Strength;

        Dictionary<int, (int Line, Dictionary<string, int> Values)>? strengths = null;
        if (strengthText != null) strengths = ParseStrength(strengthText, strengthSource);
        else if (strength > 0)
            unmapped.Add($"{policySource}: strength = {strength} needs a strength.conf (openCryptoki enforces no policy without one); give it with --strength");

        HashSet<ulong>? allow = policy.Mechanisms is { } mechs ? Known(mechs, CkNames.ParseMechanism, "allowedmechs", "mechanism", notes) : null;
        var deny = new SortedSet<ulong>();
        if (strength > 0 && strengths != null)
        {
            foreach (var (cls, (modExp, ecc, sym)) in BuiltIn.Where(b => b.Key >= strength))
            {
                if (!strengths.TryGetValue(cls, out var defined))
                {
                    unmapped.Add($"{strengthSource}: no 'strength {cls}' block: the token rates keys of MOD_EXP {modExp}, ECC {ecc}, SYMMETRIC {sym} bits as {cls}");
                    continue;
                }

                foreach (var (key, builtIn) in new[] { ("MOD_EXP", modExp), ("ECC", ecc), ("SYMMETRIC", sym) })
                    if (!defined.Values.TryGetValue(key, out var v) || v != builtIn)
                        unmapped.Add($"{strengthSource} line {defined.Line}: strength {cls} {key} = {(defined.Values.TryGetValue(key, out var w) ? w.ToString(CultureInfo.InvariantCulture) : "(none)")}: " +
                                     $"the token rates keys by the NIST SP 800-57 table ({key} = {builtIn} for {cls})");
            }

            if (strengths.TryGetValue(strength, out var min))
            {
                if (min.Values.TryGetValue("digest", out var digest))
                {
                    var shorter = Digests.Where(d => d.Bits < digest).Select(d => d.Mechanism).ToList();
                    if (allow != null)
                    {
                        var removed = shorter.Where(allow.Remove).ToList();
                        if (removed.Count > 0) notes.Add($"digest = {digest}: left out of the allow list: {string.Join(", ", removed.Select(CkNames.Mechanism))}");
                    }
                    else
                    {
                        deny.UnionWith(shorter);
                        notes.Add($"digest = {digest}: denied the digests shorter than {digest} bits: {string.Join(", ", shorter.Select(CkNames.Mechanism))}");
                    }
                }

                if (min.Values.TryGetValue("signature", out var signature))
                    unmapped.Add($"{strengthSource} line {min.Line}: strength {strength} signature = {signature}: the token has no minimum signature or MAC length " +
                                 "(a short CKM_*_HMAC_GENERAL or CKM_*_MAC_GENERAL output is not refused)");
            }
        }
        else if (strengths != null)
        {
            notes.Add($"{strengthSource}: not used, as {policySource} sets no strength");
        }

        var curves = new List<string>();
        foreach (var (name, line) in policy.Curves ?? [])
            curves.Add(Curves.TryGetValue(name, out var ours) ? ours : throw Error(policySource, line, $"unknown curve '{name}' in allowedcurves (known: {string.Join(", ", Curves.Keys)})"));
        var mgfs = policy.Mgfs is { } m ? Known(m, CkNames.ParseMgf, "allowedmgfs", "MGF", notes) : null;
        var kdfs = policy.Kdfs is { } k ? Known(k, CkNames.ParseKdf, "allowedkdfs", "KDF", notes) : null;
        if (policy.Prfs is { } prfs)
            unmapped.Add($"{policySource}: allowedprfs ( {string.Join(", ", prfs.Select(p => p.Name))} ): the token's policy has no PRF list " +
                         "(CKM_PKCS5_PBKD2 accepts every HMAC PRF it implements); deny CKM_PKCS5_PBKD2 to rule it out");

        var lines = new List<string>();
        if (allow != null) lines.Add("allow = " + List(allow.Order().Select(CkNames.Mechanism)));
        if (deny.Count > 0) lines.Add("deny = " + List(deny.Select(CkNames.Mechanism)));
        if (strength > 0) lines.Add($"min-strength = {strength}");
        if (policy.Curves != null) lines.Add("curves = " + List(curves.Distinct()));
        if (mgfs != null) lines.Add("mgfs = " + List(mgfs.Order().Select(CkNames.Mgf)));
        if (kdfs != null) lines.Add("kdfs = " + List(kdfs.Order().Select(CkNames.Kdf)));
        var block = lines.Count == 0 ? null : "policy {\n" + string.Concat(lines.Select(l => "  " + l + "\n")) + "}";
        return new PolicyConversion(block, unmapped, notes);
    }

    private static HashSet<ulong> Known(IReadOnlyList<(string Name, int Line)> names, Func<string, ulong?> parse, string key, string what, List<string> notes)
    {
        var known = new HashSet<ulong>();
        var unknown = new List<string>();
        foreach (var (name, _) in names)
            if (parse(name) is { } v) known.Add(v);
            else unknown.Add(name);
        if (unknown.Count > 0)
            notes.Add($"{key}: left out, no {what} of this token (so nothing to allow): {string.Join(", ", unknown)}");
        return known;
    }

    /// <summary>A HOCON list, eight names a line.</summary>
    private static string List(IEnumerable<string> names)
    {
        var all = names.ToList();
        if (all.Count <= 8) return "[" + string.Join(", ", all) + "]";
        var sb = new StringBuilder("[\n");
        for (var i = 0; i < all.Count; i += 8)
            sb.Append("    ").Append(string.Join(", ", all.Skip(i).Take(8))).Append(i + 8 < all.Count ? ",\n" : "\n");
        return sb.Append("  ]").ToString();
    }

    private sealed record PolicyFile(
        int Strength,
        IReadOnlyList<(string Name, int Line)>? Mechanisms,
        IReadOnlyList<(string Name, int Line)>? Curves,
        IReadOnlyList<(string Name, int Line)>? Mgfs,
        IReadOnlyList<(string Name, int Line)>? Kdfs,
        IReadOnlyList<(string Name, int Line)>? Prfs);

    private static void ExpectVersion(List<ClassicConfig.Token> tokens, ref int i, string source, string version)
    {
        if (tokens.Count < 2 || tokens[0].Text != "version" || tokens[1].Text != version)
            throw Error(source, tokens.Count > 0 ? tokens[0].Line : 1, $"expected 'version {version}' first");
        i = 2;
    }

    /// <summary>policy.conf(5): strength values other than 0/112/128/192/256 round up (above 256: 256), as openCryptoki does.</summary>
    private static PolicyFile ParsePolicy(string text, string source)
    {
        var tokens = ClassicConfig.Tokenize(text, int.MaxValue, lists: true);
        var i = 0;
        ExpectVersion(tokens, ref i, source, "policy-0");
        var strength = 0;
        var lists = new Dictionary<string, List<(string, int)>>(StringComparer.Ordinal);
        string[] keys = ["allowedmechs", "allowedcurves", "allowedmgfs", "allowedkdfs", "allowedprfs"];
        while (i < tokens.Count)
        {
            var key = tokens[i++];
            if (key.Kind != ClassicConfig.Kind.Word) throw Error(source, key.Line, $"expected a key, found '{key.Text}'");
            if (i < tokens.Count && tokens[i].Kind == ClassicConfig.Kind.Equals) i++;
            if (key.Text == "strength")
            {
                if (i >= tokens.Count || !int.TryParse(tokens[i].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                    throw Error(source, key.Line, "strength = N expects a number");
                i++;
                strength = n switch { 0 => 0, <= 112 => 112, <= 128 => 128, <= 192 => 192, _ => 256 };
                continue;
            }

            if (!keys.Contains(key.Text)) throw Error(source, key.Line, $"unknown key '{key.Text}' (known: strength, {string.Join(", ", keys)})");
            if (lists.ContainsKey(key.Text)) throw Error(source, key.Line, $"'{key.Text}' given twice");
            if (i >= tokens.Count || tokens[i].Kind != ClassicConfig.Kind.ListOpen) throw Error(source, key.Line, $"expected '(' after '{key.Text}'");
            i++;
            var items = new List<(string, int)>();
            while (true)
            {
                if (i >= tokens.Count) throw Error(source, key.Line, $"'{key.Text}' list not closed with ')'");
                var t = tokens[i++];
                if (t.Kind == ClassicConfig.Kind.ListClose) break;
                if (t.Kind == ClassicConfig.Kind.Comma && items.Count > 0) continue;
                if (t.Kind != ClassicConfig.Kind.Word) throw Error(source, t.Line, $"expected a name in '{key.Text}', found '{t.Text}'");
                items.Add((t.Text, t.Line));
            }

            lists[key.Text] = items;
        }

        List<(string, int)>? L(string k) => lists.TryGetValue(k, out var v) ? v : null;
        return new PolicyFile(strength, L("allowedmechs"), L("allowedcurves"), L("allowedmgfs"), L("allowedkdfs"), L("allowedprfs"));
    }

    /// <summary>strength.conf(5): the blocks by strength, each with its line and keyword values.</summary>
    private static Dictionary<int, (int Line, Dictionary<string, int> Values)> ParseStrength(string text, string source)
    {
        var tokens = ClassicConfig.Tokenize(text, int.MaxValue);
        var i = 0;
        ExpectVersion(tokens, ref i, source, "strength-0");
        var blocks = new Dictionary<int, (int, Dictionary<string, int>)>();
        string[] keys = ["MOD_EXP", "ECC", "SYMMETRIC", "digest", "signature"];
        while (i < tokens.Count)
        {
            var head = tokens[i++];
            if (head.Text != "strength" || i + 1 >= tokens.Count || !int.TryParse(tokens[i].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                || tokens[i + 1].Kind != ClassicConfig.Kind.Open)
                throw Error(source, head.Line, "expected 'strength N {'");
            if (n is not (112 or 128 or 192 or 256)) throw Error(source, head.Line, $"strength {n} is not 112, 128, 192 or 256");
            if (blocks.ContainsKey(n)) throw Error(source, head.Line, $"strength {n} defined twice");
            i += 2;
            var values = new Dictionary<string, int>(StringComparer.Ordinal);
            while (true)
            {
                if (i >= tokens.Count) throw Error(source, head.Line, $"strength {n} not closed with '}}'");
                var k = tokens[i++];
                if (k.Kind == ClassicConfig.Kind.Close) break;
                if (!keys.Contains(k.Text)) throw Error(source, k.Line, $"unknown keyword '{k.Text}' (known: {string.Join(", ", keys)})");
                if (i + 1 >= tokens.Count || tokens[i].Kind != ClassicConfig.Kind.Equals
                    || !int.TryParse(tokens[i + 1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                    throw Error(source, k.Line, $"expected '{k.Text} = number'");
                i += 2;
                values[k.Text] = v;
            }

            blocks[n] = (head.Line, values);
        }

        return blocks;
    }
}
