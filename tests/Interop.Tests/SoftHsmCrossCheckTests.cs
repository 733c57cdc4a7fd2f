using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using OpenCryptokiActors.Interop.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.Interop.Tests;

/// <summary>
/// Cross-checks with SoftHSM2 (Debian softhsm2 2.6): for every mechanism both modules list, the same key material in
/// both tokens, the operation in one and its inverse in the other, in both directions, and equal outputs where the
/// mechanism is deterministic. pkcs11-tool drives both modules where it can pass what the mechanism needs; the rest
/// runs through Pkcs11Interop with both modules loaded in this process (still the two real modules, nothing between).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class SoftHsmCrossCheckTests(InteropFixture fx)
{
    // ---- The catalogue: which shared mechanism is cross-checked where ---------------------------------------------

    private static readonly string[] ToolCiphers = ["AES-ECB", "AES-CBC", "AES-CBC-PAD"];

    private static readonly (string Mechanism, string Key, string Input, string[] Args, bool Deterministic)[] ToolSignatures =
    [
        ("RSA-PKCS", "rsa", "short", [], true),
        ("RSA-X-509", "rsa", "modulus", [], true),
        ("MD5-RSA-PKCS", "rsa", "data", [], true),
        ("SHA1-RSA-PKCS", "rsa", "data", [], true),
        ("SHA224-RSA-PKCS", "rsa", "data", [], true),
        ("SHA256-RSA-PKCS", "rsa", "data", [], true),
        ("SHA384-RSA-PKCS", "rsa", "data", [], true),
        ("SHA512-RSA-PKCS", "rsa", "data", [], true),
        // CKM_RSA_PKCS_PSS signs a digest: the SHA-256 of the data, with its CK_RSA_PKCS_PSS_PARAMS from the options.
        ("RSA-PKCS-PSS", "rsa", "sha256", ["--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256"], false),
        // pkcs11-tool 0.23 takes the hash and MGF of the SHAn-RSA-PKCS-PSS mechanisms from their names.
        ("SHA1-RSA-PKCS-PSS", "rsa", "data", [], false),
        ("SHA224-RSA-PKCS-PSS", "rsa", "data", [], false),
        ("SHA256-RSA-PKCS-PSS", "rsa", "data", [], false),
        ("SHA384-RSA-PKCS-PSS", "rsa", "data", [], false),
        ("SHA512-RSA-PKCS-PSS", "rsa", "data", [], false),
        // CKM_ECDSA signs a digest (SoftHSM 2.6 has no ECDSA-SHAn), on every curve pkcs11-tool can import.
        ("ECDSA", "p256", "sha256", [], false),
        ("ECDSA", "p384", "sha256", [], false),
        ("ECDSA", "p521", "sha256", [], false),
    ];

    private static readonly (string Mechanism, HashAlgorithmName? Hash)[] ToolDigests =
    [
        ("SHA-1", HashAlgorithmName.SHA1), ("SHA224", null), ("SHA256", HashAlgorithmName.SHA256),
        ("SHA384", HashAlgorithmName.SHA384), ("SHA512", HashAlgorithmName.SHA512), ("MD5", HashAlgorithmName.MD5),
    ];

    private static readonly string[] ToolDerivations = ["ECDH1-DERIVE"]; // and in-process with CKA_VALUE_LEN
    private static readonly string[] ToolWraps = ["AES-KEY-WRAP", "RSA-PKCS"];

    /// <summary>
    /// Shared mechanisms that are not cross-checked, each with the reason why. Empty: every mechanism SoftHSM2 2.6.1 and
    /// our module both list is cross-checked below. An entry needs a reason a reader can check (a parameter neither
    /// pkcs11-tool nor Pkcs11Interop can pass, a SoftHSM2 defect shown by a test).
    /// </summary>
    private static readonly Dictionary<string, string> NotCrossChecked = new();

    private static IEnumerable<string> CrossChecked =>
        ToolCiphers.Concat(ToolSignatures.Select(s => s.Mechanism)).Concat(ToolDigests.Select(d => d.Mechanism))
            .Concat(ToolDerivations).Concat(ToolWraps)
            .Concat(Ciphers.Select(c => c.Name)).Concat(Macs.Select(m => m.Name)).Concat(RsaEncryptions)
            .Concat(SecretKeyGens.Select(g => g.Name)).Concat(KeyPairGens).Concat(DsaMechanisms.Select(d => d.Name)).Concat(DsaGens)
            .Concat(DhMechanisms).Concat(EncryptDataDerivations.Select(d => d.Name)).Concat(PadWraps);

    /// <summary>pkcs11-tool -M: the mechanism names a module lists.</summary>
    private static HashSet<string> Listed(ProcessResult r) =>
        r.Stdout.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l.Trim().Length > 0)
            .Select(l => l.Split(',')[0].Trim()).ToHashSet();

    [Fact]
    public void Every_mechanism_both_modules_list_is_cross_checked_or_listed_with_its_reason()
    {
        var t = fx.Fresh("xcheck-list");
        var softHsm = SoftHsmToken.Fresh(fx.WorkDir, "xcheck-list");
        var ours = Listed(t.Pkcs11Tool("-M"));
        var theirs = Listed(softHsm.Pkcs11Tool("-M"));
        Assert.True(theirs.Count > 60, "SoftHSM2's list:\n" + string.Join("\n", theirs));
        var shared = ours.Intersect(theirs).ToHashSet();

        var covered = CrossChecked.ToHashSet();
        var missing = shared.Where(m => !covered.Contains(m) && !NotCrossChecked.ContainsKey(m)).Order().ToList();
        Assert.True(missing.Count == 0, "shared with SoftHSM2 but neither cross-checked nor listed with a reason: " + string.Join(", ", missing));
        // The catalogue names only shared mechanisms (a case for a mechanism one side lacks would be a stale entry).
        var stale = covered.Concat(NotCrossChecked.Keys).Where(m => !shared.Contains(m)).Order().ToList();
        Assert.True(stale.Count == 0, "cross-checked but not listed by both modules: " + string.Join(", ", stale) +
                                      "\nlisted by SoftHSM2 only: " + string.Join(", ", theirs.Except(ours).Order()));
    }

    // ---- pkcs11-tool on both sides --------------------------------------------------------------------------------

    /// <summary>pkcs11-tool (logged in) on one of the two tokens.</summary>
    private sealed record Side(string Name, Func<string[], ProcessResult> LoggedIn, Func<string[], ProcessResult> NotLoggedIn)
    {
        public ProcessResult User(params string[] args) => LoggedIn(args);
        public ProcessResult Public(params string[] args) => NotLoggedIn(args);
    }

    private static (Side Ours, Side SoftHsm) Sides(Token t, SoftHsmToken s) =>
        (new Side("ours", a => t.Pkcs11ToolUser(a), a => t.Pkcs11Tool(a)), new Side("softhsm", a => s.Pkcs11ToolUser(a), a => s.Pkcs11Tool(a)));

    private (Token T, Side Ours, Side SoftHsm) Tokens(string label)
    {
        var t = fx.Fresh(label);
        var (ours, softHsm) = Sides(t, SoftHsmToken.Fresh(fx.WorkDir, label));
        return (t, ours, softHsm);
    }

    private static byte[] RandomFile(Token t, string name, int length)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        File.WriteAllBytes(t.File(name), bytes);
        return bytes;
    }

    /// <summary>An openssl key pair as DER files NAME.key.der and NAME.pub.der, imported into <paramref name="sides"/> under <paramref name="id"/>.</summary>
    private static void OpenSslKey(Token t, string name, string[] genpkey, string id, string[] usage, params Side[] sides)
    {
        var pem = t.File(name + ".pem");
        t.Ok("openssl", ["genpkey", .. genpkey, "-out", pem]);
        t.Ok("openssl", "pkey", "-in", pem, "-outform", "DER", "-out", t.File(name + ".key.der"));
        t.Ok("openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER", "-out", t.File(name + ".pub.der"));
        foreach (var side in sides)
        {
            side.User(["--write-object", t.File(name + ".key.der"), "--type", "privkey", "--id", id, "--label", name, .. usage]);
            side.User(["--write-object", t.File(name + ".pub.der"), "--type", "pubkey", "--id", id, "--label", name, .. usage]);
        }
    }

    [Fact]
    public void Aes_encrypted_by_one_module_decrypts_in_the_other_through_pkcs11_tool()
    {
        var (t, ours, softHsm) = Tokens("xcheck-aes");
        RandomFile(t, "plain.bin", 96);
        const string iv = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
        foreach (var size in new[] { 16, 32 })
        {
            var id = size.ToString("x2");
            RandomFile(t, $"aes{size}.key", size);
            foreach (var side in new[] { ours, softHsm })
                side.User("--write-object", t.File($"aes{size}.key"), "--type", "secrkey", "--key-type", $"AES:{size}", "--id", id,
                    "--label", $"aes{size}", "--usage-decrypt");
            foreach (var mechanism in ToolCiphers)
            {
                string[] ivArg = mechanism == "AES-ECB" ? [] : ["--iv", iv];
                var enc = new Dictionary<string, byte[]>();
                foreach (var (from, to) in new[] { (ours, softHsm), (softHsm, ours) })
                {
                    var c = t.File($"{mechanism}-{size}-{from.Name}.enc");
                    from.User(["--encrypt", "--mechanism", mechanism, "--id", id, "--input-file", t.File("plain.bin"), "--output-file", c, .. ivArg]);
                    var d = t.File($"{mechanism}-{size}-{to.Name}.dec");
                    to.User(["--decrypt", "--mechanism", mechanism, "--id", id, "--input-file", c, "--output-file", d, .. ivArg]);
                    Assert.True(File.ReadAllBytes(t.File("plain.bin")).SequenceEqual(File.ReadAllBytes(d)), $"{mechanism} AES-{size * 8} {from.Name} -> {to.Name}");
                    enc[from.Name] = File.ReadAllBytes(c);
                }
                Assert.True(enc["ours"].SequenceEqual(enc["softhsm"]), $"{mechanism} AES-{size * 8}: the two ciphertexts differ");
            }
        }
    }

    [Fact]
    public void Rsa_and_ecdsa_signatures_made_by_one_module_verify_in_the_other_through_pkcs11_tool()
    {
        var (t, ours, softHsm) = Tokens("xcheck-sign");
        string[] usage = ["--usage-sign"];
        OpenSslKey(t, "rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "01", usage, ours, softHsm);
        OpenSslKey(t, "p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "02", usage, ours, softHsm);
        OpenSslKey(t, "p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "03", usage, ours, softHsm);
        OpenSslKey(t, "p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], "04", usage, ours, softHsm);
        var ids = new Dictionary<string, string> { ["rsa"] = "01", ["p256"] = "02", ["p384"] = "03", ["p521"] = "04" };

        var data = RandomFile(t, "data", 1000);
        RandomFile(t, "short", 100); // RSA-PKCS signs the data itself: at most modulus - 11 bytes
        File.WriteAllBytes(t.File("modulus"), [0x00, .. RandomNumberGenerator.GetBytes(255)]); // RSA-X-509: one modulus length, below the modulus
        File.WriteAllBytes(t.File("sha256"), SHA256.HashData(data));

        foreach (var (mechanism, key, input, args, deterministic) in ToolSignatures)
        {
            var sigs = new Dictionary<string, byte[]>();
            foreach (var (from, to) in new[] { (ours, softHsm), (softHsm, ours) })
            {
                var sig = t.File($"{mechanism}-{key}-{from.Name}.sig");
                var sign = from.User(["--sign", "--mechanism", mechanism, "--id", ids[key], "--input-file", t.File(input), "--output-file", sig, .. args]);
                Assert.Contains("Using signature algorithm " + mechanism, sign.Output);
                var verify = to.User(["--verify", "--mechanism", mechanism, "--id", ids[key], "--input-file", t.File(input), "--signature-file", sig, .. args]);
                Assert.True(verify.Output.Contains("Signature is valid"), $"{mechanism} ({key}) {from.Name} -> {to.Name}:\n{verify}");
                sigs[from.Name] = File.ReadAllBytes(sig);
            }
            if (deterministic)
                Assert.True(sigs["ours"].SequenceEqual(sigs["softhsm"]), $"{mechanism}: the two signatures differ");
        }
    }

    [Fact]
    public void Digests_of_both_modules_are_equal_through_pkcs11_tool()
    {
        var (t, ours, softHsm) = Tokens("xcheck-digest");
        var data = RandomFile(t, "data", 3000);
        foreach (var (mechanism, hash) in ToolDigests)
        {
            var outputs = new[] { ours, softHsm }.Select(side =>
            {
                var o = t.File($"{mechanism}.{side.Name}");
                side.Public(["--hash", "--mechanism", mechanism, "--input-file", t.File("data"), "--output-file", o]);
                return File.ReadAllBytes(o);
            }).ToList();
            Assert.True(outputs[0].SequenceEqual(outputs[1]), $"{mechanism}: the two digests differ");
            if (hash is { } h) Assert.Equal(CryptographicOperations.HashData(h, data), outputs[0]);
            else Assert.Equal(28, outputs[0].Length);
        }
    }

    [Fact]
    public void Ecdh_between_a_key_in_each_module_agrees_through_pkcs11_tool()
    {
        var (t, ours, softHsm) = Tokens("xcheck-derive");
        string[] usage = ["--usage-derive"];
        foreach (var (curve, id) in new[] { ("P-256", "11"), ("P-384", "12"), ("P-521", "13") })
        {
            // Key a lives in our token, key b in SoftHSM2's; each derives with the other's public key.
            OpenSslKey(t, "a" + id, ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve], id, usage, ours);
            OpenSslKey(t, "b" + id, ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve], id, usage, softHsm);
            ours.User("--derive", "--mechanism", "ECDH1-DERIVE", "--id", id, "--input-file", t.File($"b{id}.pub.der"), "--output-file", t.File(id + ".ours"));
            softHsm.User("--derive", "--mechanism", "ECDH1-DERIVE", "--id", id, "--input-file", t.File($"a{id}.pub.der"), "--output-file", t.File(id + ".softhsm"));
            var secret = File.ReadAllBytes(t.File(id + ".ours"));
            Assert.True(secret.Length >= 32, curve);
            Assert.True(secret.SequenceEqual(File.ReadAllBytes(t.File(id + ".softhsm"))), $"ECDH1-DERIVE {curve}: the two secrets differ");
        }
    }

    [Fact]
    public void Keys_wrapped_by_one_module_unwrap_in_the_other_through_pkcs11_tool()
    {
        var (t, ours, softHsm) = Tokens("xcheck-wrap");
        RandomFile(t, "kek.key", 32);
        var target = RandomFile(t, "target.key", 32);
        OpenSslKey(t, "rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "02", ["--usage-wrap", "--usage-decrypt"], ours, softHsm);
        foreach (var side in new[] { ours, softHsm })
        {
            side.User("--write-object", t.File("kek.key"), "--type", "secrkey", "--key-type", "AES:32", "--id", "01", "--label", "kek", "--usage-wrap");
            side.User("--write-object", t.File("target.key"), "--type", "secrkey", "--key-type", "AES:32", "--id", "10", "--label", "target", "--extractable");
        }

        foreach (var (mechanism, wrappingId) in new[] { ("AES-KEY-WRAP", "01"), ("RSA-PKCS", "02") })
        {
            var wrapped = new Dictionary<string, byte[]>();
            var unwrappedId = mechanism == "AES-KEY-WRAP" ? "20" : "30";
            foreach (var (from, to) in new[] { (ours, softHsm), (softHsm, ours) })
            {
                var w = t.File($"{mechanism}-{from.Name}.wrapped");
                from.User("--wrap", "--mechanism", mechanism, "--id", wrappingId, "--application-id", "10", "--output-file", w);
                to.User("--unwrap", "--mechanism", mechanism, "--id", wrappingId, "--application-id", unwrappedId, "--application-label",
                    $"unwrapped-{from.Name}", "--key-type", "AES:", "--input-file", w, "--extractable");
                var read = t.File($"{mechanism}-{to.Name}.read");
                to.User("--read-object", "--type", "secrkey", "--id", unwrappedId, "--output-file", read);
                Assert.True(target.SequenceEqual(File.ReadAllBytes(read)), $"{mechanism} {from.Name} -> {to.Name}: the unwrapped key differs");
                if (mechanism == "RSA-PKCS")
                {
                    // And C_Decrypt of the wrapped key gives the key too.
                    var dec = t.File($"{mechanism}-{to.Name}.dec");
                    to.User("--decrypt", "--mechanism", mechanism, "--id", wrappingId, "--input-file", w, "--output-file", dec);
                    Assert.True(target.SequenceEqual(File.ReadAllBytes(dec)), $"RSA-PKCS decrypt {from.Name} -> {to.Name}");
                }
                wrapped[from.Name] = File.ReadAllBytes(w);
            }
            if (mechanism == "AES-KEY-WRAP")
                Assert.True(wrapped["ours"].SequenceEqual(wrapped["softhsm"]), "AES-KEY-WRAP: the two wrapped keys differ");
        }
    }

    // ---- In-process, both modules through Pkcs11Interop -----------------------------------------------------------

    private static readonly byte[] Iv16 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Iv8 = Convert.FromHexString("0706050403020100");
    private static readonly byte[] Nonce12 = Convert.FromHexString("cafebabefacedbaddecaf888");
    private static readonly byte[] Aad = "associated data"u8.ToArray();

    private static readonly (string Name, CKK KeyType, int KeyLength, Func<IMechanism> Mechanism, int PlainLength)[] Ciphers =
    [
        ("AES-CTR", CKK.CKK_AES, 32, () => M(CKM.CKM_AES_CTR, MP.CreateCkAesCtrParams(128, Iv16)), 100),
        ("AES-GCM", CKK.CKK_AES, 32, () => M(CKM.CKM_AES_GCM, MP.CreateCkGcmParams(Nonce12, 96, Aad, 128)), 100),
        ("AES-GCM", CKK.CKK_AES, 16, () => M(CKM.CKM_AES_GCM, MP.CreateCkGcmParams(Nonce12, 96, [], 96)), 33),
        ("DES-ECB", CKK.CKK_DES, 8, () => M(CKM.CKM_DES_ECB), 64),
        ("DES-CBC", CKK.CKK_DES, 8, () => M(CKM.CKM_DES_CBC, Iv8), 64),
        ("DES-CBC-PAD", CKK.CKK_DES, 8, () => M(CKM.CKM_DES_CBC_PAD, Iv8), 61),
        ("DES3-ECB", CKK.CKK_DES3, 24, () => M(CKM.CKM_DES3_ECB), 64),
        ("DES3-CBC", CKK.CKK_DES3, 24, () => M(CKM.CKM_DES3_CBC, Iv8), 64),
        ("DES3-CBC-PAD", CKK.CKK_DES3, 24, () => M(CKM.CKM_DES3_CBC_PAD, Iv8), 61),
        ("DES3-CBC-PAD", CKK.CKK_DES2, 16, () => M(CKM.CKM_DES3_CBC_PAD, Iv8), 16),
    ];

    private static readonly (string Name, CKK KeyType, int KeyLength, CKM Mechanism)[] Macs =
    [
        ("AES-CMAC", CKK.CKK_AES, 16, CKM.CKM_AES_CMAC), ("AES-CMAC", CKK.CKK_AES, 32, CKM.CKM_AES_CMAC),
        ("DES3-CMAC", CKK.CKK_DES3, 24, CKM.CKM_DES3_CMAC),
        ("MD5-HMAC", CKK.CKK_GENERIC_SECRET, 64, CKM.CKM_MD5_HMAC), ("SHA-1-HMAC", CKK.CKK_GENERIC_SECRET, 64, CKM.CKM_SHA_1_HMAC),
        ("SHA224-HMAC", CKK.CKK_GENERIC_SECRET, 64, CKM.CKM_SHA224_HMAC), ("SHA256-HMAC", CKK.CKK_GENERIC_SECRET, 64, CKM.CKM_SHA256_HMAC),
        ("SHA384-HMAC", CKK.CKK_GENERIC_SECRET, 64, CKM.CKM_SHA384_HMAC), ("SHA512-HMAC", CKK.CKK_GENERIC_SECRET, 64, CKM.CKM_SHA512_HMAC),
    ];

    private static readonly string[] RsaEncryptions = ["RSA-PKCS", "RSA-X-509", "RSA-PKCS-OAEP"];

    private static readonly (string Name, CKM Mechanism, CKK KeyType, int Length)[] SecretKeyGens =
    [
        ("AES-KEY-GEN", CKM.CKM_AES_KEY_GEN, CKK.CKK_AES, 32), ("DES-KEY-GEN", CKM.CKM_DES_KEY_GEN, CKK.CKK_DES, 0),
        ("DES2-KEY-GEN", CKM.CKM_DES2_KEY_GEN, CKK.CKK_DES2, 0), ("DES3-KEY-GEN", CKM.CKM_DES3_KEY_GEN, CKK.CKK_DES3, 0),
        ("GENERIC-SECRET-KEY-GEN", CKM.CKM_GENERIC_SECRET_KEY_GEN, CKK.CKK_GENERIC_SECRET, 48),
    ];

    private static readonly string[] KeyPairGens = ["RSA-PKCS-KEY-PAIR-GEN", "ECDSA-KEY-PAIR-GEN", "EC-EDWARDS-KEY-PAIR-GEN", "EDDSA"];

    private static readonly (string Name, CKM Mechanism, int InputLength)[] DsaMechanisms =
    [
        ("DSA", CKM.CKM_DSA, 20), ("DSA-SHA1", CKM.CKM_DSA_SHA1, 200), ("DSA-SHA224", CKM.CKM_DSA_SHA224, 200),
        ("DSA-SHA256", CKM.CKM_DSA_SHA256, 200), ("DSA-SHA384", CKM.CKM_DSA_SHA384, 200), ("DSA-SHA512", CKM.CKM_DSA_SHA512, 200),
    ];

    private static readonly string[] DsaGens = ["DSA-PARAMETER-GEN", "DSA-KEY-PAIR-GEN"];
    private static readonly string[] DhMechanisms = ["DH-PKCS-PARAMETER-GEN", "DH-PKCS-KEY-PAIR-GEN", "DH-PKCS-DERIVE"];

    private static readonly (string Name, CKK BaseType, int BaseLength, Func<IMechanism> Mechanism, int Length)[] EncryptDataDerivations =
    [
        ("AES-ECB-ENCRYPT-DATA", CKK.CKK_AES, 32, () => M(CKM.CKM_AES_ECB_ENCRYPT_DATA, MP.CreateCkKeyDerivationStringData(DerivationData(32))), 32),
        ("AES-CBC-ENCRYPT-DATA", CKK.CKK_AES, 16, () => M(CKM.CKM_AES_CBC_ENCRYPT_DATA, MP.CreateCkAesCbcEncryptDataParams(Iv16, DerivationData(32))), 32),
        ("DES-ECB-ENCRYPT-DATA", CKK.CKK_DES, 8, () => M(CKM.CKM_DES_ECB_ENCRYPT_DATA, MP.CreateCkKeyDerivationStringData(DerivationData(16))), 16),
        ("DES-CBC-ENCRYPT-DATA", CKK.CKK_DES, 8, () => M(CKM.CKM_DES_CBC_ENCRYPT_DATA, MP.CreateCkDesCbcEncryptDataParams(Iv8, DerivationData(16))), 16),
        ("DES3-ECB-ENCRYPT-DATA", CKK.CKK_DES3, 24, () => M(CKM.CKM_DES3_ECB_ENCRYPT_DATA, MP.CreateCkKeyDerivationStringData(DerivationData(24))), 24),
        ("DES3-CBC-ENCRYPT-DATA", CKK.CKK_DES3, 24, () => M(CKM.CKM_DES3_CBC_ENCRYPT_DATA, MP.CreateCkDesCbcEncryptDataParams(Iv8, DerivationData(24))), 24),
    ];

    /// <summary>CKM_AES_KEY_WRAP_PAD (RFC 5649), which pkcs11-tool 0.23 lists by number only.</summary>
    private static readonly string[] PadWraps = ["mechtype-0x210A"];

    private static byte[] DerivationData(int length) => Enumerable.Range(0, length).Select(i => (byte)(0x30 + i)).ToArray();

    /// <summary>Random key bytes; DES keys with odd parity in every byte.</summary>
    private static byte[] KeyBytes(CKK type, int length)
    {
        var b = RandomNumberGenerator.GetBytes(length);
        if (type is CKK.CKK_DES or CKK.CKK_DES2 or CKK.CKK_DES3)
            for (var i = 0; i < b.Length; i++)
                b[i] = (byte)((b[i] & 0xFE) | (System.Numerics.BitOperations.PopCount((uint)(b[i] & 0xFE)) % 2 == 0 ? 1 : 0));
        return b;
    }

    private static readonly CKA[] Usages =
        [CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_SIGN, CKA.CKA_VERIFY, CKA.CKA_WRAP, CKA.CKA_UNWRAP, CKA.CKA_DERIVE];

    private static List<IObjectAttribute> SecretTemplate(CKK type, byte[]? value = null, int valueLength = 0)
    {
        var t = T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, type), A(CKA.CKA_TOKEN, false),
            A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true));
        t.AddRange(Usages.Select(u => A(u, true)));
        if (value is not null) t.Add(A(CKA.CKA_VALUE, value));
        if (valueLength > 0) t.Add(A(CKA.CKA_VALUE_LEN, (ulong)valueLength));
        return t;
    }

    /// <summary>Runs every case, and fails once with all the cases that failed (each named), not at the first.</summary>
    private static void All<TCase>(IEnumerable<TCase> cases, Func<TCase, string> name, Action<TCase> run)
    {
        var failures = new List<string>();
        foreach (var c in cases)
        {
            try { run(c); }
            catch (Exception e) { failures.Add($"{name(c)}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static void Same(byte[] expected, byte[] actual, string what) =>
        Assert.True(expected.SequenceEqual(actual), $"{what}: {Hex(expected)} != {Hex(actual)}");

    private static void Valid(ISession s, IMechanism m, IObjectHandle key, byte[] data, byte[] signature, string what)
    {
        s.Verify(m, key, data, signature, out var valid);
        Assert.True(valid, what + ": the signature does not verify");
    }

    [Fact]
    public void Ciphers_with_parameters_encrypt_in_one_module_and_decrypt_in_the_other()
    {
        using var p = new ModulePair(fx, "xcheck-cipher");
        All(Ciphers, c => $"{c.Name} ({c.KeyType}, {c.KeyLength} bytes)", c =>
        {
            var value = KeyBytes(c.KeyType, c.KeyLength);
            var plain = RandomNumberGenerator.GetBytes(c.PlainLength);
            var cipher = new Dictionary<string, byte[]>();
            foreach (var (from, a, b) in p.Directions)
            {
                var ct = a.Encrypt(c.Mechanism(), a.CreateObject(SecretTemplate(c.KeyType, value)), plain);
                Same(plain, b.Decrypt(c.Mechanism(), b.CreateObject(SecretTemplate(c.KeyType, value)), ct), from);
                cipher[from] = ct;
            }
            Same(cipher["ours->softhsm"], cipher["softhsm->ours"], "the two ciphertexts");
        });
    }

    [Fact]
    public void Macs_of_both_modules_are_equal_and_verify_in_the_other()
    {
        using var p = new ModulePair(fx, "xcheck-mac");
        var data = RandomNumberGenerator.GetBytes(333);
        All(Macs, m => $"{m.Name} ({m.KeyType}, {m.KeyLength} bytes)", m =>
        {
            var value = KeyBytes(m.KeyType, m.KeyLength);
            var macs = new Dictionary<string, byte[]>();
            foreach (var (from, a, b) in p.Directions)
            {
                var mac = a.Sign(M(m.Mechanism), a.CreateObject(SecretTemplate(m.KeyType, value)), data);
                Valid(b, M(m.Mechanism), b.CreateObject(SecretTemplate(m.KeyType, value)), data, mac, from);
                macs[from] = mac;
            }
            Same(macs["ours->softhsm"], macs["softhsm->ours"], "the two MACs");
        });
    }

    /// <summary>An RSA key made by .NET, imported into a session: (public, private).</summary>
    private static (IObjectHandle Public, IObjectHandle Private) ImportRsa(ISession s, RSAParameters k) =>
        (s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_RSA), A(CKA.CKA_TOKEN, false),
            A(CKA.CKA_MODULUS, k.Modulus!), A(CKA.CKA_PUBLIC_EXPONENT, k.Exponent!), A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_VERIFY, true))),
         s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_RSA), A(CKA.CKA_TOKEN, false),
            A(CKA.CKA_MODULUS, k.Modulus!), A(CKA.CKA_PUBLIC_EXPONENT, k.Exponent!), A(CKA.CKA_PRIVATE_EXPONENT, k.D!),
            A(CKA.CKA_PRIME_1, k.P!), A(CKA.CKA_PRIME_2, k.Q!), A(CKA.CKA_EXPONENT_1, k.DP!), A(CKA.CKA_EXPONENT_2, k.DQ!),
            A(CKA.CKA_COEFFICIENT, k.InverseQ!), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_SIGN, true))));

    [Fact]
    public void Rsa_encrypted_in_one_module_decrypts_in_the_other()
    {
        using var p = new ModulePair(fx, "xcheck-rsa");
        using var rsa = RSA.Create(2048);
        var k = rsa.ExportParameters(true);
        var keys = new Dictionary<ISession, (IObjectHandle Public, IObjectHandle Private)> { [p.Ours] = ImportRsa(p.Ours, k), [p.SoftHsm] = ImportRsa(p.SoftHsm, k) };
        // SoftHSM2 2.6.1 takes OAEP with SHA-1 and MGF1-SHA1 only (asserted below).
        var oaep = () => M(CKM.CKM_RSA_PKCS_OAEP, MP.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA_1, (ulong)CKG.CKG_MGF1_SHA1, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));
        var cases = new (string Name, Func<IMechanism> Mechanism, byte[] Plain, bool Deterministic)[]
        {
            ("RSA-PKCS", () => M(CKM.CKM_RSA_PKCS), RandomNumberGenerator.GetBytes(100), false),
            ("RSA-X-509", () => M(CKM.CKM_RSA_X_509), [0x00, .. RandomNumberGenerator.GetBytes(255)], true),
            ("RSA-PKCS-OAEP", oaep, RandomNumberGenerator.GetBytes(64), false),
        };
        Assert.Equal(RsaEncryptions, cases.Select(c => c.Name));
        All(cases, c => c.Name, c =>
        {
            var cipher = new Dictionary<string, byte[]>();
            foreach (var (from, a, b) in p.Directions)
            {
                var ct = a.Encrypt(c.Mechanism(), keys[a].Public, c.Plain);
                Same(c.Plain, b.Decrypt(c.Mechanism(), keys[b].Private, ct), from);
                cipher[from] = ct;
            }
            if (c.Deterministic) Same(cipher["ours->softhsm"], cipher["softhsm->ours"], "the two ciphertexts");
        });

        // OAEP with the other hashes, which SoftHSM2 refuses: .NET's RSA (OpenSSL) is the other side, both ways.
        var plain = RandomNumberGenerator.GetBytes(48);
        foreach (var (hash, mgf, name) in new[]
                 {
                     (CKM.CKM_SHA256, 2UL, HashAlgorithmName.SHA256), (CKM.CKM_SHA384, 3UL, HashAlgorithmName.SHA384),
                     (CKM.CKM_SHA512, 4UL, HashAlgorithmName.SHA512), ((CKM)0x2B0, 7UL, HashAlgorithmName.SHA3_256),
                     ((CKM)0x2C0, 8UL, HashAlgorithmName.SHA3_384), ((CKM)0x2D0, 9UL, HashAlgorithmName.SHA3_512),
                 })
        {
            IMechanism Oaep() => M(CKM.CKM_RSA_PKCS_OAEP, MP.CreateCkRsaPkcsOaepParams((ulong)hash, mgf, (ulong)CKZ.CKZ_DATA_SPECIFIED, null));
            AssertRv(CKR.CKR_ARGUMENTS_BAD, () => p.SoftHsm.Encrypt(Oaep(), keys[p.SoftHsm].Public, plain));
            var padding = RSAEncryptionPadding.CreateOaep(name);
            Same(plain, p.Ours.Decrypt(Oaep(), keys[p.Ours].Private, rsa.Encrypt(plain, padding)), $"OAEP {name} .NET -> ours");
            Same(plain, rsa.Decrypt(p.Ours.Encrypt(Oaep(), keys[p.Ours].Public, plain), padding), $"OAEP {name} ours -> .NET");
        }
    }

    [Fact]
    public void Keys_generated_in_one_module_work_in_the_other()
    {
        using var p = new ModulePair(fx, "xcheck-keygen");
        var data = RandomNumberGenerator.GetBytes(64);

        // Secret keys: generated extractable in one, the value imported into the other, the same result in both.
        All(SecretKeyGens.SelectMany(g => p.Directions.Select(d => (g, d))), c => $"{c.g.Name} {c.d.From}", c =>
        {
            var (g, (_, a, b)) = c;
            var generated = a.GenerateKey(M(g.Mechanism), SecretTemplate(g.KeyType, valueLength: g.Length));
            var value = Bytes(a, generated, CKA.CKA_VALUE);
            var imported = b.CreateObject(SecretTemplate(g.KeyType, value));
            var (use, sign) = g.KeyType switch
            {
                CKK.CKK_AES => (CKM.CKM_AES_ECB, false),
                CKK.CKK_DES => (CKM.CKM_DES_ECB, false),
                CKK.CKK_GENERIC_SECRET => (CKM.CKM_SHA256_HMAC, true),
                _ => (CKM.CKM_DES3_ECB, false),
            };
            Same(sign ? a.Sign(M(use), generated, data) : a.Encrypt(M(use), generated, data),
                sign ? b.Sign(M(use), imported, data) : b.Encrypt(M(use), imported, data), $"{use} under the generated key");
        });

        // Key pairs: generated in one, the public key imported into the other, which verifies what the first signed.
        (string Name, CKM Gen, List<IObjectAttribute> Public, CKA[] PublicValue, CKM Sign, byte[] Input)[] pairs =
        [
            ("RSA-PKCS-KEY-PAIR-GEN 2048", CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, T(A(CKA.CKA_MODULUS_BITS, 2048UL), A(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 })),
                [CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT], CKM.CKM_SHA256_RSA_PKCS, data),
            .. new[] { ("P-256", "06082A8648CE3D030107"), ("P-384", "06052B81040022"), ("P-521", "06052B81040023"),
                       ("secp256k1", "06052B8104000A"), ("brainpoolP256r1", "06092B2403030208010107"), ("brainpoolP384r1", "06092B240303020801010B") }
                .Select(c => ($"ECDSA-KEY-PAIR-GEN {c.Item1}", CKM.CKM_EC_KEY_PAIR_GEN, T(A(CKA.CKA_EC_PARAMS, Convert.FromHexString(c.Item2))),
                    new[] { CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT }, CKM.CKM_ECDSA, SHA256.HashData(data))),
            .. new[] { ("Ed25519", "06032B6570"), ("Ed448", "06032B6571") }
                .Select(c => ($"EC-EDWARDS-KEY-PAIR-GEN {c.Item1} with EDDSA", CkmEcEdwardsKeyPairGen, T(A(CKA.CKA_EC_PARAMS, Convert.FromHexString(c.Item2))),
                    new[] { CKA.CKA_EC_PARAMS, CKA.CKA_EC_POINT }, CkmEddsa, data)),
        ];
        All(pairs.SelectMany(k => p.Directions.Select(d => (k, d))), c => $"{c.k.Name} {c.d.From}", c =>
        {
            var (k, (_, a, b)) = c;
            a.GenerateKeyPair(M(k.Gen), [.. k.Public, A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true)],
                T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true)), out var pub, out var priv);
            var keyType = (CKK)ULong(a, pub, CKA.CKA_KEY_TYPE);
            var imported = b.CreateObject([A(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), A(CKA.CKA_KEY_TYPE, keyType), A(CKA.CKA_TOKEN, false),
                A(CKA.CKA_VERIFY, true), .. k.PublicValue.Select(v => A(v, Bytes(a, pub, v)))]);
            Valid(b, M(k.Sign), imported, k.Input, a.Sign(M(k.Sign), priv, k.Input), "the generated key's signature");
        });
    }

    private const CKM CkmEcEdwardsKeyPairGen = (CKM)0x1055;
    private const CKM CkmEddsa = (CKM)0x1057;

    /// <summary>The domain parameters of a CKO_DOMAIN_PARAMETERS object (or a key) as attributes for another template.</summary>
    private static IObjectAttribute[] Domain(ISession s, IObjectHandle o, params CKA[] types) =>
        types.Select(t => A(t, Bytes(s, o, t))).ToArray();

    [Fact]
    public void Dsa_parameters_keys_and_signatures_of_one_module_work_in_the_other()
    {
        using var p = new ModulePair(fx, "xcheck-dsa");
        // One module generates the parameters (1024 bits: SoftHSM2's limit), the other the key pair of that group;
        // the key (public and private, extractable) is imported into the first; then every DSA mechanism both ways.
        All(p.Directions, d => "parameters " + d.From, d =>
        {
            var (_, a, b) = d;
            var domain = a.GenerateKey(M(CKM.CKM_DSA_PARAMETER_GEN), T(A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS),
                A(CKA.CKA_KEY_TYPE, CKK.CKK_DSA), A(CKA.CKA_PRIME_BITS, 1024UL), A(CKA.CKA_TOKEN, false)));
            var pqg = Domain(a, domain, CKA.CKA_PRIME, CKA.CKA_SUBPRIME, CKA.CKA_BASE);
            b.GenerateKeyPair(M(CKM.CKM_DSA_KEY_PAIR_GEN), [.. pqg, A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true)],
                T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true)), out var bPub, out var bPriv);
            var aPub = a.CreateObject([A(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_DSA), A(CKA.CKA_TOKEN, false),
                A(CKA.CKA_VERIFY, true), .. pqg, A(CKA.CKA_VALUE, Bytes(b, bPub, CKA.CKA_VALUE))]);
            var aPriv = a.CreateObject([A(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_DSA), A(CKA.CKA_TOKEN, false),
                A(CKA.CKA_SIGN, true), .. pqg, A(CKA.CKA_VALUE, Bytes(b, bPriv, CKA.CKA_VALUE))]);
            foreach (var (name, mechanism, inputLength) in DsaMechanisms)
            {
                var input = RandomNumberGenerator.GetBytes(inputLength);
                Valid(a, M(mechanism), aPub, input, b.Sign(M(mechanism), bPriv, input), $"{name} signed where the key was generated");
                Valid(b, M(mechanism), bPub, input, a.Sign(M(mechanism), aPriv, input), $"{name} signed where the key was imported");
            }
        });
    }

    [Fact]
    public void Dh_and_ecdh_keys_of_both_modules_agree_on_the_shared_secret_and_its_truncation()
    {
        using var p = new ModulePair(fx, "xcheck-dh");
        All(p.Directions, d => "parameters " + d.From, d =>
        {
            var (_, a, b) = d;
            var domain = a.GenerateKey(M(CKM.CKM_DH_PKCS_PARAMETER_GEN), T(A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS),
                A(CKA.CKA_KEY_TYPE, CKK.CKK_DH), A(CKA.CKA_PRIME_BITS, 1024UL), A(CKA.CKA_TOKEN, false)));
            var pg = Domain(a, domain, CKA.CKA_PRIME, CKA.CKA_BASE);
            List<(ISession Session, byte[] Public, IObjectHandle Private)> Pairs() => new[] { a, b }.Select(s =>
            {
                s.GenerateKeyPair(M(CKM.CKM_DH_PKCS_KEY_PAIR_GEN), [.. pg, A(CKA.CKA_TOKEN, false)],
                    T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_DERIVE, true)), out var pub, out var priv);
                return (Session: s, Public: Bytes(s, pub, CKA.CKA_VALUE), Private: priv);
            }).ToList();
            List<byte[]> Secrets(List<(ISession Session, byte[] Public, IObjectHandle Private)> keys, int length) =>
                keys.Select((k, i) => Bytes(k.Session, k.Session.DeriveKey(M(CKM.CKM_DH_PKCS_DERIVE, keys[1 - i].Public), k.Private,
                    SecretTemplate(CKK.CKK_GENERIC_SECRET, valueLength: length)), CKA.CKA_VALUE)).ToList();

            // SoftHSM2 computes Z with OpenSSL's DH_compute_key, which drops Z's leading zero bytes (its secret is then
            // shifted, ending in zeros): key pairs whose Z starts with a zero byte (1 in 256) are drawn again.
            var keys = Pairs();
            while (Secrets(keys, 128)[a == p.Ours ? 0 : 1][0] == 0) keys = Pairs();
            // The whole secret (CKA_VALUE_LEN = the prime's length), and a 32-byte key, which keeps its trailing bytes.
            foreach (var length in new[] { 128, 32 })
            {
                var secrets = Secrets(keys, length);
                Assert.Equal(length, secrets[0].Length);
                Same(secrets[0], secrets[1], $"the two {length}-byte DH secrets");
            }
        });

        // ECDH1 (CKD_NULL) on keys generated in each module, with the other's CKA_EC_POINT: the whole secret and a
        // shorter key, which keeps the trailing bytes as well (pkcs11-tool only derives the whole secret).
        All(new[] { ("P-256", "06082A8648CE3D030107", 32), ("P-384", "06052B81040022", 48), ("P-521", "06052B81040023", 66) }, c => "ECDH1-DERIVE " + c.Item1, c =>
        {
            var (_, oid, size) = c;
            var keys = new[] { p.Ours, p.SoftHsm }.Select(s =>
            {
                s.GenerateKeyPair(M(CKM.CKM_EC_KEY_PAIR_GEN), T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_EC_PARAMS, Convert.FromHexString(oid))),
                    T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_DERIVE, true)), out var pub, out var priv);
                return (Session: s, Point: Bytes(s, pub, CKA.CKA_EC_POINT), Private: priv);
            }).ToList();
            foreach (var length in new[] { size, 16 })
            {
                var secrets = keys.Select((k, i) => Bytes(k.Session, k.Session.DeriveKey(
                    M(CKM.CKM_ECDH1_DERIVE, MP.CreateCkEcdh1DeriveParams((ulong)CKD.CKD_NULL, null, keys[1 - i].Point)), k.Private,
                    SecretTemplate(CKK.CKK_GENERIC_SECRET, valueLength: length)), CKA.CKA_VALUE)).ToList();
                Assert.Equal(length, secrets[0].Length);
                Same(secrets[0], secrets[1], $"the two {length}-byte ECDH secrets");
            }
        });
    }

    [Fact]
    public void Encrypt_data_derivations_and_padded_key_wrap_agree_between_the_modules()
    {
        using var p = new ModulePair(fx, "xcheck-kdf");
        All(EncryptDataDerivations, c => c.Name, c =>
        {
            var value = KeyBytes(c.BaseType, c.BaseLength);
            var derived = p.Directions.Select(d => Bytes(d.A, d.A.DeriveKey(c.Mechanism(), d.A.CreateObject(SecretTemplate(c.BaseType, value)),
                SecretTemplate(CKK.CKK_GENERIC_SECRET, valueLength: c.Length)), CKA.CKA_VALUE)).ToList();
            Assert.Equal(c.Length, derived[0].Length);
            Same(derived[0], derived[1], "the two derived keys");
        });

        // CKM_AES_KEY_WRAP_PAD (RFC 5649), with openssl's id-aes256-wrap-pad as the arbiter. A 24-byte key: the same
        // wrapped bytes from both, each unwrapped by the other. A 20-byte key (not a multiple of 8): ours wraps it with
        // MLI 20, which SoftHSM2 and openssl unwrap to the key; SoftHSM2 2.6.1 zero-pads such a key to 24 bytes before
        // wrapping it (openssl unwraps its output to the key and four zero bytes), and ours unwraps that as openssl does.
        var kek = KeyBytes(CKK.CKK_AES, 32);
        var pad = () => M(CKM.CKM_AES_KEY_WRAP_PAD);
        byte[] Wrap(ISession s, byte[] key) => s.WrapKey(pad(), s.CreateObject(SecretTemplate(CKK.CKK_AES, kek)), s.CreateObject(SecretTemplate(CKK.CKK_GENERIC_SECRET, key)));
        byte[] Unwrap(ISession s, byte[] wrapped) =>
            Bytes(s, s.UnwrapKey(pad(), s.CreateObject(SecretTemplate(CKK.CKK_AES, kek)), wrapped, SecretTemplate(CKK.CKK_GENERIC_SECRET)), CKA.CKA_VALUE);
        byte[] OpenSslUnwrap(byte[] wrapped)
        {
            var file = Path.Combine(fx.WorkDir, "kwp-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(file, wrapped);
            var r = ProcessRunner.Run(Tools.Find("openssl"), ["enc", "-d", "-id-aes256-wrap-pad", "-K", Hex(kek), "-iv", "A65959A6",
                "-in", file, "-out", file + ".out"], null, Token.Timeout);
            Assert.True(r.ExitCode == 0, r.ToString());
            return File.ReadAllBytes(file + ".out");
        }

        var key24 = RandomNumberGenerator.GetBytes(24);
        var (ours24, theirs24) = (Wrap(p.Ours, key24), Wrap(p.SoftHsm, key24));
        Same(ours24, theirs24, "AES-KEY-WRAP-PAD: the two wrapped 24-byte keys");
        Same(key24, Unwrap(p.SoftHsm, ours24), "AES-KEY-WRAP-PAD ours->softhsm");
        Same(key24, Unwrap(p.Ours, theirs24), "AES-KEY-WRAP-PAD softhsm->ours");
        Same(key24, OpenSslUnwrap(ours24), "AES-KEY-WRAP-PAD ours->openssl");

        var key20 = RandomNumberGenerator.GetBytes(20);
        var ours20 = Wrap(p.Ours, key20);
        Same(key20, OpenSslUnwrap(ours20), "AES-KEY-WRAP-PAD of a 20-byte key ours->openssl");
        Same(key20, Unwrap(p.SoftHsm, ours20), "AES-KEY-WRAP-PAD of a 20-byte key ours->softhsm");
        var theirs20 = Wrap(p.SoftHsm, key20);
        Same(OpenSslUnwrap(theirs20), Unwrap(p.Ours, theirs20), "AES-KEY-WRAP-PAD of a 20-byte key softhsm->ours, as openssl unwraps it");
    }
}
