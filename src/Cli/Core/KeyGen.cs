using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using static OpenCryptokiActors.Cli.Core.Attrs;
using V3 = OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Cli.Core;

/// <summary>The options of <c>ock key generate</c> that shape the key (not the label or count).</summary>
public sealed record KeyGenOptions(int? Bits, string? Curve, string? Hash, ulong Exponent, string? ParameterSet, string? Group,
    List<(CKA, bool)> Flags, List<(CKA, bool)> PubFlags);

/// <summary>
/// <c>ock key generate TYPE</c> for every key type: which mechanism, which templates, and the domain parameters DSA and
/// DH keys need first. A type whose mechanism the module does not list is refused up front
/// (<see cref="MissingMechanismException"/>, exit code 2) instead of failing half way.
/// </summary>
public static class KeyGen
{
    public static readonly string[] Types =
        ["aes", "des", "des2", "des3", "generic", "hmac", "rsa", "ec", "ed25519", "ed448", "x25519", "x448", "dsa", "dh", "ml-dsa", "ml-kem", "slh-dsa"];

    /// <summary>ML-DSA (FIPS 204) parameter sets: CKP_ML_DSA_44/65/87.</summary>
    public static readonly IReadOnlyDictionary<string, ulong> MlDsaSets = new Dictionary<string, ulong>
    {
        ["44"] = V3.CKP.ML_DSA_44, ["65"] = V3.CKP.ML_DSA_65, ["87"] = V3.CKP.ML_DSA_87,
    };

    /// <summary>ML-KEM (FIPS 203) parameter sets: CKP_ML_KEM_512/768/1024.</summary>
    public static readonly IReadOnlyDictionary<string, ulong> MlKemSets = new Dictionary<string, ulong>
    {
        ["512"] = V3.CKP.ML_KEM_512, ["768"] = V3.CKP.ML_KEM_768, ["1024"] = V3.CKP.ML_KEM_1024,
    };

    /// <summary>SLH-DSA (FIPS 205) parameter sets: CKP_SLH_DSA_SHA2_128S … CKP_SLH_DSA_SHAKE_256F.</summary>
    public static readonly IReadOnlyDictionary<string, ulong> SlhDsaSets = new Dictionary<string, ulong>
    {
        ["sha2-128s"] = V3.CKP.SLH_DSA_SHA2_128S, ["shake-128s"] = V3.CKP.SLH_DSA_SHAKE_128S,
        ["sha2-128f"] = V3.CKP.SLH_DSA_SHA2_128F, ["shake-128f"] = V3.CKP.SLH_DSA_SHAKE_128F,
        ["sha2-192s"] = V3.CKP.SLH_DSA_SHA2_192S, ["shake-192s"] = V3.CKP.SLH_DSA_SHAKE_192S,
        ["sha2-192f"] = V3.CKP.SLH_DSA_SHA2_192F, ["shake-192f"] = V3.CKP.SLH_DSA_SHAKE_192F,
        ["sha2-256s"] = V3.CKP.SLH_DSA_SHA2_256S, ["shake-256s"] = V3.CKP.SLH_DSA_SHAKE_256S,
        ["sha2-256f"] = V3.CKP.SLH_DSA_SHA2_256F, ["shake-256f"] = V3.CKP.SLH_DSA_SHAKE_256F,
    };

    /// <summary>Finite-field DH groups by name: RFC 7919 (ffdhe*) and RFC 3526 (modp*).</summary>
    public static readonly IReadOnlyDictionary<string, DHParameters> DhGroups = new Dictionary<string, DHParameters>
    {
        ["ffdhe2048"] = DHStandardGroups.rfc7919_ffdhe2048, ["ffdhe3072"] = DHStandardGroups.rfc7919_ffdhe3072,
        ["ffdhe4096"] = DHStandardGroups.rfc7919_ffdhe4096, ["ffdhe6144"] = DHStandardGroups.rfc7919_ffdhe6144,
        ["ffdhe8192"] = DHStandardGroups.rfc7919_ffdhe8192, ["modp1536"] = DHStandardGroups.rfc3526_1536,
        ["modp2048"] = DHStandardGroups.rfc3526_2048, ["modp3072"] = DHStandardGroups.rfc3526_3072,
        ["modp4096"] = DHStandardGroups.rfc3526_4096, ["modp6144"] = DHStandardGroups.rfc3526_6144,
        ["modp8192"] = DHStandardGroups.rfc3526_8192,
    };

