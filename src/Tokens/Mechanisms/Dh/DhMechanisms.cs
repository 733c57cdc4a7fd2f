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
/// Key sizes are bits of p (1024..8192). Not yet: CKM_DH_PKCS_PARAMETER_GEN and CKO_DOMAIN_PARAMETERS objects.
/// </summary>
public sealed class DhMechanisms : IMechanism
{
    private static readonly DhMechanisms Instance = new();

    public const ulong MinBits = 1024;
    public const ulong MaxBits = 8192;

    public static void Register(MechanismRegistry r)
    {
        r.Add(CKM.DH_PKCS_KEY_PAIR_GEN, new MechanismInfo(MinBits, MaxBits, CKF.GENERATE_KEY_PAIR), Instance);
        r.Add(CKM.DH_PKCS_DERIVE, new MechanismInfo(MinBits, MaxBits, CKF.DERIVE), Instance);
    }

    private static DHParameters Domain(byte[] p, byte[] g, ulong rv)
    {
        var pp = new BigInteger(1, p);
        var gg = new BigInteger(1, g);
        if (pp.BitLength is < (int)MinBits or > (int)MaxBits || !pp.TestBit(0) || gg.CompareTo(BigInteger.One) <= 0 || gg.CompareTo(pp.Subtract(BigInteger.One)) >= 0)
            throw new CkException(rv, "DH domain parameters out of range");
        return new DHParameters(pp, gg);
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
        return DerivedKey.FromMaterial(template, secret);
    }
}
