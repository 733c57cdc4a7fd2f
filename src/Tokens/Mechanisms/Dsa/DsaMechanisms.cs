using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Dsa;

/// <summary>
/// DSA (PKCS#11 v3.0 §6.2, FIPS 186-4): CKM_DSA_KEY_PAIR_GEN (domain parameters CKA_PRIME/SUBPRIME/BASE in the public
/// template), CKM_DSA (the input is the hash, truncated to the bit length of q) and CKM_DSA_SHA1/224/256/384/512.
/// Signatures are r || s, each as long as q. CKM_DSA_PARAMETER_GEN (C_GenerateKey) makes a CKO_DOMAIN_PARAMETERS object
/// of CKA_PRIME_BITS 1024, 2048 or 3072 (FIPS 186-4 A.1.1.2/A.2.3 with SHA-256; q of CKA_SUB_PRIME_BITS, by default 160,
/// 256, 256). BouncyCastle. Key sizes are bits of p (1024..3072).
/// </summary>
public sealed class DsaMechanisms : IMechanism
{
    private static readonly DsaMechanisms Instance = new();

    public const ulong MinBits = 1024;
    public const ulong MaxBits = 3072;

    private static readonly (ulong Mechanism, string Digest)[] Hashed =
    [
        (CKM.DSA_SHA1, "SHA-1"), (CKM.DSA_SHA224, "SHA-224"), (CKM.DSA_SHA256, "SHA-256"), (CKM.DSA_SHA384, "SHA-384"), (CKM.DSA_SHA512, "SHA-512"),
    ];

