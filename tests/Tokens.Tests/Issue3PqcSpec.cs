using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms.Pqc;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Parameters;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// ML-DSA (FIPS 204): a key pair from a fixed seed whose public key and a signature of "abc" were made by Python
/// cryptography 48 (OpenSSL's ML-DSA), tests/testdata/issue3-vectors.txt; our verify accepts that signature, and our
/// signatures verify.
/// </summary>
public class Issue3PqcSpec
{
    private static (AttributeSet Public, AttributeSet Private) FromSeed()
    {
        var sk = MLDsaPrivateKeyParameters.FromSeed(MLDsaParameters.ml_dsa_44, V3["mldsa44_seed"])
            .WithPreferredFormat(MLDsaPrivateKeyParameters.Format.EncodingOnly);
        var pub = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.ML_DSA)),
            (CKA.PARAMETER_SET, U(CKP.ML_DSA_44)), (CKA.VALUE, sk.GetPublicKeyEncoded()), (CKA.VERIFY, B(true))));
        var priv = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.ML_DSA)),
            (CKA.PARAMETER_SET, U(CKP.ML_DSA_44)), (CKA.VALUE, sk.GetEncoded()), (CKA.SIGN, B(true))));
        return (pub, priv);
    }

    [Fact]
    public void Ml_dsa_44_cross_checked_with_openssl()
    {
        var (pub, priv) = FromSeed();
        Assert.Equal(V3["mldsa44_pk_sha256"], SHA256.HashData(pub.Get(CKA.VALUE)!));
        var sig = V3["mldsa44_sig_abc"];
        Assert.True(Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pub).OneShot(S("abc"), sig));
        Assert.False(Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pub).OneShot(S("abd"), sig));

        var ours = Mech(CKM.ML_DSA).CreateSign(CKM.ML_DSA, null, priv).OneShot(S("abc"));
        Assert.Equal(2420, ours.Length);
        var v = Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pub);
        v.Update(S("a"));
        v.Update(S("bc"));
        Assert.True(v.Final(ours));

        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pub).OneShot(S("abc"), sig[..100])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.ML_DSA).CreateSign(CKM.ML_DSA, new byte[24], priv)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.ML_DSA).CreateSign(CKM.ML_DSA, null, pub)));
        Assert.Equal([CKK.ML_DSA], KeyTypes(CKM.ML_DSA));
        Assert.Equal(CKP.ML_DSA_44, KeyUsage.KeySize(pub));
    }

    [Theory]
    [InlineData(CKP.ML_DSA_44, 1312, 2420)]
    [InlineData(CKP.ML_DSA_65, 1952, 3309)]
    [InlineData(CKP.ML_DSA_87, 2592, 4627)]
    public void Ml_dsa_key_generation_and_round_trip(ulong set, int pkLength, int sigLength)
    {
        var (pub, priv) = Mech(CKM.ML_DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_DSA_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(set))), new AttributeSet());
        Assert.Equal(pkLength, pub.Get(CKA.VALUE)!.Length);
        Assert.Equal(set, priv.GetULong(CKA.PARAMETER_SET));
        var sig = Mech(CKM.ML_DSA).CreateSign(CKM.ML_DSA, null, priv).OneShot(S("message"));
        Assert.Equal(sigLength, sig.Length);
        Assert.True(Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pub).OneShot(S("message"), sig));
        sig[10] ^= 1;
        Assert.False(Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pub).OneShot(S("message"), sig));
    }

    [Fact]
    public void Ml_dsa_template_errors()
    {
        var m = Mech(CKM.ML_DSA_KEY_PAIR_GEN);
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => m.GenerateKeyPair(CKM.ML_DSA_KEY_PAIR_GEN, null, new AttributeSet(), new AttributeSet())));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => m.GenerateKeyPair(CKM.ML_DSA_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(4))), new AttributeSet())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.GenerateKeyPair(CKM.ML_DSA_KEY_PAIR_GEN, [1], Set((CKA.PARAMETER_SET, U(1))), new AttributeSet())));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.ML_DSA)),
            (CKA.PARAMETER_SET, U(9)), (CKA.VALUE, new byte[1312])))));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.ML_DSA)),
            (CKA.VALUE, new byte[1312])))));
    }

    [Theory]
    [InlineData(CKP.ML_KEM_768, "mlkem768_pk_sha256")]
    [InlineData(CKP.ML_KEM_1024, "mlkem1024_pk_sha256")]
    public void Ml_kem_keys_from_seed_match_openssl(ulong set, string vector)
    {
        // The library's FIPS 203 key generation, cross-checked with OpenSSL through Python cryptography.
        var p = Mechanisms.Pqc.SlhDsaMlKemMechanisms.KemParametersOf(set)!;
        var dk = MLKemPrivateKeyParameters.FromSeed(p, V3["mlkem_seed"]);
        Assert.Equal(V3[vector], SHA256.HashData(dk.GetPublicKeyEncoded()));
    }

    [Theory]
    [InlineData(CKP.ML_KEM_512, 800, 1632)]
    [InlineData(CKP.ML_KEM_768, 1184, 2400)]
    [InlineData(CKP.ML_KEM_1024, 1568, 3168)]
    public void Ml_kem_key_generation(ulong set, int ekLength, int dkLength)
    {
        var (pub, priv) = Mech(CKM.ML_KEM_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_KEM_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(set))), new AttributeSet());
        Assert.Equal(CKK.ML_KEM, pub.GetULong(CKA.KEY_TYPE));
        var ek = pub.Get(CKA.VALUE)!;
        var dk = priv.Get(CKA.VALUE)!;
        Assert.Equal(ekLength, ek.Length);
        Assert.Equal(dkLength, dk.Length);

        // FIPS 203 §7.1: dk = dk_PKE || ek || H(ek) || z.
        var k = (ekLength - 32) / 384;
        Assert.Equal(ek, dk[(384 * k)..(384 * k + ekLength)]);
        Assert.Equal(SHA3_256.HashData(ek), dk[(384 * k + ekLength)..(384 * k + ekLength + 32)]);
        TemplateValidator.ForCreate(pub);
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => Mech(CKM.ML_KEM_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_KEM_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(4))), new AttributeSet())));
    }

    [Theory]
    [InlineData(CKP.ML_KEM_512, 768)]
    [InlineData(CKP.ML_KEM_768, 1088)]
    [InlineData(CKP.ML_KEM_1024, 1568)]
    public void Ml_kem_encapsulation_round_trip(ulong set, int ciphertextLength)
    {
        var m = Mech(CKM.ML_KEM);
        var (pub, priv) = Mech(CKM.ML_KEM_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_KEM_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(set))), new AttributeSet());
        var template = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)));
        var (ct, sent) = m.Encapsulate(CKM.ML_KEM, null, pub, template);
        Assert.Equal(ciphertextLength, ct.Length);
        var received = m.Decapsulate(CKM.ML_KEM, null, priv, ct, template);
        Assert.Equal(32, sent.Get(CKA.VALUE)!.Length);
        Assert.Equal(sent.Get(CKA.VALUE), received.Get(CKA.VALUE));
        var (ct2, sent2) = m.Encapsulate(CKM.ML_KEM, null, pub, template);
        Assert.NotEqual(ct, ct2);
        Assert.NotEqual(sent.Get(CKA.VALUE), sent2.Get(CKA.VALUE));

        // FIPS 203 implicit rejection: a changed ciphertext gives another secret, not an error.
        ct[0] ^= 1;
        Assert.NotEqual(sent.Get(CKA.VALUE), m.Decapsulate(CKM.ML_KEM, null, priv, ct, template).Get(CKA.VALUE));
        var aes = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(16)));
        ct[0] ^= 1;
        Assert.Equal(sent.Get(CKA.VALUE)![..16], m.Decapsulate(CKM.ML_KEM, null, priv, ct, aes).Get(CKA.VALUE));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => m.Decapsulate(CKM.ML_KEM, null, priv, ct[1..], template)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => m.Encapsulate(CKM.ML_KEM, null, priv, template)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => m.Decapsulate(CKM.ML_KEM, null, pub, ct, template)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Encapsulate(CKM.ML_KEM, [1], pub, template)));
    }

    [Theory]
    [InlineData(CKP.SLH_DSA_SHA2_128F, 32, 17088)]
    [InlineData(CKP.SLH_DSA_SHAKE_128F, 32, 17088)]
    public void Slh_dsa_key_generation_sign_verify(ulong set, int pkLength, int sigLength)
    {
        // Round trip through BouncyCastle's FIPS 205 implementation (no independent SLH-DSA implementation here).
        var (pub, priv) = Mech(CKM.SLH_DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.SLH_DSA_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(set))), new AttributeSet());
        Assert.Equal(pkLength, pub.Get(CKA.VALUE)!.Length);
        Assert.Equal(2 * pkLength, priv.Get(CKA.VALUE)!.Length);
        Assert.Equal(pub.Get(CKA.VALUE), priv.Get(CKA.VALUE)![pkLength..]);
        var sig = Mech(CKM.SLH_DSA).CreateSign(CKM.SLH_DSA, null, priv).OneShot(S("message"));
        Assert.Equal(sigLength, sig.Length);
        Assert.True(Mech(CKM.SLH_DSA).CreateVerify(CKM.SLH_DSA, null, pub).OneShot(S("message"), sig));
        Assert.False(Mech(CKM.SLH_DSA).CreateVerify(CKM.SLH_DSA, null, pub).OneShot(S("massage"), sig));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.SLH_DSA).CreateVerify(CKM.SLH_DSA, null, pub).OneShot(S("message"), sig[..100])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SLH_DSA).CreateSign(CKM.SLH_DSA, new byte[24], priv)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.SLH_DSA).CreateVerify(CKM.SLH_DSA, null, priv)));
        Assert.Equal([CKK.SLH_DSA], KeyTypes(CKM.SLH_DSA));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => Mech(CKM.SLH_DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.SLH_DSA_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(13))), new AttributeSet())));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.SLH_DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.SLH_DSA_KEY_PAIR_GEN, null, new AttributeSet(), new AttributeSet())));
    }
}
