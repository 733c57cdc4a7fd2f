using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// CKM_DSA_PARAMETER_GEN and CKM_DH_PKCS_PARAMETER_GEN make CKO_DOMAIN_PARAMETERS objects (validated by the DSA/DH domain
/// parameter tables) whose groups key pair generation then uses; domain parameter objects (DSA, DH, EC) can be created.
/// Parameter generation is randomized: its property test checks FIPS 186-4 sizes, primality and the subgroup order.
/// </summary>
public class DomainParametersSpec
{
    private static AttributeSet Made(ulong mechanism, AttributeSet template) =>
        TemplateValidator.ForGenerated(template, Mech(mechanism).GenerateKey(mechanism, null, template), ObjectOrigin.Generate, mechanism, null);

    [Fact]
    public void Dsa_parameter_generation_makes_a_fips_186_4_group_that_key_generation_and_signatures_use()
    {
        var domain = Made(CKM.DSA_PARAMETER_GEN, Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DSA)), (CKA.PRIME_BITS, U(1024))));
        Assert.Equal(CKO.DOMAIN_PARAMETERS, domain.GetULong(CKA.CLASS));
        Assert.Equal(1024UL, domain.GetULong(CKA.PRIME_BITS));
        Assert.Equal(160UL, domain.GetULong(CKA.SUB_PRIME_BITS));
        Assert.True(domain.IsTrue(CKA.LOCAL));
        var p = new Org.BouncyCastle.Math.BigInteger(1, domain[CKA.PRIME]);
        var q = new Org.BouncyCastle.Math.BigInteger(1, domain[CKA.SUBPRIME]);
        var g = new Org.BouncyCastle.Math.BigInteger(1, domain[CKA.BASE]);
        Assert.True(p.IsProbablePrime(40) && q.IsProbablePrime(40));
        Assert.Equal(Org.BouncyCastle.Math.BigInteger.Zero, p.Subtract(Org.BouncyCastle.Math.BigInteger.One).Mod(q));
        Assert.Equal(Org.BouncyCastle.Math.BigInteger.One, g.ModPow(q, p));

        var pubTemplate = Set((CKA.PRIME, domain[CKA.PRIME]), (CKA.SUBPRIME, domain[CKA.SUBPRIME]), (CKA.BASE, domain[CKA.BASE]));
        var (pub, priv) = Mech(CKM.DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.DSA_KEY_PAIR_GEN, null, pubTemplate, Set());
        var data = S("signed with generated domain parameters");
        var signature = Mech(CKM.DSA_SHA256).CreateSign(CKM.DSA_SHA256, null, priv).OneShot(data);
        Assert.True(Mech(CKM.DSA_SHA256).CreateVerify(CKM.DSA_SHA256, null, pub).OneShot(data, signature));

        var m = Mech(CKM.DSA_PARAMETER_GEN);
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => m.GenerateKey(CKM.DSA_PARAMETER_GEN, null, Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.GenerateKey(CKM.DSA_PARAMETER_GEN, null, Set((CKA.PRIME_BITS, U(1536))))));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.GenerateKey(CKM.DSA_PARAMETER_GEN, null, Set((CKA.PRIME_BITS, U(1024)), (CKA.SUB_PRIME_BITS, U(224))))));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.GenerateKey(CKM.DSA_PARAMETER_GEN, null, Set((CKA.PRIME_BITS, U(1024)), (CKA.KEY_TYPE, U(CKK.DH))))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.GenerateKey(CKM.DSA_PARAMETER_GEN, [1], Set((CKA.PRIME_BITS, U(1024))))));
    }

    [Fact]
    public void Dh_parameter_generation_makes_a_group_whose_keys_agree_and_value_bits_is_honoured()
    {
        var domain = Made(CKM.DH_PKCS_PARAMETER_GEN, Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DH)), (CKA.PRIME_BITS, U(1024))));
        Assert.Equal(CKK.DH, domain.GetULong(CKA.KEY_TYPE));
        Assert.Equal(1024UL, domain.GetULong(CKA.PRIME_BITS));
        Assert.False(domain.Has(CKA.SUBPRIME));
        var pubTemplate = Set((CKA.PRIME, domain[CKA.PRIME]), (CKA.BASE, domain[CKA.BASE]));
        var (pubA, privA) = Mech(CKM.DH_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.DH_PKCS_KEY_PAIR_GEN, null, pubTemplate, Set((CKA.VALUE_BITS, U(256))));
        var (pubB, privB) = Mech(CKM.DH_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.DH_PKCS_KEY_PAIR_GEN, null, pubTemplate, Set());
        Assert.Equal(256UL, privA.GetULong(CKA.VALUE_BITS));
        var full = TemplateValidator.ForGenerated(Set((CKA.VALUE_BITS, U(256))), privA, ObjectOrigin.GenerateKeyPair, CKM.DH_PKCS_KEY_PAIR_GEN, null);
        Assert.Equal(256UL, full.GetULong(CKA.VALUE_BITS));
        var len = Set((CKA.VALUE_LEN, U(32)));
        var ab = Mech(CKM.DH_PKCS_DERIVE).Derive(CKM.DH_PKCS_DERIVE, pubB[CKA.VALUE], privA.With(CKA.DERIVE, B(true)), len);
        var ba = Mech(CKM.DH_PKCS_DERIVE).Derive(CKM.DH_PKCS_DERIVE, pubA[CKA.VALUE], privB.With(CKA.DERIVE, B(true)), len);
        Assert.Equal(ab[CKA.VALUE], ba[CKA.VALUE]);
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, Rv(() => Mech(CKM.DH_PKCS_PARAMETER_GEN).GenerateKey(CKM.DH_PKCS_PARAMETER_GEN, null,
            Set((CKA.PRIME_BITS, U(1024)), (CKA.SUB_PRIME_BITS, U(160))))));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => TemplateValidator.ForGenerated(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DH))),
            Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DH)), (CKA.PRIME, domain[CKA.PRIME]), (CKA.BASE, domain[CKA.BASE])),
            ObjectOrigin.Generate, CKM.DH_PKCS_PARAMETER_GEN, null)));
    }

    [Fact]
    public void Domain_parameter_objects_can_be_created_and_are_checked()
    {
        var p = H("e0a67598cd1b763bc98c8abb333e5dda0cd3aa0e5e1fb5ba8a7b4eabc10ba338fae06dd4b90fda70d7cf0cb0c638be3341bec0af8a7330a3307ded2299a0ee606df035177a239c34a912c202aa5f83b9c4a7cf0235b5316bfc6efb9a248411258b30b839af172440f32563056cb67a861158ddd90e6a894c72a5bbef9e286c6b");
        var dh = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DH)), (CKA.PRIME, p), (CKA.BASE, H("02"))));
        Assert.Equal(1024UL, dh.GetULong(CKA.PRIME_BITS));
        Assert.False(dh.IsTrue(CKA.LOCAL));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DH)),
            (CKA.PRIME, p), (CKA.BASE, H("02")), (CKA.PRIME_BITS, U(2048))))));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DSA)),
            (CKA.PRIME, p), (CKA.BASE, H("02"))))));
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.DH)),
            (CKA.PRIME, p), (CKA.BASE, H("02")), (CKA.VALUE, H("01"))))));
        var ec = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.EC)), (CKA.EC_PARAMS, H("06082A8648CE3D030107"))));
        Assert.Equal(CKK.EC, ec.GetULong(CKA.KEY_TYPE));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DOMAIN_PARAMETERS)), (CKA.KEY_TYPE, U(CKK.RSA))))));
    }
}
