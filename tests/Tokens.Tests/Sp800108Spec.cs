using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// SP 800-108 KDFs: counter mode against NIST CAVP KBKDF vectors (CounterMode.zip, CTRLOCATION=BEFORE_FIXED, as
/// reproduced in OpenSSL's evpkdf_kbkdf_counter.txt); feedback and double-pipeline modes, DKM length fields and
/// additional derived keys against BouncyCastle's independent generators; parameter errors with their CKR codes.
/// </summary>
public class Sp800108Spec
{
    private static PrfDataParam Counter(ulong bits, bool littleEndian = false) => new(Sp800108.IterationVariable, Sp800108Params.CounterFormat(littleEndian, bits));

    private static PrfDataParam Chain() => new(Sp800108.IterationVariable, []);

    private static PrfDataParam Optional(ulong bits) => new(Sp800108.OptionalCounter, Sp800108Params.CounterFormat(false, bits));

    private static PrfDataParam Bytes(byte[] b) => new(Sp800108.ByteArray, b);

    private static PrfDataParam Dkm(ulong method, ulong bits, bool littleEndian = false) => new(Sp800108.DkmLength, Sp800108Params.DkmLengthFormat(method, littleEndian, bits));

    private static byte[] P(ulong prf, params PrfDataParam[] data) => new Sp800108Params(prf, data, [], []).Encode();

    private static AttributeSet Len(int bytes) => Set((CKA.VALUE_LEN, U((ulong)bytes)));

    [Theory]
    [InlineData(CKM.AES_CMAC, 8, "dff1e50ac0b69dc40f1051d46c2b069c",
        "c16e6e02c5a3dcc8d78b9ac1306877761310455b4e41469951d9e6c2245a064b33fd8c3b01203a7824485bf0a64060c4648b707d2607935699316ea5",
        "8be8f0869b3c0ba97b71863d1b9f7813")]
    [InlineData(CKM.AES_CMAC, 8, "e91e0d06ab23a4e495bbcc430efddcaf",
        "24acb8e9227b180f2ccebea48051cbdbcd1be2bf94400d1e92945fe9b887585a295f46c469036107697813a3e12c45ae2ffde9a940f8f8c181018a93",
        "e81ef2483729d4165aaa4866c17f26496e6c6924e2fe34f608efef0c35835f86df29a1e19ce166a8")]
    [InlineData(CKM.SHA256_HMAC, 32, "e204d6d466aad507ffaf6d6dab0a5b26152c9e21e764370464e360c8fbc765c6",
        "7b03b98d9f94b899e591f3ef264b71b193fba7043c7e953cde23bc5384bc1a6293580115fae3495fd845dadbd02bd6455cf48d0f62b33e62364a3a80",
        "770dfab6a6a4a4bee0257ff335213f78d8287b4fd537d5c1fffa956910e7c779")]
    [InlineData(CKM.SHA256_HMAC, 32, "c4bedbddb66493e7c7259a3bbbc25f8c7e0ca7fe284d92d431d9cd99a0d214ac",
        "1c69c54766791e315c2cc5c47ecd3ffab87d0d273dd920e70955814c220eacace6a5946542da3dfe24ff626b4897898cafb7db83bdff3c14fa46fd4b",
        "1da47638d6c9c4d04d74d4640bbd42ab814d9e8cc22f4326695239f96b0693f12d0dd1152cf44430")]
    [InlineData(CKM.SHA384_HMAC, 8, "522a72c006a6b77911915c78952dd61848725a4b0789b2cfce3b29d947d9faa145417740c0365bd81a860a600012543b",
        "4a3cd102c4b95fe193660c4c174f02c725207449b785edb8fa8c4404f01a25bef3238637d3bae370758332c678deb578322e031ec3970876600196d2",
        "2f5d52226949aecfe6359561a5fdd87a843457019e24faacacedd34177cda6cba18cc78cc8c78cef")]
    [InlineData(CKM.SHA512_HMAC, 16, "393eb889e9c2f251b95aa147d53e4cd029fd0391110be9c6b2f8ba32857864847c448a9a591686de88da7486d0a0f0f8c927560fa8f79c30e66a7efaacaa638f",
        "116bf7f9e5eb884c86cd0d3a2b33d41de7735677e6bd727e83fbde5c8113de56bf84c9f80610db760ae2df73f4f0db9df0cc1655ea9bc98bb06beeda",
        "212e4e4057a6871e166e7563205833bc7f01e86c724b6a61166d9311c55b5044")]
    public void Cavp_counter_mode(ulong prf, ulong r, string key, string fixedInput, string output)
    {
        var baseKey = SecretKey(prf == CKM.AES_CMAC ? CKK.AES : CKK.GENERIC_SECRET, H(key));
        var k = Mech(CKM.SP800_108_COUNTER_KDF).Derive(CKM.SP800_108_COUNTER_KDF, P(prf, Counter(r), Bytes(H(fixedInput))), baseKey, Len(H(output).Length));
        Assert.Equal(H(output), k[CKA.VALUE]);
        Assert.Equal(CKO.SECRET_KEY, k.GetULong(CKA.CLASS));
    }

