using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// CKM_RSA_X9_31_KEY_PAIR_GEN: X9.31 sizes (multiples of 256 bits) and exponents (odd, at least 65537); the keys sign with
/// CKM_SHA1_RSA_X9_31 and verify. Key generation is randomized, so this is a property test.
/// </summary>
public class X931KeyGenSpec
{
    [Fact]
    public void X9_31_key_pairs_have_x9_31_sizes_and_exponents_and_sign()
    {
        var m = Mech(CKM.RSA_X9_31_KEY_PAIR_GEN);
        var (pub, priv) = m.GenerateKeyPair(CKM.RSA_X9_31_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(1280)), (CKA.PUBLIC_EXPONENT, H("010001"))), Set());
        Assert.Equal(1280UL, pub.GetULong(CKA.MODULUS_BITS));
        Assert.Equal(H("010001"), pub[CKA.PUBLIC_EXPONENT]);
        var data = S("x9.31");
        var signature = Mech(CKM.SHA1_RSA_X9_31).CreateSign(CKM.SHA1_RSA_X9_31, null, priv).OneShot(data);
        Assert.True(Mech(CKM.SHA1_RSA_X9_31).CreateVerify(CKM.SHA1_RSA_X9_31, null, pub).OneShot(data, signature));

        Assert.Equal(CKR.KEY_SIZE_RANGE, Rv(() => m.GenerateKeyPair(CKM.RSA_X9_31_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(1100))), Set())));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => m.GenerateKeyPair(CKM.RSA_X9_31_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(1024)), (CKA.PUBLIC_EXPONENT, H("03"))), Set())));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => m.GenerateKeyPair(CKM.RSA_X9_31_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(1024)), (CKA.PUBLIC_EXPONENT, H("010002"))), Set())));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => m.GenerateKeyPair(CKM.RSA_X9_31_KEY_PAIR_GEN, null, Set(), Set())));
    }
}
