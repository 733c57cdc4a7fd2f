using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// CKA_SEED (PKCS#11 3.2) of ML-DSA and ML-KEM private keys: a key created from its seed alone gets the private encoding
/// FIPS 204 / 203 expand from it; a seed beside a
/// value that is not its key is refused; generated keys carry the seed they came from, which is sensitive. (NIST's ACVP
/// keyGen files as stored here did not reproduce with BouncyCastle's final-FIPS key generation, so the known answers are the
/// generated pairs themselves: the seed alone must give back the same private and public key.)
/// </summary>
public sealed class PqcSeedSpec
{
    private static AttributeSet Private(ulong keyType, ulong set, params (ulong Type, byte[] Value)[] extra)
    {
        var t = Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(keyType)), (CKA.PARAMETER_SET, U(set)), (CKA.SIGN, B(true)));
        foreach (var (ty, v) in extra) t.Set(ty, v);
        return TemplateValidator.ForCreate(t);
    }

    [Theory]
    [InlineData(CKM.ML_DSA_KEY_PAIR_GEN, CKK.ML_DSA, CKP.ML_DSA_44)]
    [InlineData(CKM.ML_KEM_KEY_PAIR_GEN, CKK.ML_KEM, CKP.ML_KEM_1024)]
    public void A_key_created_from_the_seed_alone_is_the_generated_key_pair(ulong mechanism, ulong keyType, ulong set)
    {
        var (pub, produced) = Mech(mechanism).GenerateKeyPair(mechanism, null, Set((CKA.PARAMETER_SET, U(set))), Set());
        var key = Private(keyType, set, (CKA.SEED, produced[CKA.SEED]));
        Assert.Equal(produced[CKA.VALUE], key[CKA.VALUE]);
        Assert.Equal(pub[CKA.VALUE], Mechanisms.Derive.PublicFromPrivate.PublicOf(key)[CKA.VALUE]);
        var usage = keyType == CKK.ML_DSA ? Set((CKA.VERIFY, B(true))) : Set((CKA.ENCAPSULATE, B(true)));
        var pubObj = TemplateValidator.ForGenerated(usage, pub, ObjectOrigin.GenerateKeyPair, mechanism, null);
        if (keyType == CKK.ML_DSA)
        {
            var msg = S("seeded");
            var sig = Mech(CKM.ML_DSA).CreateSign(CKM.ML_DSA, null, key).OneShot(msg);
            Assert.True(Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, null, pubObj).OneShot(msg, sig));
        }
        else
        {
            var aes = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32)));
            var (ct, sent) = Mech(CKM.ML_KEM).Encapsulate(CKM.ML_KEM, null, pubObj, aes);
            Assert.Equal(sent[CKA.VALUE], Mech(CKM.ML_KEM).Decapsulate(CKM.ML_KEM, null, key, ct, aes)[CKA.VALUE]);
        }
    }

    [Fact]
    public void Seed_and_value_must_agree_and_one_of_them_is_required()
    {
        var seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var good = Private(CKK.ML_DSA, CKP.ML_DSA_44, (CKA.SEED, seed));
        Assert.Equal(2560, good[CKA.VALUE].Length);
        Assert.Equal(CKR.OK, Rv(() => Private(CKK.ML_DSA, CKP.ML_DSA_44, (CKA.SEED, seed), (CKA.VALUE, good[CKA.VALUE]))));
        var other = (byte[])seed.Clone();
        other[0] ^= 1;
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Private(CKK.ML_DSA, CKP.ML_DSA_44, (CKA.SEED, other), (CKA.VALUE, good[CKA.VALUE]))));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Private(CKK.ML_DSA, CKP.ML_DSA_44)));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => Private(CKK.ML_DSA, CKP.ML_DSA_44, (CKA.SEED, new byte[31]))));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => Private(CKK.ML_KEM, CKP.ML_KEM_768, (CKA.SEED, new byte[32]))));
        // SLH-DSA keys have no CKA_SEED.
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, Rv(() => Private(CKK.SLH_DSA, CKP.SLH_DSA_SHA2_128F, (CKA.SEED, new byte[48]))));
    }

    [Theory]
    [InlineData(CKM.ML_DSA_KEY_PAIR_GEN, CKP.ML_DSA_65, 32)]
    [InlineData(CKM.ML_KEM_KEY_PAIR_GEN, CKP.ML_KEM_768, 64)]
    public void A_generated_key_carries_its_seed_and_the_seed_gives_the_same_key(ulong mechanism, ulong set, int seedLength)
    {
        var (_, produced) = Mech(mechanism).GenerateKeyPair(mechanism, null, Set((CKA.PARAMETER_SET, U(set))), Set());
        var key = TemplateValidator.ForGenerated(Set((CKA.SENSITIVE, B(true))), produced, ObjectOrigin.GenerateKeyPair, mechanism, null);
        var seed = key[CKA.SEED];
        Assert.Equal(seedLength, seed.Length);
        var keyType = mechanism == CKM.ML_DSA_KEY_PAIR_GEN ? CKK.ML_DSA : CKK.ML_KEM;
        Assert.Equal(key[CKA.VALUE], Private(keyType, set, (CKA.SEED, seed))[CKA.VALUE]);
        // Sensitive: C_GetAttributeValue does not reveal it; and the caller may not set it at generation.
        Assert.Equal(CKR.ATTRIBUTE_SENSITIVE, TemplateValidator.Read(key, CKA.SEED).Rv);
        var otherSeed = (byte[])seed.Clone();
        otherSeed[0] ^= 1;
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => TemplateValidator.ForGenerated(Set((CKA.SEED, otherSeed)), produced, ObjectOrigin.GenerateKeyPair, mechanism, null)));
    }
}