    [Fact]
    public void Counter_mode_with_label_context_and_length_agrees_with_bouncycastle_and_little_endian_counters_differ()
    {
        var key = SecretKey(CKK.GENERIC_SECRET, H("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
        var label = S("label");
        var context = S("context");
        // [i]32 || label || 0x00 || context || [L]32: BouncyCastle takes the suffix as fixed input after the counter.
        var p = P(CKM.SHA256_HMAC, Counter(32), Bytes(label), Bytes([0]), Bytes(context), Dkm(Sp800108.DkmLengthSumOfKeys, 32));
        var ours = Mech(CKM.SP800_108_COUNTER_KDF).Derive(CKM.SP800_108_COUNTER_KDF, p, key, Len(80))[CKA.VALUE];
        var gen = new KdfCounterBytesGenerator(new HMac(new Sha256Digest()));
        gen.Init(new KdfCounterParameters(key[CKA.VALUE], [], [.. label, 0, .. context, 0, 0, 0x02, 0x80], 32));
        var expected = new byte[80];
        gen.GenerateBytes(expected, 0, 80);
        Assert.Equal(expected, ours);

        // A little-endian 16-bit counter: the first block is HMAC(key, 01 00 || data).
        var le = Mech(CKM.SP800_108_COUNTER_KDF).Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(16, true), Bytes(label)), key, Len(32))[CKA.VALUE];
        Assert.Equal(HMACSHA256.HashData(key[CKA.VALUE], (byte[])[1, 0, .. label]), le);
    }

    [Fact]
    public void Feedback_mode_agrees_with_bouncycastle()
    {
        var key = SecretKey(CKK.GENERIC_SECRET, H("c0ffee00112233445566778899aabbccddeeff"));
        var iv = H("0f0e0d0c0b0a09080706050403020100");
        var fixedInput = S("feedback fixed input");
        var withCounter = new Sp800108Params(CKM.SHA384_HMAC, [Chain(), Optional(32), Bytes(fixedInput)], iv, []).Encode();
        var ours = Mech(CKM.SP800_108_FEEDBACK_KDF).Derive(CKM.SP800_108_FEEDBACK_KDF, withCounter, key, Len(100))[CKA.VALUE];
        Assert.Equal(Bouncy(new KdfFeedbackBytesGenerator(new HMac(new Sha384Digest())), KdfFeedbackParameters.CreateWithCounter(key[CKA.VALUE], iv, fixedInput, 32), 100), ours);

        var noCounter = new Sp800108Params(CKM.SHA384_HMAC, [Chain(), Bytes(fixedInput)], iv, []).Encode();
        ours = Mech(CKM.SP800_108_FEEDBACK_KDF).Derive(CKM.SP800_108_FEEDBACK_KDF, noCounter, key, Len(100))[CKA.VALUE];
        Assert.Equal(Bouncy(new KdfFeedbackBytesGenerator(new HMac(new Sha384Digest())), KdfFeedbackParameters.CreateWithoutCounter(key[CKA.VALUE], iv, fixedInput), 100), ours);
    }

    [Fact]
    public void Double_pipeline_mode_agrees_with_bouncycastle()
    {
        var key = Aes(H("2b7e151628aed2a6abf7158809cf4f3c"));
        var fixedInput = S("double pipeline");
        var p = P(CKM.AES_CMAC, Chain(), Optional(8), Bytes(fixedInput));
        var ours = Mech(CKM.SP800_108_DOUBLE_PIPELINE_KDF).Derive(CKM.SP800_108_DOUBLE_PIPELINE_KDF, p, key, Len(40))[CKA.VALUE];
        Assert.Equal(Bouncy(new KdfDoublePipelineIterationBytesGenerator(new CMac(new Org.BouncyCastle.Crypto.Engines.AesEngine())),
            KdfDoublePipelineIterationParameters.CreateWithCounter(key[CKA.VALUE], fixedInput, 8), 40), ours);

        p = P(CKM.AES_CMAC, Chain(), Bytes(fixedInput));
        ours = Mech(CKM.SP800_108_DOUBLE_PIPELINE_KDF).Derive(CKM.SP800_108_DOUBLE_PIPELINE_KDF, p, key, Len(40))[CKA.VALUE];
        Assert.Equal(Bouncy(new KdfDoublePipelineIterationBytesGenerator(new CMac(new Org.BouncyCastle.Crypto.Engines.AesEngine())),
            KdfDoublePipelineIterationParameters.CreateWithoutCounter(key[CKA.VALUE], fixedInput), 40), ours);
    }

