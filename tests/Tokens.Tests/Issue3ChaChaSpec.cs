using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>RFC 8439 §2.4.2 (ChaCha20), §2.5.2 (Poly1305), §2.8.2 (AEAD), A.1 #1; cross-checked with openssl enc -chacha20 / mac Poly1305.</summary>
public class Issue3ChaChaSpec
{
    private static readonly byte[] Sunscreen = S("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");

    private static readonly byte[] SunscreenChaCha = H(
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");

    private static AttributeSet ChaCha(byte[] v) => SecretKey(CKK.CHACHA20, v);

    [Fact]
    public void Rfc8439_chacha20_both_counter_layouts()
    {
        var key = ChaCha(H("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        var p96 = new ChaCha20Params(H("01000000"), 32, H("000000000000004a00000000")).Encode();
        Assert.Equal(SunscreenChaCha, Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, p96, key).OneShot(Sunscreen));
        var dec = Mech(CKM.CHACHA20).CreateDecrypt(CKM.CHACHA20, p96, key);
        Assert.Equal(Sunscreen, dec.Update(SunscreenChaCha[..70]).Concat(dec.Update(SunscreenChaCha[70..])).Concat(dec.Final()).ToArray());

        // 64-bit counter and nonce: the same 16 state bytes give the same stream.
        var p64 = new ChaCha20Params(H("0100000000000000"), 64, H("0000004a00000000")).Encode();
        Assert.Equal(SunscreenChaCha, Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, p64, key).OneShot(Sunscreen));

        // A.1 #1: all-zero key, nonce and counter.
        var zero = new ChaCha20Params(new byte[4], 32, new byte[12]).Encode();
        Assert.Equal(H("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"),
            Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, zero, ChaCha(new byte[32])).OneShot(new byte[32]));

        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, new ChaCha20Params(new byte[4], 32, new byte[8]).Encode(), key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, new ChaCha20Params(new byte[8], 64, new byte[12]).Encode(), key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, [1, 2, 3], key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, null, key)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.CHACHA20).CreateEncrypt(CKM.CHACHA20, p96, Aes(new byte[32]))));
    }

    [Fact]
    public void Rfc8439_aead()
    {
        var key = ChaCha(H("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
        var p = new ChaCha20Poly1305Params(H("070000004041424344454647"), H("50515253c0c1c2c3c4c5c6c7")).Encode();
        var expected = H("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691");
        var enc = Mech(CKM.CHACHA20_POLY1305).CreateEncrypt(CKM.CHACHA20_POLY1305, p, key);
        Assert.Empty(enc.Update(Sunscreen[..10]));
        Assert.Empty(enc.Update(Sunscreen[10..]));
        Assert.Equal(expected, enc.Final());
        Assert.Equal(Sunscreen, Mech(CKM.CHACHA20_POLY1305).CreateDecrypt(CKM.CHACHA20_POLY1305, p, key).OneShot(expected));

        var bad = (byte[])expected.Clone();
        bad[^1] ^= 1;
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => Mech(CKM.CHACHA20_POLY1305).CreateDecrypt(CKM.CHACHA20_POLY1305, p, key).OneShot(bad)));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(CKM.CHACHA20_POLY1305).CreateDecrypt(CKM.CHACHA20_POLY1305, p, key).OneShot(new byte[15])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.CHACHA20_POLY1305).CreateEncrypt(CKM.CHACHA20_POLY1305,
            new ChaCha20Poly1305Params(new byte[8], []).Encode(), key)));
    }

    [Fact]
    public void Rfc8439_poly1305()
    {
        var key = SecretKey(CKK.POLY1305, H("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"));
        var msg = S("Cryptographic Forum Research Group");
        var tag = H("a8061dc1305136c6c22b8baf0c0127a9");
        Assert.Equal(tag, Mech(CKM.POLY1305).CreateSign(CKM.POLY1305, null, key).OneShot(msg));
        var v = Mech(CKM.POLY1305).CreateVerify(CKM.POLY1305, null, key);
        v.Update(msg[..7]);
        v.Update(msg[7..]);
        Assert.True(v.Final(tag));
        Assert.False(Mech(CKM.POLY1305).CreateVerify(CKM.POLY1305, null, key).OneShot(msg, new byte[16]));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.POLY1305).CreateVerify(CKM.POLY1305, null, key).OneShot(msg, tag[..15])));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.POLY1305).CreateSign(CKM.POLY1305, null, ChaCha(new byte[32]))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.POLY1305).CreateSign(CKM.POLY1305, [0], key)));
    }

    [Fact]
    public void Key_generation()
    {
        foreach (var (m, kt) in new[] { (CKM.CHACHA20_KEY_GEN, CKK.CHACHA20), (CKM.POLY1305_KEY_GEN, CKK.POLY1305) })
        {
            var k = Mech(m).GenerateKey(m, null, new AttributeSet());
            Assert.Equal(kt, k.GetULong(CKA.KEY_TYPE));
            Assert.Equal(32, k.Get(CKA.VALUE)!.Length);
            Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(m).GenerateKey(m, null, Set((CKA.VALUE_LEN, U(16))))));
        }

        Assert.Equal([CKK.CHACHA20], KeyTypes(CKM.CHACHA20_POLY1305));
        Assert.Equal([CKK.POLY1305], KeyTypes(CKM.POLY1305));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => ChaCha(new byte[16])));
    }
}