    /// <summary>"ml-dsa-65", "slh-dsa-sha2-128f" …: the parameter set of a key of type <paramref name="keyType"/>.</summary>
    public static string ParameterSetName(ulong keyType, ulong set)
    {
        var (prefix, sets) = keyType switch
        {
            V3.CKK.ML_DSA => ("ml-dsa-", MlDsaSets),
            V3.CKK.ML_KEM => ("ml-kem-", MlKemSets),
            V3.CKK.SLH_DSA => ("slh-dsa-", SlhDsaSets),
            _ => ("", new Dictionary<string, ulong>()),
        };
        return sets.FirstOrDefault(kv => kv.Value == set).Key is { } n ? prefix + n : $"0x{set:x}";
    }

    /// <summary>Names of a parameter-set table, for messages.</summary>
    public static string SetNames(IReadOnlyDictionary<string, ulong> sets, Func<ulong, bool>? offered = null) =>
        string.Join(", ", sets.Where(kv => offered?.Invoke(kv.Value) ?? true).Select(kv => kv.Key));

    /// <summary>
    /// Checks the options against the type and the module's mechanisms, computes what all keys of this command share
    /// (domain parameters), and returns the function that generates one key (pair) with a given label.
    /// </summary>
    public static Func<string, byte[]?, List<IObjectHandle>> Prepare(ISlot slot, ISession s, string type, KeyGenOptions o)
    {
        var mechanisms = slot.GetMechanismList().Select(m => (ulong)m).ToHashSet();
        ulong Need(ulong mechanism)
        {
            if (!mechanisms.Contains(mechanism)) throw new MissingMechanismException(MechanismName(mechanism), type);
            return mechanism;
        }
        if (type is not "ec" && o.Curve != null) throw new UsageException("--curve is for ec keys");
        if (type is not "hmac" && o.Hash != null) throw new UsageException("--hash is for hmac keys");
        if (type is not ("ml-dsa" or "ml-kem" or "slh-dsa") && o.ParameterSet != null) throw new UsageException("--set is for ml-dsa, ml-kem and slh-dsa keys");
        if (type is not "dh" && o.Group != null) throw new UsageException("--group is for dh keys");
        if (type is "ed25519" or "ed448" or "x25519" or "x448" or "ec" or "des" or "des2" or "des3" or "ml-dsa" or "ml-kem" or "slh-dsa" && o.Bits != null)
            throw new UsageException($"{type} keys have a fixed size: no --bits");

        switch (type)
        {
            case "aes":
            case "generic":
            case "hmac":
            {
                var size = o.Bits ?? 256;
                if (size % 8 != 0) throw new UsageException("--bits must be a multiple of 8");
                if (type == "aes" && size is not (128 or 192 or 256)) throw new UsageException("aes --bits: 128, 192 or 256");
                var ckk = type switch
                {
                    "aes" => CKK.CKK_AES,
                    "generic" => CKK.CKK_GENERIC_SECRET,
                    _ => ParseKeyType("hmac-" + (o.Hash ?? "sha256").ToLowerInvariant().Replace("-", "")),
                };
                // HMAC key types: the PKCS#11 3.0 CKM_SHA*_KEY_GEN when the module has it, else CKM_GENERIC_SECRET_KEY_GEN.
                var hmacGen = type == "hmac" ? HmacKeyGen(ckk) : null;
                var mech = type == "aes" ? Need((ulong)CKM.CKM_AES_KEY_GEN)
                    : hmacGen is { } hg && mechanisms.Contains(hg) ? hg
                    : Need((ulong)CKM.CKM_GENERIC_SECRET_KEY_GEN);
                IObjectAttribute[] usage = type == "aes" ? [.. Usage(CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_WRAP, CKA.CKA_UNWRAP)] : [.. Usage(CKA.CKA_SIGN, CKA.CKA_VERIFY)];
                return (label, id) =>
                {
                    try
                    {
                        return [s.GenerateKey(Ock.F.MechanismFactory.Create(mech),
                            Secret(label, id, o.Flags, [A(CKA.CKA_KEY_TYPE, ckk), A(CKA.CKA_VALUE_LEN, (ulong)size / 8), .. usage]))];
                    }
                    catch (Pkcs11Exception e) when (hmacGen is { } g && mech != g && e.RV == CKR.CKR_TEMPLATE_INCONSISTENT)
                    {
                        throw new MissingMechanismException(MechanismName(g), type,
                            $"the token does not offer {MechanismName(g)} and does not make {KeyTypeName((ulong)ckk)} keys with " +
                            "CKM_GENERIC_SECRET_KEY_GEN: use `ock key generate generic` (HMAC with a CKK_GENERIC_SECRET key)");
                    }
                };
            }
            case "des":
            case "des2":
            case "des3":
            {
                var (ckk, mech) = type switch
                {
                    "des" => (CKK.CKK_DES, CKM.CKM_DES_KEY_GEN),
                    "des2" => (CKK.CKK_DES2, CKM.CKM_DES2_KEY_GEN),
                    _ => (CKK.CKK_DES3, CKM.CKM_DES3_KEY_GEN),
                };
                Need((ulong)mech);
                return (label, id) => [s.GenerateKey(Ock.F.MechanismFactory.Create(mech),
                    Secret(label, id, o.Flags, [A(CKA.CKA_KEY_TYPE, ckk), .. Usage(CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_WRAP, CKA.CKA_UNWRAP)]))];
            }
            case "rsa":
            {
                var size = o.Bits ?? 2048;
                var mech = Need((ulong)CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
                var e = o.Exponent.ToString("x");
                return Pair(s, mech, CKK.CKK_RSA, o,
                    [A(CKA.CKA_MODULUS_BITS, (ulong)size), A(CKA.CKA_PUBLIC_EXPONENT, Convert.FromHexString(e.Length % 2 == 1 ? "0" + e : e)),
                        .. Usage(CKA.CKA_VERIFY, CKA.CKA_ENCRYPT, CKA.CKA_WRAP)],
                    Usage(CKA.CKA_SIGN, CKA.CKA_DECRYPT, CKA.CKA_UNWRAP));
            }
            case "ec":
            {
                var curve = Curve.Parse(o.Curve ?? "p256");
                var mech = Need((ulong)CKM.CKM_EC_KEY_PAIR_GEN);
                return Pair(s, mech, CKK.CKK_EC, o, [A(CKA.CKA_EC_PARAMS, curve.EcParams), .. Usage(CKA.CKA_VERIFY)], Usage(CKA.CKA_SIGN, CKA.CKA_DERIVE));
            }
            case "ed25519":
            case "ed448":
            {
                var curve = CfrgCurve.Parse(type);
                var mech = Need(V3.CKM.EC_EDWARDS_KEY_PAIR_GEN);
                return Pair(s, mech, (CKK)V3.CKK.EC_EDWARDS, o, [A(CKA.CKA_EC_PARAMS, curve.EcParams), .. Usage(CKA.CKA_VERIFY)], Usage(CKA.CKA_SIGN));
            }
            case "x25519":
            case "x448":
            {
                var curve = CfrgCurve.Parse(type);
                var mech = Need(V3.CKM.EC_MONTGOMERY_KEY_PAIR_GEN);
                return Pair(s, mech, (CKK)V3.CKK.EC_MONTGOMERY, o, [A(CKA.CKA_EC_PARAMS, curve.EcParams)], Usage(CKA.CKA_DERIVE));
            }
            case "dsa":
            {
                var mech = Need((ulong)CKM.CKM_DSA_KEY_PAIR_GEN);
                var bits = o.Bits ?? 2048;
                if (bits is < 512 or > 3072 || bits % 64 != 0) throw new UsageException("dsa --bits: 1024, 2048 or 3072");
                var (p, q, g) = mechanisms.Contains((ulong)CKM.CKM_DSA_PARAMETER_GEN)
                    ? DomainParametersFromToken(s, CKM.CKM_DSA_PARAMETER_GEN, CKK.CKK_DSA, bits, withSubprime: true)
                    : DsaParametersHere(bits);
                return Pair(s, mech, CKK.CKK_DSA, o,
                    [A(CKA.CKA_PRIME, p), A(CKA.CKA_SUBPRIME, q!), A(CKA.CKA_BASE, g), .. Usage(CKA.CKA_VERIFY)], Usage(CKA.CKA_SIGN));
            }
            case "dh":
            {
                var mech = Need((ulong)CKM.CKM_DH_PKCS_KEY_PAIR_GEN);
                byte[] p, g;
                if (o.Group != null)
                {
                    if (o.Bits != null) throw new UsageException("dh: give --group or --bits, not both");
                    var group = DhGroups.GetValueOrDefault(o.Group.ToLowerInvariant())
                                ?? throw new UsageException($"unknown DH group '{o.Group}' (known: {string.Join(", ", DhGroups.Keys)})");
                    (p, g) = (Unsigned(group.P), Unsigned(group.G));
                }
                else if (mechanisms.Contains((ulong)CKM.CKM_DH_PKCS_PARAMETER_GEN) && o.Bits != null)
                {
                    (p, _, g) = DomainParametersFromToken(s, CKM.CKM_DH_PKCS_PARAMETER_GEN, CKK.CKK_DH, o.Bits.Value, withSubprime: false);
                }
                else
                {
                    var bits = o.Bits ?? 2048;
                    var group = DhGroups.GetValueOrDefault("ffdhe" + bits)
                                ?? throw new UsageException($"the module has no CKM_DH_PKCS_PARAMETER_GEN: give --group, or --bits 2048, 3072, 4096, 6144 or 8192 (RFC 7919 groups)");
                    (p, g) = (Unsigned(group.P), Unsigned(group.G));
                }
                return Pair(s, mech, CKK.CKK_DH, o, [A(CKA.CKA_PRIME, p), A(CKA.CKA_BASE, g)], Usage(CKA.CKA_DERIVE));
            }
            case "ml-dsa":
            case "ml-kem":
            case "slh-dsa":
            {
                var (sets, defaultSet, ckk, mechanism) = type switch
                {
                    "ml-dsa" => (MlDsaSets, "65", V3.CKK.ML_DSA, V3.CKM.ML_DSA_KEY_PAIR_GEN),
                    "ml-kem" => (MlKemSets, "768", V3.CKK.ML_KEM, V3.CKM.ML_KEM_KEY_PAIR_GEN),
                    _ => (SlhDsaSets, "sha2-128f", V3.CKK.SLH_DSA, V3.CKM.SLH_DSA_KEY_PAIR_GEN),
                };
                var mech = Need(mechanism);
                var name = (o.ParameterSet ?? defaultSet).ToLowerInvariant();
                if (name.StartsWith(type + "-", StringComparison.Ordinal)) name = name[(type.Length + 1)..];
                if (!sets.TryGetValue(name, out var set))
                    throw new UsageException($"{type} --set: {SetNames(sets)}");
                // PKCS#11 3.2 gives these mechanisms' key sizes as the range of CKP_ values the token offers.
                var info = slot.GetMechanismInfo((CKM)mech);
                bool Offered(ulong v) => info.MinKeySize == 0 && info.MaxKeySize == 0 || v >= info.MinKeySize && v <= info.MaxKeySize;
                if (!Offered(set))
                    throw new MissingMechanismException($"{type}-{name}", type,
                        $"the token does not offer the {type} parameter set {name} (it offers: {SetNames(sets, Offered)})");
                var pubUsage = type == "ml-kem" ? [] : Usage(CKA.CKA_VERIFY);
                var privUsage = type == "ml-kem" ? [] : Usage(CKA.CKA_SIGN);
                var setAttr = Ock.F.ObjectAttributeFactory.Create(V3.CKA.PARAMETER_SET, set);
                return Pair(s, mech, (CKK)ckk, o, [setAttr, .. pubUsage], privUsage);
            }
            default:
                throw new UsageException($"unknown key type {type} (known: {string.Join(", ", Types)})");
        }
    }

    /// <summary>The PKCS#11 3.0 key generation mechanism of an HMAC key type (CKM_SHA256_KEY_GEN for CKK_SHA256_HMAC …).</summary>
    private static ulong? HmacKeyGen(CKK ckk) => ckk switch
    {
        CKK.CKK_SHA_1_HMAC => V3.CKM.SHA_1_KEY_GEN,
        CKK.CKK_SHA224_HMAC => V3.CKM.SHA224_KEY_GEN,
        CKK.CKK_SHA256_HMAC => V3.CKM.SHA256_KEY_GEN,
        CKK.CKK_SHA384_HMAC => V3.CKM.SHA384_KEY_GEN,
        CKK.CKK_SHA512_HMAC => V3.CKM.SHA512_KEY_GEN,
        _ => null,
    };

    private static List<IObjectAttribute> Usage(params CKA[] types) => types.Select(t => A(t, true)).ToList();

    private static List<IObjectAttribute> Common(CKO cls, bool priv, string label, byte[]? id) =>
    [
        A(CKA.CKA_CLASS, cls), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, priv), A(CKA.CKA_LABEL, label),
        .. id != null ? [A(CKA.CKA_ID, id)] : Array.Empty<IObjectAttribute>(),
    ];