    public static IEnumerable<ulong> SignMechanisms => Hashed.Select(h => h.Mechanism).Append(CKM.DSA);

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.DSA_KEY_PAIR_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.DSA));
        r.Add(CKM.DSA_PARAMETER_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.DSA));
        foreach (var m in SignMechanisms) r.Add(m, new MechanismInfo(MinBits, MaxBits, CKF.SIGN | CKF.VERIFY), Instance, MechanismFacts.Keys(CKK.DSA));
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        if (mechanism != CKM.DSA_PARAMETER_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var domain = GenerateDomain(template, CKK.DSA);
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.DOMAIN_PARAMETERS);
        a.SetULong(CKA.KEY_TYPE, CKK.DSA);
        a.Set(CKA.PRIME, domain.P.ToByteArrayUnsigned());
        a.Set(CKA.SUBPRIME, domain.Q.ToByteArrayUnsigned());
        a.Set(CKA.BASE, domain.G.ToByteArrayUnsigned());
        return a;
    }

    /// <summary>
    /// FIPS 186-4 domain parameters for a parameter generation template: CKA_PRIME_BITS L (1024, 2048 or 3072) and
    /// CKA_SUB_PRIME_BITS N (a FIPS 186-4 pair with L). The template's class and key type must be those of the mechanism.
    /// </summary>
    internal static DsaParameters GenerateDomain(AttributeSet template, ulong keyType)
    {
        if (template.GetULong(CKA.CLASS) is { } cls && cls != CKO.DOMAIN_PARAMETERS) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "parameter generation makes domain parameters");
        if (template.GetULong(CKA.KEY_TYPE) is { } kt && kt != keyType) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "wrong key type for this parameter generation");
        var l = template.GetULong(CKA.PRIME_BITS) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PRIME_BITS is required");
        var n = template.GetULong(CKA.SUB_PRIME_BITS) ?? (l == 1024 ? 160UL : 256UL);
        if (l is not (1024 or 2048 or 3072)) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_PRIME_BITS must be 1024, 2048 or 3072");
        if ((l, n) is not ((1024, 160) or (2048, 224) or (2048, 256) or (3072, 256)))
            throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_SUB_PRIME_BITS is not a FIPS 186-4 size for CKA_PRIME_BITS");
        var gen = new DsaParametersGenerator(new Org.BouncyCastle.Crypto.Digests.Sha256Digest());
        gen.Init(new DsaParameterGenerationParameters((int)l, (int)n, 80, new SecureRandom()));
        return gen.GenerateParameters();
    }

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        if (mechanism != CKM.DSA_KEY_PAIR_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var p = publicTemplate.Get(CKA.PRIME) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PRIME is required");
        var q = publicTemplate.Get(CKA.SUBPRIME) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_SUBPRIME is required");
        var g = publicTemplate.Get(CKA.BASE) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_BASE is required");
        var domain = Domain(p, q, g, CKR.TEMPLATE_INCONSISTENT);
        var gen = new DsaKeyPairGenerator();
        gen.Init(new DsaKeyGenerationParameters(new SecureRandom(), domain));
        var pair = gen.GenerateKeyPair();
        var pub = Make(CKO.PUBLIC_KEY, p, q, g, ((DsaPublicKeyParameters)pair.Public).Y.ToByteArrayUnsigned());
        var priv = Make(CKO.PRIVATE_KEY, p, q, g, ((DsaPrivateKeyParameters)pair.Private).X.ToByteArrayUnsigned());
        return (pub, priv);
    }

    private static AttributeSet Make(ulong cls, byte[] p, byte[] q, byte[] g, byte[] value)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, cls);
        a.SetULong(CKA.KEY_TYPE, CKK.DSA);
        a.Set(CKA.PRIME, (byte[])p.Clone());
        a.Set(CKA.SUBPRIME, (byte[])q.Clone());
        a.Set(CKA.BASE, (byte[])g.Clone());
        a.Set(CKA.VALUE, value);
        return a;
    }

    /// <summary>Checks the domain sizes of FIPS 186-4 (L, N) = (1024, 160), (2048, 224), (2048, 256), (3072, 256).</summary>
    private static DsaParameters Domain(byte[] p, byte[] q, byte[] g, ulong rv)
    {
        var pp = new BigInteger(1, p);
        var qq = new BigInteger(1, q);
        var gg = new BigInteger(1, g);
        var ok = (pp.BitLength, qq.BitLength) is (1024, 160) or (2048, 224) or (2048, 256) or (3072, 256);
        if (!ok || gg.CompareTo(BigInteger.One) <= 0 || gg.CompareTo(pp) >= 0) throw new CkException(rv, "DSA domain parameters out of range");
        return new DsaParameters(pp, qq, gg);
    }

    public ISignOperation CreateSign(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, CKO.PRIVATE_KEY);

    public IVerifyOperation CreateVerify(ulong mechanism, byte[]? parameter, AttributeSet key) => Create(mechanism, parameter, key, CKO.PUBLIC_KEY);

    private static SignOperation Create(ulong mechanism, byte[]? parameter, AttributeSet key, ulong cls)
    {
        string? digest = null;
        if (mechanism != CKM.DSA)
            digest = Hashed.Where(h => h.Mechanism == mechanism).Select(h => h.Digest).FirstOrDefault() ?? throw new CkException(CKR.MECHANISM_INVALID);
        if (key.GetULong(CKA.CLASS) != cls || key.GetULong(CKA.KEY_TYPE) != CKK.DSA) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "DSA key expected");
        Check.NoParameter(parameter);
        var domain = Domain(key.Get(CKA.PRIME) ?? [], key.Get(CKA.SUBPRIME) ?? [], key.Get(CKA.BASE) ?? [], CKR.KEY_SIZE_RANGE);
        var value = new BigInteger(1, key.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "DSA key without value"));
        var n = (domain.Q.BitLength + 7) / 8;
        byte[] Hash(byte[] data) => digest is null ? data : DigestUtilities.CalculateDigest(digest, data);

        if (cls == CKO.PRIVATE_KEY)
        {
            var sk = new DsaPrivateKeyParameters(value, domain);
            return new SignOperation(new RawAccumulator(), data =>
            {
                var signer = new DsaSigner();
                signer.Init(true, new ParametersWithRandom(sk, new SecureRandom()));
                var rs = signer.GenerateSignature(Hash(data));
                var r = rs[0].ToByteArrayUnsigned();
                var s = rs[1].ToByteArrayUnsigned();
                var sig = new byte[2 * n];
                r.CopyTo(sig, n - r.Length);
                s.CopyTo(sig, (2 * n) - s.Length);
                return sig;
            }, null, 2 * n);
        }

        var pk = new DsaPublicKeyParameters(value, domain);
        return new SignOperation(new RawAccumulator(), null, (data, signature) =>
        {
            var signer = new DsaSigner();
            signer.Init(false, pk);
            return signer.VerifySignature(Hash(data), new BigInteger(1, signature, 0, n), new BigInteger(1, signature, n, n));
        }, 2 * n);
    }
}
