using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Mechanisms.Des;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// DES and TDEA: FIPS 81 appendix B (DES ECB/CBC/CFB8/CFB64/OFB64 on "Now is the time for all "), SP 800-67 rev. 1 §B.1
/// (TDEA ECB, "The qufck brown fox jump"), SP 800-38B §D.2 (TDEA CMAC examples 5–7). CBC-MAC and DES2 values
/// cross-checked with the openssl command line (enc -des-ede3-cbc).
/// </summary>
public class Issue3DesSpec
{
    private static readonly byte[] DesKey = H("0123456789abcdef");
    private static readonly byte[] Fips81Iv = H("1234567890abcdef");
    private static readonly byte[] NowIs = S("Now is the time for all ");
    private static readonly byte[] Tdea3 = H("0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123");
    private static readonly byte[] CmacKey = H("8aa83bf8cbda1062 0bc1bf19fbb6cd58 bc313d4a371ca8b5");
    private static readonly byte[] CmacMsg = H("6bc1bee22e409f96e93d7e117393172aae2d8a57");

    private static AttributeSet Des(byte[] v) => SecretKey(CKK.DES, v);

    private static AttributeSet Des2(byte[] v) => SecretKey(CKK.DES2, v);

    private static AttributeSet Des3(byte[] v) => SecretKey(CKK.DES3, v);

