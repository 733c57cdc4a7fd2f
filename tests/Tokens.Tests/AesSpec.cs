using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>SP 800-38A (ECB, CBC, CTR), the GCM specification's test cases, RFC 3394 and RFC 5649.</summary>
public class AesSpec
{
    private static readonly byte[] Key = H("2b7e151628aed2a6abf7158809cf4f3c");
    private static readonly byte[] Plain = H("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");

    public static TheoryData<ulong, string, string> Sp80038a => new()
    {
        { CKM.AES_ECB, "", "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4" },
        { CKM.AES_CBC, "000102030405060708090a0b0c0d0e0f", "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7" },
        { CKM.AES_CTR, "8000000000000000 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee" },
    };

    [Theory]
    [MemberData(nameof(Sp80038a))]
    public void Sp800_38a_aes128(ulong mechanism, string param, string cipher)
    {
        var p = param.Length == 0 ? null : H(param);
        var key = Aes(Key);
        var m = Mech(mechanism);
        Assert.Equal(H(cipher), m.CreateEncrypt(mechanism, p, key).OneShot(Plain));
        Assert.Equal(Plain, m.CreateDecrypt(mechanism, p, key).OneShot(H(cipher)));
        // Multi-part in odd pieces gives the same bytes.
        Assert.Equal(H(cipher), Parts(m.CreateEncrypt(mechanism, p, key), Plain, 5, 16, 1, 30));
        Assert.Equal(Plain, Parts(m.CreateDecrypt(mechanism, p, key), H(cipher), 17, 3, 40));
    }