    private static List<IObjectAttribute> Secret(string label, byte[]? id, List<(CKA, bool)> flags, List<IObjectAttribute> specific) =>
        Merge([.. Common(CKO.CKO_SECRET_KEY, true, label, id), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, false), .. specific], flags);

    private static Func<string, byte[]?, List<IObjectHandle>> Pair(ISession s, ulong mech, CKK ckk, KeyGenOptions o,
        List<IObjectAttribute> pub, List<IObjectAttribute> priv) => (label, id) =>
    {
        var pubTemplate = Merge([.. Common(CKO.CKO_PUBLIC_KEY, false, label, id), A(CKA.CKA_KEY_TYPE, ckk), .. pub], o.PubFlags);
        var privTemplate = Merge([.. Common(CKO.CKO_PRIVATE_KEY, true, label, id), A(CKA.CKA_KEY_TYPE, ckk), A(CKA.CKA_SENSITIVE, true),
            A(CKA.CKA_EXTRACTABLE, false), .. priv], o.Flags);
        s.GenerateKeyPair(Ock.F.MechanismFactory.Create(mech), pubTemplate, privTemplate, out var pubH, out var privH);
        return [pubH, privH];
    };

    /// <summary>DSA or DH domain parameters made by the token (CKM_DSA_PARAMETER_GEN, CKM_DH_PKCS_PARAMETER_GEN) in a session object.</summary>
    private static (byte[] P, byte[]? Q, byte[] G) DomainParametersFromToken(ISession s, CKM mech, CKK ckk, int bits, bool withSubprime)
    {
        var h = s.GenerateKey(Ock.F.MechanismFactory.Create(mech),
        [
            A(CKA.CKA_CLASS, CKO.CKO_DOMAIN_PARAMETERS), A(CKA.CKA_KEY_TYPE, ckk), A(CKA.CKA_TOKEN, false),
            A(CKA.CKA_PRIME_BITS, (ulong)bits),
        ]);
        try
        {
            var v = s.GetAttributeValue(h, withSubprime ? [CKA.CKA_PRIME, CKA.CKA_SUBPRIME, CKA.CKA_BASE] : [CKA.CKA_PRIME, CKA.CKA_BASE]);
            return withSubprime
                ? (v[0].GetValueAsByteArray(), v[1].GetValueAsByteArray(), v[2].GetValueAsByteArray())
                : (v[0].GetValueAsByteArray(), null, v[1].GetValueAsByteArray());
        }
        finally
        {
            s.DestroyObject(h);
        }
    }

    /// <summary>DSA domain parameters made here (BouncyCastle): FIPS 186-2 for 1024 bits and less, FIPS 186-3 (N = 256, SHA-256) above.</summary>
    private static (byte[] P, byte[] Q, byte[] G) DsaParametersHere(int bits)
    {
        var random = new SecureRandom();
        DsaParametersGenerator gen;
        if (bits <= 1024)
        {
            gen = new DsaParametersGenerator();
            gen.Init(bits, 80, random);
        }
        else
        {
            gen = new DsaParametersGenerator(new Sha256Digest());
            gen.Init(new DsaParameterGenerationParameters(bits, 256, 80, random));
        }
        var p = gen.GenerateParameters();
        return (Unsigned(p.P), Unsigned(p.Q), Unsigned(p.G));
    }

    private static byte[] Unsigned(BigInteger b) => b.ToByteArrayUnsigned();
}

/// <summary>The module lacks a mechanism (or parameter set) a command needs: printed as such, exit code 2.</summary>
public sealed class MissingMechanismException(string mechanism, string what, string? message = null)
    : Exception(message ?? $"the token does not offer {mechanism}: it cannot make {what} keys (see `ock mechanisms`)")
{
    public string Mechanism { get; } = mechanism;
}