    [Fact]
    public void Additional_keys_take_their_own_prf_aligned_segments_and_the_dkm_length_counts_keys_or_segments()
    {
        var key = SecretKey(CKK.GENERIC_SECRET, H("7f7e7d7c7b7a79787776757473727170"));
        WireAttribute[] second = [new(CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)), new(CKA.VALUE_LEN, U(40))];
        WireAttribute[] third = [new(CKA.KEY_TYPE, U(CKK.AES)), new(CKA.VALUE_LEN, U(16))];
        foreach (var (method, bits) in new[] { (Sp800108.DkmLengthSumOfKeys, (16 + 40 + 16) * 8), (Sp800108.DkmLengthSumOfSegments, (32 + 64 + 32) * 8) })
        {
            var p = new Sp800108Params(CKM.SHA256_HMAC, [Counter(32), Bytes(S("keys")), Dkm(method, 16)], [], [second, third]).Encode();
            var made = Mech(CKM.SP800_108_COUNTER_KDF).DeriveAll(CKM.SP800_108_COUNTER_KDF, p, key, Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(16))));
            Assert.Equal(3, made.Objects.Count);
            var gen = new KdfCounterBytesGenerator(new HMac(new Sha256Digest()));
            gen.Init(new KdfCounterParameters(key[CKA.VALUE], [], [.. S("keys"), (byte)(bits >> 8), (byte)bits], 32));
            var stream = new byte[128];
            gen.GenerateBytes(stream, 0, 128);
            Assert.Equal(stream[..16], made.Objects[0].Produced[CKA.VALUE]);
            Assert.Equal(stream[32..72], made.Objects[1].Produced[CKA.VALUE]);
            Assert.Equal(stream[96..112], made.Objects[2].Produced[CKA.VALUE]);
            Assert.Equal(CKK.AES, made.Objects[2].Produced.GetULong(CKA.KEY_TYPE));
            Assert.Equal(U(16), made.Objects[2].Template[CKA.VALUE_LEN]);
        }
    }

    [Fact]
    public void Bad_parameters_are_refused_with_their_codes()
    {
        var key = SecretKey(CKK.GENERIC_SECRET, H("00112233445566778899aabbccddeeff"));
        var m = Mech(CKM.SP800_108_COUNTER_KDF);
        var len = Len(32);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, null, key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, [1, 2, 3], key, len)));
        // No iteration variable; two of them; a 12-bit counter; a 40-bit counter; an optional counter in counter mode.
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Bytes([1])), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8), Counter(8)), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(12)), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(40)), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8), Optional(8)), key, len)));
        // An unknown data type, a bad DKM method, a DKM field too narrow for L = 256.
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8), new PrfDataParam(9, [])), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8), Dkm(3, 16)), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8), Dkm(Sp800108.DkmLengthSumOfKeys, 8)), key, len)));
        // PRFs: MD5-HMAC and a non-MAC are refused; CMAC wants a key of its cipher.
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.MD5_HMAC, Counter(8)), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256, Counter(8)), key, len)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.AES_CMAC, Counter(8)), key, len)));
        // An 8-bit counter cannot count the 256 CMAC blocks of a 4096-byte key (255 blocks it can).
        var aes = Aes(H("00112233445566778899aabbccddeeff"));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.AES_CMAC, Counter(8)), aes, Len(4096))));
        Assert.Equal(4080, m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.AES_CMAC, Counter(8)), aes, Len(4080))[CKA.VALUE].Length);
        // A chaining KDF's iteration variable has no value; only the feedback KDF takes an IV.
        var f = Mech(CKM.SP800_108_FEEDBACK_KDF);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => f.Derive(CKM.SP800_108_FEEDBACK_KDF, P(CKM.SHA256_HMAC, Counter(8)), key, len)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, new Sp800108Params(CKM.SHA256_HMAC, [Counter(8)], [1], []).Encode(), key, len)));
        // The key length comes from the template; an additional key without one is refused.
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8)), key, Set())));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => m.DeriveAll(CKM.SP800_108_COUNTER_KDF,
            new Sp800108Params(CKM.SHA256_HMAC, [Counter(8)], [], [[new WireAttribute(CKA.KEY_TYPE, U(CKK.GENERIC_SECRET))]]).Encode(), key, len)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => m.Derive(CKM.SP800_108_COUNTER_KDF, P(CKM.SHA256_HMAC, Counter(8)),
            Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.EC))), len)));
    }

    private static byte[] Bouncy(IDerivationFunction generator, IDerivationParameters parameters, int length)
    {
        generator.Init(parameters);
        var output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }
}
