using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>RFC 1321 / FIPS 180-4 / FIPS 202 "abc" digests and the RFC 2104-style "Jefe" HMACs of the added hashes.</summary>
public class Issue3DigestHmacSpec
{
    [Theory]
    [InlineData(CKM.MD5, "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData(CKM.SHA512_224, "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa")]
    [InlineData(CKM.SHA512_256, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")]
    [InlineData(CKM.SHA3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf")]
    [InlineData(CKM.SHA3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")]
    [InlineData(CKM.SHA3_384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25")]
    [InlineData(CKM.SHA3_512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0")]
    public void Digest_of_abc(ulong mechanism, string expected)
    {
        Assert.Equal(H(expected), Mech(mechanism).CreateDigest(mechanism, null).OneShot(S("abc")));
        var multi = Mech(mechanism).CreateDigest(mechanism, null);
        multi.Update(S("ab"));
        multi.Update(S("c"));
        Assert.Equal(H(expected), multi.Final());
    }

    [Theory]
    [InlineData(CKM.MD5_HMAC, CKM.MD5_HMAC_GENERAL, CKK.MD5_HMAC, "750c783e6ab0b503eaa86e310a5db738")]
    [InlineData(CKM.SHA512_224_HMAC, CKM.SHA512_224_HMAC_GENERAL, CKK.SHA512_224_HMAC, "4a530b31a79ebcce36916546317c45f247d83241dfb818fd37254bde")]
    [InlineData(CKM.SHA512_256_HMAC, CKM.SHA512_256_HMAC_GENERAL, CKK.SHA512_256_HMAC, "6df7b24630d5ccb2ee335407081a87188c221489768fa2020513b2d593359456")]
    [InlineData(CKM.SHA3_224_HMAC, CKM.SHA3_224_HMAC_GENERAL, CKK.SHA3_224_HMAC, "7fdb8dd88bd2f60d1b798634ad386811c2cfc85bfaf5d52bbace5e66")]
    [InlineData(CKM.SHA3_256_HMAC, CKM.SHA3_256_HMAC_GENERAL, CKK.SHA3_256_HMAC, "c7d4072e788877ae3596bbb0da73b887c9171f93095b294ae857fbe2645e1ba5")]
    [InlineData(CKM.SHA3_384_HMAC, CKM.SHA3_384_HMAC_GENERAL, CKK.SHA3_384_HMAC, "f1101f8cbf9766fd6764d2ed61903f21ca9b18f57cf3e1a23ca13508a93243ce48c045dc007f26a21b3f5e0e9df4c20a")]
    [InlineData(CKM.SHA3_512_HMAC, CKM.SHA3_512_HMAC_GENERAL, CKK.SHA3_512_HMAC, "5a4bfeab6166427c7a3647b747292b8384537cdb89afb3bf5665e4c5e709350b287baec921fd7ca0ee7a0c31d022a95e1fc92ba9d77df883960275beb4e62024")]
    public void Hmac_and_general_known_answer(ulong mac, ulong general, ulong keyType, string expected)
    {
        var data = S("what do ya want for nothing?");
        foreach (var kt in new[] { keyType, CKK.GENERIC_SECRET })
        {
            var key = SecretKey(kt, S("Jefe"));
            Assert.Equal(H(expected), Mech(mac).CreateSign(mac, null, key).OneShot(data));
            Assert.True(Mech(mac).CreateVerify(mac, null, key).OneShot(data, H(expected)));
            Assert.Equal(H(expected)[..10], Mech(general).CreateSign(general, U(10), key).OneShot(data));
        }

        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(general).CreateSign(general, U((ulong)H(expected).Length + 1), SecretKey(keyType, S("Jefe")))));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(mac).CreateSign(mac, null, SecretKey(CKK.SHA256_HMAC == keyType ? CKK.SHA384_HMAC : CKK.SHA256_HMAC, S("Jefe")))));
    }

    [Theory]
    [InlineData(CKM.SHA_1_KEY_GEN, CKK.SHA_1_HMAC)]
    [InlineData(CKM.SHA224_KEY_GEN, CKK.SHA224_HMAC)]
    [InlineData(CKM.SHA256_KEY_GEN, CKK.SHA256_HMAC)]
    [InlineData(CKM.SHA384_KEY_GEN, CKK.SHA384_HMAC)]
    [InlineData(CKM.SHA512_KEY_GEN, CKK.SHA512_HMAC)]
    [InlineData(CKM.SHA512_224_KEY_GEN, CKK.SHA512_224_HMAC)]
    [InlineData(CKM.SHA512_256_KEY_GEN, CKK.SHA512_256_HMAC)]
    [InlineData(CKM.SHA3_224_KEY_GEN, CKK.SHA3_224_HMAC)]
    [InlineData(CKM.SHA3_256_KEY_GEN, CKK.SHA3_256_HMAC)]
    [InlineData(CKM.SHA3_384_KEY_GEN, CKK.SHA3_384_HMAC)]
    [InlineData(CKM.SHA3_512_KEY_GEN, CKK.SHA3_512_HMAC)]
    public void Hmac_key_gens_make_their_key_type(ulong mechanism, ulong keyType)
    {
        var produced = Mech(mechanism).GenerateKey(mechanism, null, Set((CKA.VALUE_LEN, U(40))));
        Assert.Equal(keyType, produced.GetULong(CKA.KEY_TYPE));
        Assert.Equal(40, produced[CKA.VALUE].Length);
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(mechanism).GenerateKey(mechanism, null, Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(mechanism).GenerateKey(mechanism, null, Set((CKA.VALUE_LEN, U(16)), (CKA.KEY_TYPE, U(CKK.AES))))));
        var stored = Objects.TemplateValidator.ForGenerated(Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.VALUE_LEN, U(40))), produced, Objects.ObjectOrigin.Generate, mechanism, null);
        Assert.Equal(keyType, stored.GetULong(CKA.KEY_TYPE));
    }
}
