using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using Org.BouncyCastle.Crypto.Agreement.Kdf;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// The mechanisms openCryptoki's soft token has that this one lacked: openCryptoki's IBM SHA-3 numbers, the SP 800-56A
/// one-step KDFs of ECDH, AES key wrap with PKCS #7 padding, CKM_PUB_KEY_FROM_PRIV_KEY and, under policy.legacy, MD2,
/// RIPEMD-128/160 (with their HMACs and MD2_RSA_PKCS) and RSA keys of 512 and 768 bits. Known answers come from the
/// algorithms' own documents (FIPS 202, RFC 1319, RFC 2286, the RIPEMD paper, RFC 8032, RFC 7748) and from OpenSSL 3.0
/// (tests/testdata/openssl-vectors.txt).
/// </summary>
public sealed class ConformanceMechanismsSpec
{
    private static readonly byte[] Abc = Encoding.ASCII.GetBytes("abc");

    private static byte[] Digest(ulong mechanism, byte[] data) => Mech(mechanism).CreateDigest(mechanism, null).OneShot(data);

    private static byte[] Mac(ulong mechanism, byte[] key, byte[] data, byte[]? parameter = null) =>
        Mech(mechanism).CreateSign(mechanism, parameter, SecretKey(CKK.GENERIC_SECRET, key)).OneShot(data);

    private static readonly MechanismRegistry Legacy = Registry.ForPolicy(new MechanismPolicy { Legacy = true });

