using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>SP 800-38A (OFB, CFB), RFC 3962 (CTS), SP 800-38C (CCM), IEEE 1619 (XTS), RFC 4493 (CMAC), CAVP GCM (GMAC).</summary>
public class Issue3AesSpec
{
    private static readonly byte[] Key = H("2b7e151628aed2a6abf7158809cf4f3c");
    private static readonly byte[] Iv = H("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Plain = H("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");

    [Theory]
    [InlineData(CKM.AES_OFB, "3b3fd92eb72dad20333449f8e83cfb4a7789508d16918f03f53c52dac54ed8259740051e9c")]
    [InlineData(CKM.AES_CFB128, "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b26751f67a3")]
    [InlineData(CKM.AES_CFB8, "3b79424c9c0dd436bace9e0ed4586a4f32b9ded50ae3ba69d472e88267fb505270cbad1e25")]
    public void Sp800_38a_feedback_modes_any_length(ulong mechanism, string cipher)
    {
        var p = Plain[..37];
        Assert.Equal(H(cipher), Mech(mechanism).CreateEncrypt(mechanism, Iv, Aes(Key)).OneShot(p));
        var dec = Mech(mechanism).CreateDecrypt(mechanism, Iv, Aes(Key));
        Assert.Equal(p, dec.Update(H(cipher)[..5]).Concat(dec.Update(H(cipher)[5..])).Concat(dec.Final()).ToArray());
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(mechanism).CreateEncrypt(mechanism, Iv[..8], Aes(Key))));
    }

    [Fact]
    public void Sp800_38a_cfb1_first_16_bits()
    {
        // F.3.1: plaintext bits 0110 1011 1100 0001 → ciphertext 0110 1000 1011 0011.
        Assert.Equal(H("68b3"), Mech(CKM.AES_CFB1).CreateEncrypt(CKM.AES_CFB1, Iv, Aes(Key)).OneShot(H("6bc1")));
        Assert.Equal(H("6bc1"), Mech(CKM.AES_CFB1).CreateDecrypt(CKM.AES_CFB1, Iv, Aes(Key)).OneShot(H("68b3")));
    }

    [Theory]
    [InlineData("4920776f756c64206c696b652074686520", "c6353568f2bf8cb4d8a580362da7ff7f97")]
    [InlineData("4920776f756c64206c696b65207468652047656e6572616c20476175277320", "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5")]
    [InlineData("4920776f756c64206c696b65207468652047656e6572616c2047617527732043", "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584")]
    public void Rfc3962_cts(string plain, string cipher)
    {
        var key = Aes(H("636869636b656e207465726979616b69"));
        Assert.Equal(H(cipher), Mech(CKM.AES_CTS).CreateEncrypt(CKM.AES_CTS, new byte[16], key).OneShot(H(plain)));
        Assert.Equal(H(plain), Mech(CKM.AES_CTS).CreateDecrypt(CKM.AES_CTS, new byte[16], key).OneShot(H(cipher)));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.AES_CTS).CreateEncrypt(CKM.AES_CTS, new byte[16], key).OneShot(new byte[15])));
    }

    [Fact]
    public void Sp800_38c_ccm_example_1()
    {
        var key = Aes(H("404142434445464748494a4b4c4d4e4f"));
        var p = new CcmParams(4, H("10111213141516"), H("0001020304050607"), 4).Encode();
        Assert.Equal(H("7162015b4dac255d"), Mech(CKM.AES_CCM).CreateEncrypt(CKM.AES_CCM, p, key).OneShot(H("20212223")));
        var pd = new CcmParams(4, H("10111213141516"), H("0001020304050607"), 4).Encode();
        Assert.Equal(H("20212223"), Mech(CKM.AES_CCM).CreateDecrypt(CKM.AES_CCM, pd, key).OneShot(H("7162015b4dac255d")));
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => Mech(CKM.AES_CCM).CreateDecrypt(CKM.AES_CCM, pd, key).OneShot(H("7162015b4dac255e"))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_CCM).CreateEncrypt(CKM.AES_CCM, new CcmParams(4, H("1011121314"), [], 4).Encode(), key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_CCM).CreateEncrypt(CKM.AES_CCM, new CcmParams(4, H("10111213141516"), [], 5).Encode(), key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_CCM).CreateEncrypt(CKM.AES_CCM, [1, 2, 3], key)));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.AES_CCM).CreateEncrypt(CKM.AES_CCM, p, key).OneShot(H("2021"))));
    }

    [Fact]
    public void Ieee1619_xts_vector_2_and_stealing()
    {
        var key = SecretKey(CKK.AES_XTS, H("1111111111111111111111111111111122222222222222222222222222222222"));
        var tweak = H("33333333330000000000000000000000");
        var plain = H("4444444444444444444444444444444444444444444444444444444444444444");
        var cipher = H("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0");
        Assert.Equal(cipher, Mech(CKM.AES_XTS).CreateEncrypt(CKM.AES_XTS, tweak, key).OneShot(plain));
        Assert.Equal(plain, Mech(CKM.AES_XTS).CreateDecrypt(CKM.AES_XTS, tweak, key).OneShot(cipher));
        // Ciphertext stealing, checked against OpenSSL's aes-128-xts.
        Assert.Equal(H("6be1180a532f22df43a7183121f90213c454185e"), Mech(CKM.AES_XTS).CreateEncrypt(CKM.AES_XTS, tweak, key).OneShot(plain[..20]));
        Assert.Equal(plain[..20], Mech(CKM.AES_XTS).CreateDecrypt(CKM.AES_XTS, tweak, key).OneShot(H("6be1180a532f22df43a7183121f90213c454185e")));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_XTS).CreateEncrypt(CKM.AES_XTS, tweak[..8], key)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.AES_XTS).CreateEncrypt(CKM.AES_XTS, tweak, Aes(H("11111111111111111111111111111111")))));
    }

    [Fact]
    public void Xts_keys_with_equal_halves_are_refused()
    {
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => SecretKey(CKK.AES_XTS, new byte[32])));
        var produced = Mech(CKM.AES_XTS_KEY_GEN).GenerateKey(CKM.AES_XTS_KEY_GEN, null, Set((CKA.VALUE_LEN, U(64))));
        Assert.Equal(CKK.AES_XTS, produced.GetULong(CKA.KEY_TYPE));
        Assert.NotEqual(produced[CKA.VALUE][..32], produced[CKA.VALUE][32..]);
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => Mech(CKM.AES_XTS_KEY_GEN).GenerateKey(CKM.AES_XTS_KEY_GEN, null, Set((CKA.VALUE_LEN, U(48))))));
    }

    [Theory]
    [InlineData(0, "bb1d6929e95937287fa37d129b756746")]
    [InlineData(16, "070a16b46b4d4144f79bdd9dd04a287c")]
    [InlineData(40, "dfa66747de9ae63030ca32611497c827")]
    public void Rfc4493_cmac(int length, string mac)
    {
        Assert.Equal(H(mac), Mech(CKM.AES_CMAC).CreateSign(CKM.AES_CMAC, null, Aes(Key)).OneShot(Plain[..length]));
        Assert.True(Mech(CKM.AES_CMAC).CreateVerify(CKM.AES_CMAC, null, Aes(Key)).OneShot(Plain[..length], H(mac)));
        Assert.Equal(H(mac)[..12], Mech(CKM.AES_CMAC_GENERAL).CreateSign(CKM.AES_CMAC_GENERAL, U(12), Aes(Key)).OneShot(Plain[..length]));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.AES_CMAC).CreateVerify(CKM.AES_CMAC, null, Aes(Key)).OneShot(Plain[..length], H(mac)[..8])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_CMAC_GENERAL).CreateSign(CKM.AES_CMAC_GENERAL, U(17), Aes(Key))));
    }

    [Fact]
    public void Cbc_mac_is_the_last_cbc_block()
    {
        // SP 800-38A F.2.1 with a zero IV: the MAC of the first block is its ECB encryption (F.1.1).
        Assert.Equal(H("3ad77bb40d7a3660"), Mech(CKM.AES_MAC).CreateSign(CKM.AES_MAC, null, Aes(Key)).OneShot(Plain[..16]));
        var cbc = Mech(CKM.AES_CBC).CreateEncrypt(CKM.AES_CBC, new byte[16], Aes(Key)).OneShot(Plain);
        Assert.Equal(cbc[^16..], Mech(CKM.AES_MAC_GENERAL).CreateSign(CKM.AES_MAC_GENERAL, U(16), Aes(Key)).OneShot(Plain));
    }

    [Fact]
    public void Cavp_gcm_tag_without_plaintext_is_gmac()
    {
        var key = Aes(H("77be63708971c4e240d1cb79e8d77feb"));
        var iv = H("e0e00f19fed7ba0136a797f3");
        Assert.Equal(H("209fcc8d3675ed938e9c7166709dd946"), Mech(CKM.AES_GMAC).CreateSign(CKM.AES_GMAC, iv, key).OneShot(H("7a43ec1d9c0a5a78a0b16533a6213cab")));
        Assert.False(Mech(CKM.AES_GMAC).CreateVerify(CKM.AES_GMAC, iv, key).OneShot(H("7a43ec1d9c0a5a78a0b16533a6213cac"), H("209fcc8d3675ed938e9c7166709dd946")));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_GMAC).CreateSign(CKM.AES_GMAC, null, key)));
    }

    [Fact]
    public void Encrypt_data_derivations_match_ecb_and_cbc()
    {
        var ecb = Mech(CKM.AES_ECB_ENCRYPT_DATA).Derive(CKM.AES_ECB_ENCRYPT_DATA, new KeyDerivationStringData(Plain[..32]).Encode(), Aes(Key),
            Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES))));
        Assert.Equal(H("3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"), ecb[CKA.VALUE]);
        var cbc = Mech(CKM.AES_CBC_ENCRYPT_DATA).Derive(CKM.AES_CBC_ENCRYPT_DATA, new AesCbcEncryptDataParams(Iv, Plain[..32]).Encode(), Aes(Key),
            Set((CKA.VALUE_LEN, U(16))));
        Assert.Equal(H("7649abac8119b246cee98e9b12e9197d"), cbc[CKA.VALUE]);
        Assert.Equal(CKK.GENERIC_SECRET, cbc.GetULong(CKA.KEY_TYPE));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_ECB_ENCRYPT_DATA).Derive(CKM.AES_ECB_ENCRYPT_DATA,
            new KeyDerivationStringData(Plain[..15]).Encode(), Aes(Key), Set())));
    }
}