    [Theory]
    [InlineData(CKM.DES_CBC, "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6")]
    [InlineData(CKM.DES_OFB64, "f3096249c7f46e5135f24a242eeb3d3f3d6d5be3255af8c3")]
    [InlineData(CKM.DES_CFB64, "f3096249c7f46e51a69e839b1a92f78403467133898ea622")]
    public void Fips81_modes(ulong mechanism, string cipher)
    {
        Assert.Equal(H(cipher), Mech(mechanism).CreateEncrypt(mechanism, Fips81Iv, Des(DesKey)).OneShot(NowIs));
        var dec = Mech(mechanism).CreateDecrypt(mechanism, Fips81Iv, Des(DesKey));
        Assert.Equal(NowIs, dec.Update(H(cipher)[..5]).Concat(dec.Update(H(cipher)[5..])).Concat(dec.Final()).ToArray());
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(mechanism).CreateEncrypt(mechanism, Fips81Iv[..7], Des(DesKey))));
    }

    [Fact]
    public void Fips81_ecb_and_cfb8()
    {
        Assert.Equal(H("3fa40e8a984d4815"), Mech(CKM.DES_ECB).CreateEncrypt(CKM.DES_ECB, null, Des(DesKey)).OneShot(S("Now is t")));
        Assert.Equal(S("Now is t"), Mech(CKM.DES_ECB).CreateDecrypt(CKM.DES_ECB, null, Des(DesKey)).OneShot(H("3fa40e8a984d4815")));
        Assert.Equal(H("f31fda07011462ee187f"), Mech(CKM.DES_CFB8).CreateEncrypt(CKM.DES_CFB8, Fips81Iv, Des(DesKey)).OneShot(S("Now is the")));
        Assert.Equal(S("Now is the"), Mech(CKM.DES_CFB8).CreateDecrypt(CKM.DES_CFB8, Fips81Iv, Des(DesKey)).OneShot(H("f31fda07011462ee187f")));
    }

    [Fact]
    public void Sp800_67_tdea_ecb_and_des2()
    {
        var c = H("a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900");
        Assert.Equal(c, Mech(CKM.DES3_ECB).CreateEncrypt(CKM.DES3_ECB, null, Des3(Tdea3)).OneShot(S("The qufck brown fox jump")));
        Assert.Equal(S("The qufck brown fox jump"), Mech(CKM.DES3_ECB).CreateDecrypt(CKM.DES3_ECB, null, Des3(Tdea3)).OneShot(c));

        // A DES2 key K1 || K2 is the three-key K1 || K2 || K1.
        var k2 = Tdea3[..16];
        var expected = Mech(CKM.DES3_ECB).CreateEncrypt(CKM.DES3_ECB, null, Des3([.. k2, .. k2[..8]])).OneShot(S("0123456789abcdef"));
        Assert.Equal(H("ea86db9decb7cf19e27a8be9e63f2ef5"), Mech(CKM.DES3_CBC).CreateEncrypt(CKM.DES3_CBC, new byte[8], Des2(k2)).OneShot(S("0123456789abcdef")));
        Assert.Equal(expected, Mech(CKM.DES3_ECB).CreateEncrypt(CKM.DES3_ECB, null, Des2(k2)).OneShot(S("0123456789abcdef")));
    }

    [Fact]
    public void Cbc_pad_round_trip_and_errors()
    {
        var iv = Fips81Iv;
        foreach (var (m, key) in new[] { (CKM.DES_CBC_PAD, Des(DesKey)), (CKM.DES3_CBC_PAD, Des3(Tdea3)) })
        {
            for (var len = 0; len <= 17; len++)
            {
                var p = NowIs[..Math.Min(len, NowIs.Length)];
                var c = Mech(m).CreateEncrypt(m, iv, key).OneShot(p);
                Assert.Equal((p.Length / 8 + 1) * 8, c.Length);
                Assert.Equal(p, Mech(m).CreateDecrypt(m, iv, key).OneShot(c));
            }

            var good = Mech(m).CreateEncrypt(m, iv, key).OneShot(NowIs[..5]);
            var unpadded = m == CKM.DES_CBC_PAD ? CKM.DES_CBC : CKM.DES3_CBC;
            var zeroPad = Mech(unpadded).CreateEncrypt(unpadded, iv, key).OneShot(new byte[8]); // last byte 0: no valid padding
            Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => Mech(m).CreateDecrypt(m, iv, key).OneShot(zeroPad)));
            Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(m).CreateDecrypt(m, iv, key).OneShot(good[..7])));
        }

        Assert.Equal(H("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"), Mech(CKM.DES_CBC_PAD).CreateEncrypt(CKM.DES_CBC_PAD, iv, Des(DesKey)).OneShot(NowIs)[..24]);
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.DES3_CBC).CreateEncrypt(CKM.DES3_CBC, iv, Des3(Tdea3)).OneShot(new byte[9])));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(CKM.DES_ECB).CreateDecrypt(CKM.DES_ECB, null, Des(DesKey)).OneShot(new byte[12])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.DES3_CBC).CreateEncrypt(CKM.DES3_CBC, new byte[16], Des3(Tdea3))));
    }

    [Theory]
    [InlineData("", "b7a688e122ffaf95")]
    [InlineData("6bc1bee22e409f96", "8e8f293136283797")]
    [InlineData("6bc1bee22e409f96e93d7e117393172aae2d8a57", "743ddbe0ce2dc2ed")]
    public void Sp800_38b_tdea_cmac(string msg, string mac)
    {
        Assert.Equal(H(mac), Mech(CKM.DES3_CMAC).CreateSign(CKM.DES3_CMAC, null, Des3(CmacKey)).OneShot(H(msg)));
        Assert.True(Mech(CKM.DES3_CMAC).CreateVerify(CKM.DES3_CMAC, null, Des3(CmacKey)).OneShot(H(msg), H(mac)));
        Assert.Equal(H(mac)[..5], Mech(CKM.DES3_CMAC_GENERAL).CreateSign(CKM.DES3_CMAC_GENERAL, U(5), Des3(CmacKey)).OneShot(H(msg)));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.DES3_CMAC).CreateVerify(CKM.DES3_CMAC, null, Des3(CmacKey)).OneShot(H(msg), H(mac)[..4])));
    }

    [Fact]
    public void Tdea_cbc_mac()
    {
        Assert.Equal(H("7ae0e17e"), Mech(CKM.DES3_MAC).CreateSign(CKM.DES3_MAC, null, Des3(CmacKey)).OneShot(CmacMsg));
        var sign = Mech(CKM.DES3_MAC_GENERAL).CreateSign(CKM.DES3_MAC_GENERAL, U(8), Des3(CmacKey));
        sign.Update(CmacMsg[..3]);
        sign.Update(CmacMsg[3..]);
        Assert.Equal(H("7ae0e17e61869974"), sign.Final());
        Assert.False(Mech(CKM.DES3_MAC).CreateVerify(CKM.DES3_MAC, null, Des3(CmacKey)).OneShot(CmacMsg, H("7ae0e17f")));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.DES3_MAC_GENERAL).CreateSign(CKM.DES3_MAC_GENERAL, U(9), Des3(CmacKey))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.DES3_MAC_GENERAL).CreateSign(CKM.DES3_MAC_GENERAL, U(0), Des3(CmacKey))));
    }

    [Fact]
    public void Key_generation_sets_parity_and_avoids_weak_keys()
    {
        foreach (var (m, kt, len) in new[] { (CKM.DES_KEY_GEN, CKK.DES, 8), (CKM.DES2_KEY_GEN, CKK.DES2, 16), (CKM.DES3_KEY_GEN, CKK.DES3, 24) })
        {
            var k = Mech(m).GenerateKey(m, null, new AttributeSet());
            Assert.Equal(kt, k.GetULong(CKA.KEY_TYPE));
            var v = k.Get(CKA.VALUE)!;
            Assert.Equal(len, v.Length);
            Assert.All(v, b => Assert.Equal(1, System.Numerics.BitOperations.PopCount(b) % 2));
            Assert.True(DesMechanisms.Acceptable(v));
            Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(m).GenerateKey(m, null, Set((CKA.VALUE_LEN, U(32))))));
            Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(m).GenerateKey(m, [1], new AttributeSet())));
        }

        Assert.False(DesMechanisms.Acceptable(H("0101010101010101")));
        Assert.False(DesMechanisms.Acceptable(H("01fe01fe01fe01fe")));
        Assert.False(DesMechanisms.Acceptable(H("0123456789abcdef0123456789abcdef")));
        Assert.True(DesMechanisms.Acceptable(Tdea3));
    }

    [Fact]
    public void Key_types_and_lengths()
    {
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => SecretKey(CKK.DES3, new byte[16])));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => SecretKey(CKK.DES, new byte[7])));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.DES3_ECB).CreateEncrypt(CKM.DES3_ECB, null, Des(DesKey))));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.DES_ECB).CreateEncrypt(CKM.DES_ECB, null, Des3(Tdea3))));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.DES3_CMAC).CreateSign(CKM.DES3_CMAC, null, Aes(new byte[16]))));
        Assert.Equal(CKR.WRAPPING_KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.DES3_CBC_PAD).Wrap(CKM.DES3_CBC_PAD, new byte[8], Aes(new byte[16]), new byte[16])));
        Assert.Equal([CKK.DES], KeyTypes(CKM.DES_CBC));
        Assert.Equal([CKK.DES2, CKK.DES3], KeyTypes(CKM.DES3_CBC));

        // OFB64/CFB with a TDEA key run TDEA.
        var ofb = Mech(CKM.DES_OFB64).CreateEncrypt(CKM.DES_OFB64, Fips81Iv, Des3(Tdea3)).OneShot(NowIs);
        Assert.Equal(H("ee7ec75c1a1013019a8a610002668e0787e28af9ec26b889"), ofb);
        Assert.Equal(H("f3c0ff026c023089656fbb169def7edb30ba36075d6f0176"), Mech(CKM.DES3_CBC).CreateEncrypt(CKM.DES3_CBC, Fips81Iv, Des3(Tdea3)).OneShot(NowIs));
    }

    [Fact]
    public void Wrap_and_encrypt_data_derivations()
    {
        var wrapped = Mech(CKM.DES3_CBC).Wrap(CKM.DES3_CBC, Fips81Iv, Des3(Tdea3), H("0011223344"));
        Assert.Equal(8, wrapped.Length);
        Assert.Equal(H("0011223344000000"), Mech(CKM.DES3_CBC).Unwrap(CKM.DES3_CBC, Fips81Iv, Des3(Tdea3), wrapped));
        Assert.Equal(CKR.WRAPPED_KEY_LEN_RANGE, Rv(() => Mech(CKM.DES3_CBC_PAD).Unwrap(CKM.DES3_CBC_PAD, Fips81Iv, Des3(Tdea3), wrapped[..5])));

        var d = Mech(CKM.DES3_ECB_ENCRYPT_DATA).Derive(CKM.DES3_ECB_ENCRYPT_DATA, new KeyDerivationStringData(S("The qufck brown fox jump")).Encode(), Des3(Tdea3),
            Set((CKA.KEY_TYPE, U(CKK.DES3))));
        Assert.Equal(H("a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900"), d.Get(CKA.VALUE));
        var e = Mech(CKM.DES_CBC_ENCRYPT_DATA).Derive(CKM.DES_CBC_ENCRYPT_DATA, new AesCbcEncryptDataParams(Fips81Iv, NowIs).Encode(), Des(DesKey),
            Set((CKA.KEY_TYPE, U(CKK.GENERIC_SECRET))));
        Assert.Equal(H("e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"), e.Get(CKA.VALUE));
        var f = Mech(CKM.DES_ECB_ENCRYPT_DATA).Derive(CKM.DES_ECB_ENCRYPT_DATA, new KeyDerivationStringData(S("Now is t")).Encode(), Des(DesKey),
            Set((CKA.KEY_TYPE, U(CKK.DES))));
        Assert.Equal(H("3fa40e8a984d4815"), f.Get(CKA.VALUE));
        var g = Mech(CKM.DES3_CBC_ENCRYPT_DATA).Derive(CKM.DES3_CBC_ENCRYPT_DATA, new AesCbcEncryptDataParams(new byte[8], S("0123456789abcdef")).Encode(), Des2(Tdea3[..16]),
            Set((CKA.KEY_TYPE, U(CKK.GENERIC_SECRET))));
        Assert.Equal(H("ea86db9decb7cf19e27a8be9e63f2ef5"), g.Get(CKA.VALUE));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.DES3_CBC_ENCRYPT_DATA).Derive(CKM.DES3_CBC_ENCRYPT_DATA,
            new AesCbcEncryptDataParams(new byte[16], new byte[8]).Encode(), Des3(Tdea3), new AttributeSet())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.DES3_ECB_ENCRYPT_DATA).Derive(CKM.DES3_ECB_ENCRYPT_DATA,
            new KeyDerivationStringData(new byte[7]).Encode(), Des3(Tdea3), new AttributeSet())));
        Assert.Equal(ParamKind.DesCbcEncryptData, MechanismParams.KindOf(CKM.DES3_CBC_ENCRYPT_DATA));
    }
}