    [Theory]
    [InlineData(CKM.IBM_SHA3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf")]
    [InlineData(CKM.IBM_SHA3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")]
    [InlineData(CKM.IBM_SHA3_384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25")]
    [InlineData(CKM.IBM_SHA3_512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0")]
    public void Ibm_sha3_digests_are_sha3_fips202_abc(ulong mechanism, string expected)
    {
        Assert.Equal(H(expected), Digest(mechanism, Abc));
        Assert.True(Registry.Find(mechanism)!.Info.Flags == CKF.DIGEST);
    }

    [Fact]
    public void Ibm_sha3_hmacs_are_hmac_sha3_as_openssl_computes_it_and_take_no_parameter()
    {
        var key = Enumerable.Repeat((byte)0x0b, 20).ToArray();
        var data = Encoding.ASCII.GetBytes("Hi There");
        Assert.Equal(OpenSsl["hmac_sha3_256_hi"], Mac(CKM.IBM_SHA3_256_HMAC, key, data));
        Assert.Equal(OpenSsl["hmac_sha3_512_hi"], Mac(CKM.IBM_SHA3_512_HMAC, key, data));
        Assert.Equal(Mac(CKM.SHA3_384_HMAC, key, data), Mac(CKM.IBM_SHA3_384_HMAC, key, data));
        Assert.Equal(Mac(CKM.SHA3_224_HMAC, key, data), Mac(CKM.IBM_SHA3_224_HMAC, key, data));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mac(CKM.IBM_SHA3_256_HMAC, key, data, U(16))));
        Assert.Equal([CKK.GENERIC_SECRET, CKK.SHA3_256_HMAC], KeyTypes(CKM.IBM_SHA3_256_HMAC));
    }

    [Theory]
    [InlineData(CKD.SHA256_KDF_SP800, "sskdf_sha256")]
    [InlineData(CKD.SHA3_384_KDF_SP800, "sskdf_sha3_384")]
    [InlineData(CKD.SHA1_KDF_SP800, "sskdf_sha1")]
    public void Ecdh_with_an_sp800_kdf_matches_openssl_sskdf(ulong kdf, string vector)
    {
        var priv = KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.EC, OpenSsl["a.p8"], Set());
        priv = TemplateValidator.ForGenerated(Set(), priv, ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP_PAD, null);
        var p = new Ecdh1DeriveParams(kdf, H("0102030405"), OpenSsl["b.point"]).Encode();
        var t = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)), (CKA.VALUE_LEN, U(40)));
        Assert.Equal(OpenSsl[vector], Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, p, priv, t)[CKA.VALUE]);
        Assert.Equal(OpenSsl[vector], Mech(CKM.ECDH1_COFACTOR_DERIVE).Derive(CKM.ECDH1_COFACTOR_DERIVE, p, priv, t)[CKA.VALUE]);
    }

    [Fact]
    public void The_one_step_kdf_agrees_with_bouncycastles_concatenation_kdf_for_every_hash()
    {
        var z = OpenSsl["z"];
        var info = H("a1a2a3");
        foreach (var (h, digest) in new (HashAlg, Org.BouncyCastle.Crypto.IDigest)[]
                 {
                     (Hashes.Sha224, new Sha224Digest()), (Hashes.Sha512, new Sha512Digest()), (Hashes.Sha3_224, new Sha3Digest(224)),
                     (Hashes.Sha3_256, new Sha3Digest(256)), (Hashes.Sha3_512, new Sha3Digest(512)),
                 })
        {
            var g = new ConcatenationKdfGenerator(digest);
            g.Init(new KdfParameters(z, info));
            var expected = new byte[100];
            g.GenerateBytes(expected, 0, expected.Length);
            Assert.Equal(expected, Mechanisms.Ec.EcMechanisms.OneStepKdf(h, z, info, 100));
        }
    }

    [Fact]
    public void Aes_key_wrap_pkcs7_pads_to_the_semiblock_then_wraps_as_openssl_does()
    {
        var kek = Aes(H("000102030405060708090a0b0c0d0e0f"));
        var m = Mech(CKM.AES_KEY_WRAP_PKCS7);
        var data = H("0011223344556677");
        Assert.Equal(OpenSsl["kw_pkcs7_8"], m.CreateEncrypt(CKM.AES_KEY_WRAP_PKCS7, null, kek).OneShot(data));
        Assert.Equal(data, m.CreateDecrypt(CKM.AES_KEY_WRAP_PKCS7, null, kek).OneShot(OpenSsl["kw_pkcs7_8"]));

        // Every length from 9 to 40 bytes: RFC 3394 of the padded data (BouncyCastle's engine), and back.
        for (var n = 9; n <= 40; n++)
        {
            var x = Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray();
            var pad = 8 - n % 8;
            var engine = new Rfc3394WrapEngine(new AesEngine());
            engine.Init(true, new KeyParameter(H("000102030405060708090a0b0c0d0e0f")));
            byte[] padded = [.. x, .. Enumerable.Repeat((byte)pad, pad)];
            var wrapped = m.CreateEncrypt(CKM.AES_KEY_WRAP_PKCS7, null, kek).OneShot(x);
            Assert.Equal(engine.Wrap(padded, 0, padded.Length), wrapped);
            Assert.Equal(x, m.CreateDecrypt(CKM.AES_KEY_WRAP_PKCS7, null, kek).OneShot(wrapped));
        }

        // RFC 3394 §4.1: its key data ends in 0xFF, which is no PKCS #7 padding.
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID,
            Rv(() => m.CreateDecrypt(CKM.AES_KEY_WRAP_PKCS7, null, kek).OneShot(H("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.CreateEncrypt(CKM.AES_KEY_WRAP_PKCS7, new byte[4], kek)));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => m.CreateEncrypt(CKM.AES_KEY_WRAP_PKCS7, null, kek).OneShot(new byte[3])));
    }

    [Fact]
    public void Public_key_from_private_key_gives_the_rfc_8032_and_7748_public_keys()
    {
        var ed = Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.EC_EDWARDS)), (CKA.EC_PARAMS, CfrgCurves.Ed25519.EcParams),
            (CKA.VALUE, H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")), (CKA.SIGN, B(true)), (CKA.ID, H("0102")));
        var made = Mech(CKM.PUB_KEY_FROM_PRIV_KEY).DeriveAll(CKM.PUB_KEY_FROM_PRIV_KEY, null, ed, Set()).Objects[0];
        Assert.Equal(H("0420d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), made.Produced[CKA.EC_POINT]);
        Assert.Equal(CKO.PUBLIC_KEY, made.Produced.GetULong(CKA.CLASS));
        Assert.True(made.Template.IsTrue(CKA.VERIFY));
        Assert.Equal(H("0102"), made.Template[CKA.ID]);
        var obj = TemplateValidator.ForGenerated(made.Template, made.Produced, ObjectOrigin.Derive, CKM.PUB_KEY_FROM_PRIV_KEY, ed);
        Assert.Equal(CKK.EC_EDWARDS, obj.GetULong(CKA.KEY_TYPE));

        var x = Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.EC_MONTGOMERY)), (CKA.EC_PARAMS, CfrgCurves.X25519.EcParams),
            (CKA.VALUE, H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")));
        Assert.Equal(H("04208520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
            Mech(CKM.PUB_KEY_FROM_PRIV_KEY).Derive(CKM.PUB_KEY_FROM_PRIV_KEY, null, x, Set())[CKA.EC_POINT]);
    }

    [Theory]
    [InlineData(CKM.EC_KEY_PAIR_GEN, CKA.EC_POINT)]
    [InlineData(CKM.RSA_PKCS_KEY_PAIR_GEN, CKA.MODULUS)]
    [InlineData(CKM.ML_DSA_KEY_PAIR_GEN, CKA.VALUE)]
    [InlineData(CKM.ML_KEM_KEY_PAIR_GEN, CKA.VALUE)]
    [InlineData(CKM.SLH_DSA_KEY_PAIR_GEN, CKA.VALUE)]
    [InlineData(CKM.DSA_KEY_PAIR_GEN, CKA.VALUE)]
    public void Public_key_from_private_key_matches_the_generated_public_key(ulong generator, ulong material)
    {
        var pubT = generator switch
        {
            CKM.EC_KEY_PAIR_GEN => Set((CKA.EC_PARAMS, H("06082a8648ce3d030107"))),
            CKM.RSA_PKCS_KEY_PAIR_GEN => Set((CKA.MODULUS_BITS, U(1024)), (CKA.PUBLIC_EXPONENT, H("010001"))),
            CKM.ML_DSA_KEY_PAIR_GEN => Set((CKA.PARAMETER_SET, U(CKP.ML_DSA_44))),
            CKM.ML_KEM_KEY_PAIR_GEN => Set((CKA.PARAMETER_SET, U(CKP.ML_KEM_512))),
            CKM.SLH_DSA_KEY_PAIR_GEN => Set((CKA.PARAMETER_SET, U(CKP.SLH_DSA_SHA2_128F))),
            _ => DsaDomain(),
        };
        var (pub, priv) = Mech(generator).GenerateKeyPair(generator, null, pubT, Set());
        var privObj = TemplateValidator.ForGenerated(Set(), priv, ObjectOrigin.GenerateKeyPair, generator, null);
        var derived = Mech(CKM.PUB_KEY_FROM_PRIV_KEY).Derive(CKM.PUB_KEY_FROM_PRIV_KEY, null, privObj, Set());
        Assert.Equal(pub[material], derived[material]);
        Assert.Equal(CKO.PUBLIC_KEY, derived.GetULong(CKA.CLASS));
        // Only private keys; and the template may not ask for another class.
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.PUB_KEY_FROM_PRIV_KEY).Derive(CKM.PUB_KEY_FROM_PRIV_KEY, null, pub, Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.PUB_KEY_FROM_PRIV_KEY).Derive(CKM.PUB_KEY_FROM_PRIV_KEY, null, privObj, Set((CKA.CLASS, U(CKO.SECRET_KEY))))));
        // CKA_DERIVE of the private key is not needed (the public key's CKA_DERIVE follows it).
        Assert.Equal(CKR.OK, Rv(() => Registry.CheckKey(privObj.With(CKA.DERIVE, B(false)), CKA.DERIVE, CKM.PUB_KEY_FROM_PRIV_KEY)));
    }

    private static AttributeSet DsaDomain()
    {
        var domain = Mech(CKM.DSA_PARAMETER_GEN).GenerateKey(CKM.DSA_PARAMETER_GEN, null, Set((CKA.PRIME_BITS, U(1024))));
        return Set((CKA.PRIME, domain[CKA.PRIME]), (CKA.SUBPRIME, domain[CKA.SUBPRIME]), (CKA.BASE, domain[CKA.BASE]));
    }

    [Theory]
    [InlineData(CKM.MD2, "", "8350e5a3e24c153df2275c9f80692773")]
    [InlineData(CKM.MD2, "abc", "da853b0d3f88d99b30283a69e6ded6bb")]
    [InlineData(CKM.MD2, "message digest", "ab4f496bfb2a530b219ff33031fe06b0")]
    [InlineData(CKM.RIPEMD128, "", "cdf26213a150dc3ecb610f18f6b38b46")]
    [InlineData(CKM.RIPEMD128, "abc", "c14a12199c66e4ba84636b0f69144c77")]
    [InlineData(CKM.RIPEMD160, "", "9c1185a5c5e9fc54612808977ee8f548b2258d31")]
    [InlineData(CKM.RIPEMD160, "abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")]
    public void Legacy_digests_give_their_published_answers(ulong mechanism, string text, string expected) =>
        Assert.Equal(H(expected), Digest(mechanism, Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Legacy_hmacs_give_the_rfc_2286_answers_and_take_general_lengths()
    {
        var hi = Encoding.ASCII.GetBytes("Hi There");
        var want = Encoding.ASCII.GetBytes("what do ya want for nothing?");
        Assert.Equal(H("24cb4bd67d20fc1a5d2ed7732dcc39377f0a5668"), Mac(CKM.RIPEMD160_HMAC, Enumerable.Repeat((byte)0x0b, 20).ToArray(), hi));
        Assert.Equal(H("dda6c0213a485a9e24f4742064a7f033b43c4069"), Mac(CKM.RIPEMD160_HMAC, Encoding.ASCII.GetBytes("Jefe"), want));
        Assert.Equal(H("fbf61f9492aa4bbf81c172e84e0734db"), Mac(CKM.RIPEMD128_HMAC, Enumerable.Repeat((byte)0x0b, 16).ToArray(), hi));
        Assert.Equal(H("875f828862b6b334b427c55f9f7ff09b"), Mac(CKM.RIPEMD128_HMAC, Encoding.ASCII.GetBytes("Jefe"), want));
        Assert.Equal(H("dda6c0213a485a9e"), Mac(CKM.RIPEMD160_HMAC_GENERAL, Encoding.ASCII.GetBytes("Jefe"), want, U(8)));
        var md2 = new Org.BouncyCastle.Crypto.Macs.HMac(new MD2Digest());
        md2.Init(new KeyParameter(Encoding.ASCII.GetBytes("Jefe")));
        md2.BlockUpdate(want, 0, want.Length);
        var expected = new byte[16];
        md2.DoFinal(expected, 0);
        Assert.Equal(expected, Mac(CKM.MD2_HMAC, Encoding.ASCII.GetBytes("Jefe"), want));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mac(CKM.MD2_HMAC_GENERAL, [1, 2], want, U(17))));
    }

    [Fact]
    public void Legacy_mechanisms_are_offered_only_under_policy_legacy()
    {
        ulong[] legacy = [CKM.MD2, CKM.MD2_HMAC, CKM.MD2_HMAC_GENERAL, CKM.MD2_RSA_PKCS, CKM.RIPEMD128, CKM.RIPEMD128_HMAC,
            CKM.RIPEMD128_HMAC_GENERAL, CKM.RIPEMD160, CKM.RIPEMD160_HMAC, CKM.RIPEMD160_HMAC_GENERAL];
        var plain = Registry.ForPolicy(MechanismPolicy.None);
        foreach (var m in legacy)
        {
            Assert.True(Registry.Find(m)!.Facts.Legacy, CkNames.Mechanism(m));
            Assert.Null(plain.Find(m));
            Assert.NotNull(Legacy.Find(m));
        }

        Assert.Equal(legacy.Length, Registry.Entries.Count(e => e.Facts.Legacy));
        Assert.Equal(Registry.Types.Count - legacy.Length, plain.Types.Count);
        // A deny list still applies to them.
        Assert.Null(Registry.ForPolicy(new MechanismPolicy { Legacy = true, Deny = new HashSet<ulong> { CKM.MD2 } }).Find(CKM.MD2));
    }

    [Theory]
    [InlineData("rsa512.p8", "sig512_sha256")]
    [InlineData("rsa768.p8", "sig768_sha256")]
    public void Rsa_keys_of_512_and_768_bits_are_used_only_under_policy_legacy(string key, string signature)
    {
        var template = Set((CKA.SIGN, B(true)));
        var priv = TemplateValidator.ForGenerated(template, KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.RSA, OpenSsl[key], template),
            ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP_PAD, null);
        Assert.Equal(CKR.KEY_SIZE_RANGE, Rv(() => Registry.ForPolicy(MechanismPolicy.None).CheckKey(priv, CKA.SIGN, CKM.SHA256_RSA_PKCS)));
        Assert.Equal(CKR.OK, Rv(() => Legacy.CheckKey(priv, CKA.SIGN, CKM.SHA256_RSA_PKCS)));
        Assert.Equal(512UL, Legacy.Find(CKM.RSA_PKCS)!.Info.MinKeySize);
        Assert.Equal(1024UL, Legacy.Find(CKM.RSA_PKCS_KEY_PAIR_GEN)!.Info.MinKeySize);
        Assert.Equal(OpenSsl[signature], Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, priv).OneShot(OpenSsl["msg"]));
        // min-strength still rules: such a key is below every strength class.
        Assert.NotNull(new MechanismPolicy { Legacy = true, MinStrength = 112 }.CheckKey(priv));
    }

    [Fact]
    public void Md2_rsa_pkcs_signs_the_md2_digest_info_as_bouncycastle_does()
    {
        var template = Set((CKA.SIGN, B(true)));
        var priv = TemplateValidator.ForGenerated(template, KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.RSA, OpenSsl["rsa.p8"], template),
            ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP_PAD, null);
        var ours = Mech(CKM.MD2_RSA_PKCS).CreateSign(CKM.MD2_RSA_PKCS, null, priv).OneShot(OpenSsl["msg"]);
        var signer = new Org.BouncyCastle.Crypto.Signers.RsaDigestSigner(new MD2Digest());
        var info = (Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters)Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(OpenSsl["rsa.p8"]);
        signer.Init(true, info);
        signer.BlockUpdate(OpenSsl["msg"], 0, OpenSsl["msg"].Length);
        Assert.Equal(signer.GenerateSignature(), ours);
    }
}
