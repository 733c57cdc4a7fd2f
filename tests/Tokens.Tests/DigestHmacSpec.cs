using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>FIPS 180-4 "abc" digests, RFC 2202 / RFC 4231 HMAC vectors.</summary>
public class DigestHmacSpec
{
    [Theory]
    [InlineData(CKM.SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData(CKM.SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")]
    [InlineData(CKM.SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData(CKM.SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")]
    [InlineData(CKM.SHA512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")]
    public void Digest_of_abc(ulong mechanism, string expected)
    {
        var one = Mech(mechanism).CreateDigest(mechanism, null).OneShot(S("abc"));
        Assert.Equal(H(expected), one);
        var multi = Mech(mechanism).CreateDigest(mechanism, null);
        multi.Update(S("a"));
        multi.Update(S(""));
        multi.Update(S("bc"));
        Assert.Equal(one, multi.Final());
    }

    [Fact]
    public void Digest_rejects_a_parameter() =>
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256).CreateDigest(CKM.SHA256, [1])));

    // RFC 4231 test case 2 (key "Jefe"), RFC 2202 test case 2 for SHA-1.
    [Theory]
    [InlineData(CKM.SHA_1_HMAC, CKK.SHA_1_HMAC, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")]
    [InlineData(CKM.SHA224_HMAC, CKK.SHA224_HMAC, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44")]
    [InlineData(CKM.SHA256_HMAC, CKK.SHA256_HMAC, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData(CKM.SHA384_HMAC, CKK.GENERIC_SECRET, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649")]
    [InlineData(CKM.SHA512_HMAC, CKK.SHA512_HMAC, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void Hmac_known_answer(ulong mechanism, ulong keyType, string expected)
    {
        var key = SecretKey(keyType, S("Jefe"));
        var data = S("what do ya want for nothing?");
        var mac = Mech(mechanism).CreateSign(mechanism, null, key).OneShot(data);
        Assert.Equal(H(expected), mac);

        var multi = Mech(mechanism).CreateSign(mechanism, null, key);
        multi.Update(data[..7]);
        multi.Update(data[7..]);
        Assert.Equal(mac, multi.Final());

        Assert.True(Mech(mechanism).CreateVerify(mechanism, null, key).OneShot(data, mac));
        mac[0] ^= 1;
        Assert.False(Mech(mechanism).CreateVerify(mechanism, null, key).OneShot(data, mac));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(mechanism).CreateVerify(mechanism, null, key).OneShot(data, mac[..^1])));
    }

    [Fact]
    public void Hmac_general_truncates_rfc4231_case5()
    {
        var key = SecretKey(CKK.GENERIC_SECRET, Enumerable.Repeat((byte)0x0c, 20).ToArray());
        var mac = Mech(CKM.SHA256_HMAC_GENERAL).CreateSign(CKM.SHA256_HMAC_GENERAL, U(16), key).OneShot(S("Test With Truncation"));
        Assert.Equal(H("a3b6167473100ee06e0c796c2955552b"), mac);
        Assert.True(Mech(CKM.SHA256_HMAC_GENERAL).CreateVerify(CKM.SHA256_HMAC_GENERAL, U(16), key).OneShot(S("Test With Truncation"), mac));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256_HMAC_GENERAL).CreateSign(CKM.SHA256_HMAC_GENERAL, U(33), key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256_HMAC_GENERAL).CreateSign(CKM.SHA256_HMAC_GENERAL, null, key)));
    }

    [Fact]
    public void Hmac_rejects_a_key_of_another_type()
    {
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.SHA256_HMAC).CreateSign(CKM.SHA256_HMAC, null, SecretKey(CKK.SHA_1_HMAC, S("k")))));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.SHA256_HMAC).CreateSign(CKM.SHA256_HMAC, null, Aes(new byte[16]))));
    }

    [Fact]
    public void Generic_secret_key_gen_makes_value_len_bytes()
    {
        var produced = Mech(CKM.GENERIC_SECRET_KEY_GEN).GenerateKey(CKM.GENERIC_SECRET_KEY_GEN, null, Set((CKA.VALUE_LEN, U(48))));
        Assert.Equal(48, produced[CKA.VALUE].Length);
        Assert.Equal(CKK.GENERIC_SECRET, produced.GetULong(CKA.KEY_TYPE));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.GENERIC_SECRET_KEY_GEN).GenerateKey(CKM.GENERIC_SECRET_KEY_GEN, null, Set())));
    }

    [Fact]
    public void Default_registry_offers_the_mechanisms_with_true_infos()
    {
        ulong[] expected =
        [
            CKM.SHA_1, CKM.SHA224, CKM.SHA256, CKM.SHA384, CKM.SHA512, CKM.SHA_1_HMAC, CKM.SHA256_HMAC_GENERAL, CKM.GENERIC_SECRET_KEY_GEN,
            CKM.AES_KEY_GEN, CKM.AES_ECB, CKM.AES_CBC, CKM.AES_CBC_PAD, CKM.AES_CTR, CKM.AES_GCM, CKM.AES_KEY_WRAP, CKM.AES_KEY_WRAP_PAD,
            CKM.AES_KEY_WRAP_KWP, CKM.RSA_PKCS_KEY_PAIR_GEN, CKM.RSA_PKCS, CKM.RSA_X_509, CKM.RSA_PKCS_OAEP, CKM.RSA_PKCS_PSS,
            CKM.SHA1_RSA_PKCS, CKM.SHA512_RSA_PKCS_PSS, CKM.EC_KEY_PAIR_GEN, CKM.ECDSA, CKM.ECDSA_SHA512, CKM.ECDH1_DERIVE,
        ];
        foreach (var m in expected) Assert.True(Registry.TryGet(m, out _, out _), $"0x{m:X}");
        Assert.True(Registry.TryGet(CKM.ECDSA, out var ecdsa, out _));
        Assert.Equal(CKF.SIGN | CKF.VERIFY | CKF.MESSAGE_SIGN | CKF.MESSAGE_VERIFY | CKF.MULTI_MESSAGE | CKF.EC_F_P | CKF.EC_NAMEDCURVE | CKF.EC_UNCOMPRESS | CKF.EC_COMPRESS, ecdsa.Flags);
        Assert.Equal((160UL, 521UL), (ecdsa.MinKeySize, ecdsa.MaxKeySize));
        Assert.True(Registry.TryGet(CKM.AES_GCM, out var gcm, out _));
        Assert.Equal(new MechanismInfo(16, 32, CKF.ENCRYPT | CKF.DECRYPT | CKF.MESSAGE_ENCRYPT | CKF.MESSAGE_DECRYPT | CKF.MULTI_MESSAGE), gcm);
        foreach (var m in Registry.Types)
        {
            Registry.TryGet(m, out var info, out _);
            Assert.Equal(0UL, info.Flags & CKF.HW);
        }
    }
}
