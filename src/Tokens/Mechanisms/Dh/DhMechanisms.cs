using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace OpenCryptokiActors.Tokens.Mechanisms.Dh;

/// <summary>
/// PKCS #3 Diffie-Hellman (PKCS#11 v3.0 §6.5): CKM_DH_PKCS_KEY_PAIR_GEN (CKA_PRIME and CKA_BASE in the public template,
/// optional CKA_VALUE_BITS in the private one) and CKM_DH_PKCS_DERIVE (the parameter is the other party's public value;
/// the shared secret g^xy mod p, left-padded to the length of p, is cut to the derived key's length). BouncyCastle.
/// CKM_DH_PKCS_PARAMETER_GEN (C_GenerateKey) makes a CKO_DOMAIN_PARAMETERS object of CKA_PRIME_BITS 1024..3072 as
/// openCryptoki (OpenSSL's DH_generate_parameters_ex with generator 2) does: a safe prime p = 2q + 1 (q prime) with
/// p ≡ 23 (mod 24), so that the generator 2 spans the subgroup of prime order q. The search is slow by nature: measured
/// here (2 loaded cores) 4–10 s for 1024 bits and 36–180 s for 2048 bits, so tests use 1024. Key sizes are bits of p (1024..8192).
/// </summary>
public sealed class DhMechanisms : IMechanism
{
    private static readonly DhMechanisms Instance = new();

    public const ulong MinBits = 1024;
    public const ulong MaxBits = 8192;