    [Fact]
    public void Ecb_and_cbc_reject_partial_blocks()
    {
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.AES_ECB).CreateEncrypt(CKM.AES_ECB, null, Aes(Key)).OneShot(new byte[17])));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(CKM.AES_CBC).CreateDecrypt(CKM.AES_CBC, new byte[16], Aes(Key)).OneShot(new byte[15])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_CBC).CreateEncrypt(CKM.AES_CBC, new byte[8], Aes(Key))));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.AES_ECB).CreateEncrypt(CKM.AES_ECB, null, SecretKey(CKK.GENERIC_SECRET, Key))));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(64)]
    public void Cbc_pad_round_trips_and_holds_back_the_last_block(int length)
    {
        var iv = H("000102030405060708090a0b0c0d0e0f");
        var data = Plain.Concat(Plain).Take(length).ToArray();
        var m = Mech(CKM.AES_CBC_PAD);
        var c = m.CreateEncrypt(CKM.AES_CBC_PAD, iv, Aes(Key)).OneShot(data);
        Assert.Equal((length / 16 + 1) * 16, c.Length);
        // The first blocks are plain CBC (SP 800-38A).
        if (length >= 16) Assert.Equal(H("7649abac8119b246cee98e9b12e9197d"), c[..16]);
        Assert.Equal(c, Parts(m.CreateEncrypt(CKM.AES_CBC_PAD, iv, Aes(Key)), data, 7, 9));
        Assert.Equal(data, m.CreateDecrypt(CKM.AES_CBC_PAD, iv, Aes(Key)).OneShot(c));
        var dec = m.CreateDecrypt(CKM.AES_CBC_PAD, iv, Aes(Key));
        var first = dec.Update(c);
        Assert.Equal(c.Length - 16, first.Length);
        Assert.Equal(data, first.Concat(dec.Final()).ToArray());
    }

    [Fact]
    public void Cbc_pad_detects_bad_padding()
    {
        var iv = new byte[16];
        var c = Mech(CKM.AES_CBC).CreateEncrypt(CKM.AES_CBC, iv, Aes(Key)).OneShot(new byte[16]);
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => Mech(CKM.AES_CBC_PAD).CreateDecrypt(CKM.AES_CBC_PAD, iv, Aes(Key)).OneShot(c)));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(CKM.AES_CBC_PAD).CreateDecrypt(CKM.AES_CBC_PAD, iv, Aes(Key)).OneShot(c[..15])));
    }

    [Fact]
    public void Ctr_counter_wraps_within_its_bits()
    {
        // With 8 counter bits, ...ff is followed by ...00 without carrying into the nonce.
        var cb = H("000102030405060708090a0b0c0d0eff");
        var param = U(8).Concat(cb).ToArray();
        var out1 = Mech(CKM.AES_CTR).CreateEncrypt(CKM.AES_CTR, param, Aes(Key)).OneShot(new byte[32]);
        var ecb = Mech(CKM.AES_ECB).CreateEncrypt(CKM.AES_ECB, null, Aes(Key)).OneShot(H("000102030405060708090a0b0c0d0eff 000102030405060708090a0b0c0d0e00"));
        Assert.Equal(ecb, out1);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_CTR).CreateEncrypt(CKM.AES_CTR, U(0).Concat(cb).ToArray(), Aes(Key))));
    }

    public static TheoryData<string, string, string, string, string, string> GcmVectors => new()
    {
        // The Galois/Counter Mode of Operation (McGrew, Viega), test cases 3, 4 and 6 (60-byte IV: BouncyCastle path).
        {
            "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4"
        },
        {
            "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47"
        },
        {
            "feffe9928665731c6d6a8f9467308308",
            "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
            "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
            "619cc5aefffe0bfa462af43c1699d050"
        },
    };

    [Theory]
    [MemberData(nameof(GcmVectors))]
    public void Gcm_known_answer(string k, string iv, string aad, string p, string c, string tag)
    {
        var param = new GcmParams(H(iv), (ulong)H(iv).Length * 8, H(aad), 128).Encode();
        var key = Aes(H(k));
        var m = Mech(CKM.AES_GCM);
        var expected = H(c).Concat(H(tag)).ToArray();
        Assert.Equal(expected, m.CreateEncrypt(CKM.AES_GCM, param, key).OneShot(H(p)));
        Assert.Equal(expected, Parts(m.CreateEncrypt(CKM.AES_GCM, param, key), H(p), 13, 7));
        Assert.Equal(H(p), m.CreateDecrypt(CKM.AES_GCM, param, key).OneShot(expected));
        Assert.Equal(H(p), Parts(m.CreateDecrypt(CKM.AES_GCM, param, key), expected, 50, 1));
        expected[^1] ^= 1;
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => m.CreateDecrypt(CKM.AES_GCM, param, key).OneShot(expected)));
    }

    [Fact]
    public void Gcm_short_tags_and_bad_parameters()
    {
        var key = Aes(H("feffe9928665731c6d6a8f9467308308"));
        var p96 = new GcmParams(H("cafebabefacedbaddecaf888"), 96, [], 96).Encode();
        var c = Mech(CKM.AES_GCM).CreateEncrypt(CKM.AES_GCM, p96, key).OneShot(S("hello"));
        Assert.Equal(5 + 12, c.Length);
        var p64 = new GcmParams(H("cafebabefacedbaddecaf888"), 96, [], 64).Encode();
        var c64 = Mech(CKM.AES_GCM).CreateEncrypt(CKM.AES_GCM, p64, key).OneShot(S("hello"));
        Assert.Equal(c[..13], c64);
        Assert.Equal(S("hello"), Mech(CKM.AES_GCM).CreateDecrypt(CKM.AES_GCM, p64, key).OneShot(c64));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_GCM).CreateEncrypt(CKM.AES_GCM, [1, 2, 3], key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.AES_GCM).CreateEncrypt(CKM.AES_GCM, new GcmParams(new byte[12], 96, [], 136).Encode(), key)));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(CKM.AES_GCM).CreateDecrypt(CKM.AES_GCM, p96, key).OneShot(new byte[11])));
    }

    [Theory]
    // RFC 3394 §4.1 and §4.6.
    [InlineData(CKM.AES_KEY_WRAP, "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF", "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")]
    [InlineData(CKM.AES_KEY_WRAP, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F", "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")]
    // RFC 5649 §6.
    [InlineData(CKM.AES_KEY_WRAP_KWP, "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")]
    [InlineData(CKM.AES_KEY_WRAP_PAD, "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f")]
    public void Key_wrap_known_answer(ulong mechanism, string kek, string data, string wrapped)
    {
        var key = Aes(H(kek));
        var m = Mech(mechanism);
        Assert.Equal(H(wrapped), m.Wrap(mechanism, null, key, H(data)));
        Assert.Equal(H(data), m.Unwrap(mechanism, null, key, H(wrapped)));
        Assert.Equal(H(wrapped), m.CreateEncrypt(mechanism, null, key).OneShot(H(data)));
        Assert.Equal(H(data), Parts(m.CreateDecrypt(mechanism, null, key), H(wrapped), 8, 3));
        var bad = H(wrapped);
        bad[3] ^= 0x10;
        Assert.Equal(CKR.WRAPPED_KEY_INVALID, Rv(() => m.Unwrap(mechanism, null, key, bad)));
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => m.CreateDecrypt(mechanism, null, key).OneShot(bad)));
    }

    [Fact]
    public void Key_wrap_without_padding_rejects_odd_lengths()
    {
        Assert.Equal(CKR.KEY_SIZE_RANGE, Rv(() => Mech(CKM.AES_KEY_WRAP).Wrap(CKM.AES_KEY_WRAP, null, Aes(Key), new byte[20])));
        Assert.Equal(CKR.WRAPPED_KEY_LEN_RANGE, Rv(() => Mech(CKM.AES_KEY_WRAP).Unwrap(CKM.AES_KEY_WRAP, null, Aes(Key), new byte[20])));
        Assert.Equal(CKR.WRAPPING_KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.AES_KEY_WRAP).Wrap(CKM.AES_KEY_WRAP, null, SecretKey(CKK.GENERIC_SECRET, Key), new byte[16])));
    }

    [Theory]
    [InlineData(CKM.AES_ECB, null)]
    [InlineData(CKM.AES_CBC, "000102030405060708090a0b0c0d0e0f")]
    [InlineData(CKM.AES_CBC_PAD, "000102030405060708090a0b0c0d0e0f")]
    [InlineData(CKM.AES_KEY_WRAP, null)]
    [InlineData(CKM.AES_KEY_WRAP_KWP, null)]
    public void Wrapping_a_secret_key_round_trips_through_the_key_encoding(ulong mechanism, string? iv)
    {
        var kek = Aes(Key);
        var secret = SecretKey(CKK.GENERIC_SECRET, H("00112233445566778899aabbccddeeff0011223344556677"));
        var wrapped = Mech(mechanism).Wrap(mechanism, iv is null ? null : H(iv), kek, KeyEncoding.Encode(secret));
        var encoding = Mech(mechanism).Unwrap(mechanism, iv is null ? null : H(iv), kek, wrapped);
        var template = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)), (CKA.VALUE_LEN, U(24)));
        var produced = KeyEncoding.Decode(CKO.SECRET_KEY, CKK.GENERIC_SECRET, encoding, template);
        var obj = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Unwrap, mechanism, null);
        Assert.Equal(secret[CKA.VALUE], obj[CKA.VALUE]);
    }

    [Fact]
    public void Aes_key_gen_needs_a_valid_length()
    {
        var k = Mech(CKM.AES_KEY_GEN).GenerateKey(CKM.AES_KEY_GEN, null, Set((CKA.VALUE_LEN, U(24))));
        Assert.Equal(24, k[CKA.VALUE].Length);
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.AES_KEY_GEN).GenerateKey(CKM.AES_KEY_GEN, null, Set())));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => Mech(CKM.AES_KEY_GEN).GenerateKey(CKM.AES_KEY_GEN, null, Set((CKA.VALUE_LEN, U(20))))));
    }

    /// <summary>Runs a cipher over <paramref name="data"/> in pieces of the given sizes (the rest in one piece), then Final.</summary>
    internal static byte[] Parts(ICipherOperation op, byte[] data, params int[] sizes)
    {
        var output = new List<byte>();
        var at = 0;
        foreach (var s in sizes)
        {
            var n = Math.Min(s, data.Length - at);
            output.AddRange(op.Update(data.AsSpan(at, n)));
            at += n;
        }

        output.AddRange(op.Update(data.AsSpan(at)));
        output.AddRange(op.Final());
        return [.. output];
    }
}