    /// <summary>The largest CKA_PRIME_BITS of CKM_DH_PKCS_PARAMETER_GEN (a safe-prime search grows with the fourth power of the size).</summary>
    public const ulong MaxParameterBits = 3072;

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.DH_PKCS_KEY_PAIR_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE_KEY_PAIR), Instance, MechanismFacts.Keys(CKK.DH));
        r.Add(CKM.DH_PKCS_DERIVE, new MechanismInfo(MinBits, MaxBits, CKF.DERIVE), Instance, MechanismFacts.Keys(CKK.DH));
        r.Add(CKM.DH_PKCS_PARAMETER_GEN, new MechanismInfo(MinBits, MaxParameterBits, CKF.GENERATE), Instance, MechanismFacts.Keys(CKK.DH));
    }

    private static DHParameters Domain(byte[] p, byte[] g, ulong rv)
    {
        var pp = new BigInteger(1, p);
        var gg = new BigInteger(1, g);
        if (pp.BitLength is < (int)MinBits or > (int)MaxBits || !pp.TestBit(0) || gg.CompareTo(BigInteger.One) <= 0 || gg.CompareTo(pp.Subtract(BigInteger.One)) >= 0)
            throw new CkException(rv, "DH domain parameters out of range");
        return new DHParameters(pp, gg);
    }

    public AttributeSet GenerateKey(ulong mechanism, byte[]? parameter, AttributeSet template)
    {
        if (mechanism != CKM.DH_PKCS_PARAMETER_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        if (template.Has(CKA.SUB_PRIME_BITS)) throw new CkException(CKR.ATTRIBUTE_TYPE_INVALID, "PKCS #3 domain parameters have no subprime");
        if (template.GetULong(CKA.CLASS) is { } cls && cls != CKO.DOMAIN_PARAMETERS) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "parameter generation makes domain parameters");
        if (template.GetULong(CKA.KEY_TYPE) is { } kt && kt != CKK.DH) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "wrong key type for this parameter generation");
        var bits = template.GetULong(CKA.PRIME_BITS) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PRIME_BITS is required");
        if (bits is < MinBits or > MaxParameterBits) throw new CkException(CKR.TEMPLATE_INCONSISTENT, $"CKA_PRIME_BITS must be {MinBits}..{MaxParameterBits}");
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.DOMAIN_PARAMETERS);
        a.SetULong(CKA.KEY_TYPE, CKK.DH);
        a.Set(CKA.PRIME, SafePrime((int)bits, new SecureRandom()).ToByteArrayUnsigned());
        a.Set(CKA.BASE, [2]);
        return a;
    }

    /// <summary>The odd primes 5..65521 that sieve safe-prime candidates (3 is taken care of by p ≡ 23 mod 24).</summary>
    private static readonly Lazy<int[]> SievePrimes = new(() =>
    {
        const int limit = 1 << 16;
        var composite = new bool[limit];
        var primes = new List<int>();
        for (var i = 2; i < limit; i++)
        {
            if (composite[i]) continue;
            if (i > 3) primes.Add(i);
            for (var j = (long)i * i; j < limit; j += i) composite[j] = true;
        }

        return primes.ToArray();
    });

    /// <summary>
    /// A random safe prime p of exactly <paramref name="bits"/> bits with p ≡ 23 (mod 24). Candidates step by 24 from a
    /// random start; a sieve drops those where p or q = (p - 1) / 2 has a factor below 2^16, a Fermat test to base 2 of q
    /// and then of p drops nearly all others, and BouncyCastle's Miller-Rabin confirms both. (BouncyCastle's own
    /// DHParametersGenerator, which searches prime q first, took 157 s for one 1024-bit group here.)
    /// </summary>
    internal static BigInteger SafePrime(int bits, SecureRandom random)
    {
        var small = SievePrimes.Value;
        var residues = new int[small.Length];
        var twentyFour = BigInteger.ValueOf(24);
        while (true)
        {
            var start = new BigInteger(bits, random).SetBit(bits - 1);
            start = start.Subtract(start.Mod(twentyFour)).Add(BigInteger.ValueOf(23));
            for (var i = 0; i < small.Length; i++) residues[i] = start.Mod(BigInteger.ValueOf(small[i])).IntValue;
            for (long step = 0; step < 1 << 20; step++)
            {
                var sieved = false;
                for (var i = 0; i < small.Length && !sieved; i++)
                {
                    var r = (residues[i] + 24 * step) % small[i];
                    sieved = r is 0 or 1; // r divides p, or p - 1 = 2q
                }

                if (sieved) continue;
                var p = start.Add(BigInteger.ValueOf(24 * step));
                if (p.BitLength != bits) break;
                var q = p.ShiftRight(1);
                if (!BigInteger.Two.ModPow(q.Subtract(BigInteger.One), q).Equals(BigInteger.One)) continue;
                if (!BigInteger.Two.ModPow(p.Subtract(BigInteger.One), p).Equals(BigInteger.One)) continue;
                if (q.IsProbablePrime(100) && p.IsProbablePrime(100)) return p;
            }
        }
    }

    public (AttributeSet Public, AttributeSet Private) GenerateKeyPair(ulong mechanism, byte[]? parameter, AttributeSet publicTemplate, AttributeSet privateTemplate)
    {
        if (mechanism != CKM.DH_PKCS_KEY_PAIR_GEN) throw new CkException(CKR.MECHANISM_INVALID);
        Check.NoParameter(parameter);
        var p = publicTemplate.Get(CKA.PRIME) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_PRIME is required");
        var g = publicTemplate.Get(CKA.BASE) ?? throw new CkException(CKR.TEMPLATE_INCOMPLETE, "CKA_BASE is required");
        var domain = Domain(p, g, CKR.TEMPLATE_INCONSISTENT);
        var bits = privateTemplate.GetULong(CKA.VALUE_BITS) ?? 0;
        if (bits != 0 && (bits < 160 || bits >= (ulong)domain.P.BitLength)) throw new CkException(CKR.TEMPLATE_INCONSISTENT, "CKA_VALUE_BITS out of range");
        if (bits != 0) domain = new DHParameters(domain.P, domain.G, null, (int)bits);
        var gen = new DHKeyPairGenerator();
        gen.Init(new DHKeyGenerationParameters(new SecureRandom(), domain));
        var pair = gen.GenerateKeyPair();
        var pub = Make(CKO.PUBLIC_KEY, p, g, ((DHPublicKeyParameters)pair.Public).Y.ToByteArrayUnsigned());
        var x = ((DHPrivateKeyParameters)pair.Private).X;
        var priv = Make(CKO.PRIVATE_KEY, p, g, x.ToByteArrayUnsigned());
        priv.SetULong(CKA.VALUE_BITS, (ulong)x.BitLength);
        return (pub, priv);
    }

    private static AttributeSet Make(ulong cls, byte[] p, byte[] g, byte[] value)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, cls);
        a.SetULong(CKA.KEY_TYPE, CKK.DH);
        a.Set(CKA.PRIME, (byte[])p.Clone());
        a.Set(CKA.BASE, (byte[])g.Clone());
        a.Set(CKA.VALUE, value);
        return a;
    }

    public AttributeSet Derive(ulong mechanism, byte[]? parameter, AttributeSet baseKey, AttributeSet template)
    {
        if (mechanism != CKM.DH_PKCS_DERIVE) throw new CkException(CKR.MECHANISM_INVALID);
        if (baseKey.GetULong(CKA.CLASS) != CKO.PRIVATE_KEY || baseKey.GetULong(CKA.KEY_TYPE) != CKK.DH) throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "DH private key expected");
        var domain = Domain(baseKey.Get(CKA.PRIME) ?? [], baseKey.Get(CKA.BASE) ?? [], CKR.KEY_SIZE_RANGE);
        if (parameter is not { Length: > 0 }) throw new CkException(CKR.MECHANISM_PARAM_INVALID, "the other party's public value is required");
        var y = new BigInteger(1, parameter);
        if (y.CompareTo(BigInteger.One) <= 0 || y.CompareTo(domain.P.Subtract(BigInteger.One)) >= 0)
            throw new CkException(CKR.MECHANISM_PARAM_INVALID, "public value out of range");
        var x = new BigInteger(1, baseKey.Get(CKA.VALUE) ?? throw new CkException(CKR.KEY_TYPE_INCONSISTENT, "DH key without value"));
        var agreement = new DHBasicAgreement();
        agreement.Init(new DHPrivateKeyParameters(x, domain));
        var z = agreement.CalculateAgreement(new DHPublicKeyParameters(y, domain)).ToByteArrayUnsigned();
        var len = (domain.P.BitLength + 7) / 8;
        var secret = new byte[len];
        z.CopyTo(secret, len - z.Length);
        // PKCS#11 (PKCS #3 Diffie-Hellman key derivation): a shorter key is Z truncated by removing bytes from its
        // leading end, so it keeps Z's trailing bytes (as SoftHSM2 does, and as our ECDH with CKD_NULL does).
        var (keyType, length) = DerivedKey.Shape(template, len, len);
        return DerivedKey.Make(keyType, secret[^length..]);
    }
}
