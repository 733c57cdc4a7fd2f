using System.Formats.Asn1;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// Curves, ECDSA-SHA3, ECDH with CKD_SHA3 KDFs (vectors from Python cryptography in testdata/issue3-vectors.txt),
/// RFC 8032 EdDSA, RFC 7748 X25519/X448, RSA with SHA-3 and MD5.
/// </summary>
public class Issue3AsymmetricSpec
{
    private static byte[] Der(string oid)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteObjectIdentifier(oid);
        return w.Encode();
    }

    private static AttributeSet EcPrivate(string oid, byte[] d) => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.EC)),
        (CKA.EC_PARAMS, Der(oid)), (CKA.VALUE, d), (CKA.DERIVE, B(true))));

    private static AttributeSet EcPublic(string oid, byte[] point) => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.EC)),
        (CKA.EC_PARAMS, Der(oid)), (CKA.EC_POINT, point)));

    [Theory]
    [InlineData("p192", "1.2.840.10045.3.1.1", CKM.ECDSA_SHA3_256, "sha3_256")]
    [InlineData("p224", "1.3.132.0.33", CKM.ECDSA_SHA3_224, "sha3_224")]
    [InlineData("k256", "1.3.132.0.10", CKM.ECDSA_SHA3_384, "sha3_384")]
    [InlineData("bp256r1", "1.3.36.3.3.2.8.1.1.7", CKM.ECDSA_SHA3_512, "sha3_512")]
    [InlineData("bp384r1", "1.3.36.3.3.2.8.1.1.11", CKM.ECDSA_SHA256, "sha256")]
    public void Ecdsa_verifies_foreign_signatures_with_compressed_points_and_derives(string name, string oid, ulong mechanism, string hash)
    {
        var msg = V3["msg"];
        var pub = EcPublic(oid, V3[$"ec.{name}.q_compressed"]);
        var sig = V3[$"ec.{name}.sig.{hash}"];
        Assert.True(Mech(mechanism).CreateVerify(mechanism, null, pub).OneShot(msg, sig));
        sig[^1] ^= 1;
        Assert.False(Mech(mechanism).CreateVerify(mechanism, null, pub).OneShot(msg, sig));
        var priv = EcPrivate(oid, V3[$"ec.{name}.d"]);
        var own = Mech(mechanism).CreateSign(mechanism, null, priv).OneShot(msg);
        Assert.True(Mech(mechanism).CreateVerify(mechanism, null, pub).OneShot(msg, own));

        foreach (var m in new[] { CKM.ECDH1_DERIVE, CKM.ECDH1_COFACTOR_DERIVE })
        {
            var p = new Ecdh1DeriveParams(CKD.SHA3_256_KDF, S("shared"), V3[$"ec.{name}.peer"]).Encode();
            var key = Mech(m).Derive(m, p, priv, Set((CKA.VALUE_LEN, U(32))));
            Assert.Equal(V3[$"ec.{name}.kdf_sha3_256"], key[CKA.VALUE]);
        }
    }

    [Theory]
    [InlineData("1.3.36.3.3.2.8.1.1.1")]
    [InlineData("1.3.36.3.3.2.8.1.1.2")]
    [InlineData("1.3.36.3.3.2.8.1.1.8")]
    [InlineData("1.3.36.3.3.2.8.1.1.14")]
    [InlineData("1.2.840.10045.3.1.1")]
    public void Key_pair_gen_sign_verify_on_added_curves(string oid)
    {
        var (pub, priv) = Mech(CKM.EC_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, Der(oid))), Set());
        var sig = Mech(CKM.ECDSA_SHA3_256).CreateSign(CKM.ECDSA_SHA3_256, null, priv).OneShot(S("abc"));
        Assert.True(Mech(CKM.ECDSA_SHA3_256).CreateVerify(CKM.ECDSA_SHA3_256, null, pub).OneShot(S("abc"), sig));
        Assert.Equal((ulong)EcCurves.FromParams(Der(oid)).Bits, KeyUsage.KeySize(priv));
    }

    private static AttributeSet Cfrg(ulong cls, ulong keyType, string oid, ulong attr, byte[] value) =>
        TemplateValidator.ForCreate(Set((CKA.CLASS, U(cls)), (CKA.KEY_TYPE, U(keyType)), (CKA.EC_PARAMS, Der(oid)), (attr, value)));

    [Fact]
    public void Rfc8032_ed25519_test_1_and_ph()
    {
        var priv = Cfrg(CKO.PRIVATE_KEY, CKK.EC_EDWARDS, "1.3.101.112", CKA.VALUE, H("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
        var pub = Cfrg(CKO.PUBLIC_KEY, CKK.EC_EDWARDS, "1.3.101.112", CKA.EC_POINT, H("0420d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
        var sig = H("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        Assert.Equal(sig, Mech(CKM.EDDSA).CreateSign(CKM.EDDSA, null, priv).OneShot([]));
        Assert.True(Mech(CKM.EDDSA).CreateVerify(CKM.EDDSA, null, pub).OneShot([], sig));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.EDDSA).CreateVerify(CKM.EDDSA, null, pub).OneShot([], sig[..63])));

        // RFC 8032 §7.3 Ed25519ph, message "abc".
        var phPriv = Cfrg(CKO.PRIVATE_KEY, CKK.EC_EDWARDS, "1.3.101.112", CKA.VALUE, H("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"));
        var ph = new EdDsaParams(true, []).Encode();
        Assert.Equal(H("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"),
            Mech(CKM.EDDSA).CreateSign(CKM.EDDSA, ph, phPriv).OneShot(S("abc")));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.EDDSA).CreateSign(CKM.EDDSA, null, EcPrivate("1.2.840.10045.3.1.7", new byte[31].Append((byte)1).ToArray()))));
    }

    [Fact]
    public void Rfc8032_ed448_blank_and_key_pair_gen()
    {
        var priv = Cfrg(CKO.PRIVATE_KEY, CKK.EC_EDWARDS, "1.3.101.113", CKA.VALUE,
            H("6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b"));
        Assert.Equal(V3["ed448.blank.sig"], Mech(CKM.EDDSA).CreateSign(CKM.EDDSA, null, priv).OneShot([]));
        var pub = Cfrg(CKO.PUBLIC_KEY, CKK.EC_EDWARDS, "1.3.101.113", CKA.EC_POINT, V3["ed448.blank.pub"]);
        Assert.True(Mech(CKM.EDDSA).CreateVerify(CKM.EDDSA, null, pub).OneShot([], V3["ed448.blank.sig"]));

        var (gpub, gpriv) = Mech(CKM.EC_EDWARDS_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_EDWARDS_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, Der("1.3.101.113"))), Set());
        var ctx = new EdDsaParams(false, S("context")).Encode();
        var sig = Mech(CKM.EDDSA).CreateSign(CKM.EDDSA, ctx, gpriv).OneShot(S("m"));
        Assert.True(Mech(CKM.EDDSA).CreateVerify(CKM.EDDSA, ctx, gpub).OneShot(S("m"), sig));
        Assert.False(Mech(CKM.EDDSA).CreateVerify(CKM.EDDSA, null, gpub).OneShot(S("m"), sig));
        Assert.Equal(448UL, KeyUsage.KeySize(gpriv));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.EC_EDWARDS_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_EDWARDS_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, Der("1.3.101.110"))), Set())));
    }

    [Fact]
    public void Rfc7748_x25519_and_x448_through_ecdh1_derive()
    {
        var alice = Cfrg(CKO.PRIVATE_KEY, CKK.EC_MONTGOMERY, "1.3.101.110", CKA.VALUE, H("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        var p = new Ecdh1DeriveParams(CKD.NULL, [], H("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")).Encode();
        Assert.Equal(H("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"), Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, p, alice, Set())[CKA.VALUE]);
        var alice448 = Cfrg(CKO.PRIVATE_KEY, CKK.EC_MONTGOMERY, "1.3.101.111", CKA.VALUE,
            H("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b"));
        var p448 = new Ecdh1DeriveParams(CKD.NULL, [], H("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609")).Encode();
        Assert.Equal(V3["x448.shared"], Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, p448, alice448, Set())[CKA.VALUE]);
        // A low-order peer point gives an all-zero secret: refused.
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.NULL, [], new byte[32]).Encode(), alice, Set())));

        var (pub, priv) = Mech(CKM.EC_MONTGOMERY_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_MONTGOMERY_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, Der("1.3.101.110"))), Set());
        var ab = Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.SHA256_KDF, [], pub[CKA.EC_POINT]).Encode(), alice, Set((CKA.VALUE_LEN, U(16))));
        var alicePub = H("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        var ba = Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.SHA256_KDF, [], alicePub).Encode(), priv, Set((CKA.VALUE_LEN, U(16))));
        Assert.Equal(ab[CKA.VALUE], ba[CKA.VALUE]);
    }

    private static AttributeSet RsaPrivate() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)),
        (CKA.MODULUS, V3["rsa.n"]), (CKA.PUBLIC_EXPONENT, V3["rsa.e"]), (CKA.PRIVATE_EXPONENT, V3["rsa.d"]), (CKA.PRIME_1, V3["rsa.p"]), (CKA.PRIME_2, V3["rsa.q"])));

    private static AttributeSet RsaPublic() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)),
        (CKA.MODULUS, V3["rsa.n"]), (CKA.PUBLIC_EXPONENT, V3["rsa.e"])));

    [Theory]
    [InlineData(CKM.MD5_RSA_PKCS, "md5")]
    [InlineData(CKM.SHA3_224_RSA_PKCS, "sha3_224")]
    [InlineData(CKM.SHA3_256_RSA_PKCS, "sha3_256")]
    [InlineData(CKM.SHA3_384_RSA_PKCS, "sha3_384")]
    [InlineData(CKM.SHA3_512_RSA_PKCS, "sha3_512")]
    public void Rsa_pkcs1_with_md5_and_sha3_matches_openssl(ulong mechanism, string hash)
    {
        var sig = Mech(mechanism).CreateSign(mechanism, null, RsaPrivate()).OneShot(V3["msg"]);
        Assert.Equal(V3[$"rsa.pkcs1.{hash}"], sig);
        Assert.True(Mech(mechanism).CreateVerify(mechanism, null, RsaPublic()).OneShot(V3["msg"], sig));
        Assert.Equal([CKK.RSA], KeyTypes(mechanism));
    }

    [Theory]
    [InlineData(CKM.SHA3_224_RSA_PKCS_PSS, CKM.SHA3_224, CKG.MGF1_SHA3_224, 28, "sha3_224")]
    [InlineData(CKM.SHA3_256_RSA_PKCS_PSS, CKM.SHA3_256, CKG.MGF1_SHA3_256, 32, "sha3_256")]
    [InlineData(CKM.SHA3_384_RSA_PKCS_PSS, CKM.SHA3_384, CKG.MGF1_SHA3_384, 48, "sha3_384")]
    [InlineData(CKM.SHA3_512_RSA_PKCS_PSS, CKM.SHA3_512, CKG.MGF1_SHA3_512, 64, "sha3_512")]
    public void Rsa_pss_with_sha3_verifies_openssl_signatures(ulong mechanism, ulong hash, ulong mgf, int sLen, string name)
    {
        var p = U(hash).Concat(U(mgf)).Concat(U((ulong)sLen)).ToArray();
        Assert.True(Mech(mechanism).CreateVerify(mechanism, p, RsaPublic()).OneShot(V3["msg"], V3[$"rsa.pss.{name}"]));
        var own = Mech(mechanism).CreateSign(mechanism, p, RsaPrivate()).OneShot(V3["msg"]);
        Assert.True(Mech(mechanism).CreateVerify(mechanism, p, RsaPublic()).OneShot(V3["msg"], own));
        var wrong = U(CKM.SHA256).Concat(U(mgf)).Concat(U((ulong)sLen)).ToArray();
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(mechanism).CreateSign(mechanism, wrong, RsaPrivate())));
    }

    [Fact]
    public void Rsa_oaep_with_sha3_and_a_label_round_trips()
    {
        var p = new OaepParams(CKM.SHA3_256, CKG.MGF1_SHA3_384, CKZ.DATA_SPECIFIED, S("label")).Encode();
        var c = Mech(CKM.RSA_PKCS_OAEP).CreateEncrypt(CKM.RSA_PKCS_OAEP, p, RsaPublic()).OneShot(S("secret"));
        Assert.Equal(S("secret"), Mech(CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, p, RsaPrivate()).OneShot(c));
    }

    [Fact]
    public void Sha1_rsa_x9_31_matches_openssl()
    {
        var sig = V3["rsa.x931_sha1_abc"];
        Assert.Equal(sig, Mech(CKM.SHA1_RSA_X9_31).CreateSign(CKM.SHA1_RSA_X9_31, null, RsaPrivate()).OneShot(S("abc")));
        var v = Mech(CKM.SHA1_RSA_X9_31).CreateVerify(CKM.SHA1_RSA_X9_31, null, RsaPublic());
        v.Update(S("a"));
        v.Update(S("bc"));
        Assert.True(v.Final(sig));
        Assert.False(Mech(CKM.SHA1_RSA_X9_31).CreateVerify(CKM.SHA1_RSA_X9_31, null, RsaPublic()).OneShot(S("abd"), sig));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.SHA1_RSA_X9_31).CreateVerify(CKM.SHA1_RSA_X9_31, null, RsaPublic()).OneShot(S("abc"), sig[1..])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA1_RSA_X9_31).CreateSign(CKM.SHA1_RSA_X9_31, [1], RsaPrivate())));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.SHA1_RSA_X9_31).CreateSign(CKM.SHA1_RSA_X9_31, null, RsaPublic())));
        Assert.Equal([CKK.RSA], KeyTypes(CKM.SHA1_RSA_X9_31));
    }

    [Fact]
    public void Rsa_aes_key_wrap_unwraps_an_independent_blob_and_round_trips()
    {
        var p = new RsaAesKeyWrapParams(256, new OaepParams(CKM.SHA_1, CKG.MGF1_SHA1, CKZ.DATA_SPECIFIED, [])).Encode();
        var m = Mech(CKM.RSA_AES_KEY_WRAP);
        Assert.Equal(V3["rsa.key_data"], m.Unwrap(CKM.RSA_AES_KEY_WRAP, p, RsaPrivate(), V3["rsa.aes_key_wrap"]));

        var p128 = new RsaAesKeyWrapParams(128, new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, S("label"))).Encode();
        var wrapped = m.Wrap(CKM.RSA_AES_KEY_WRAP, p128, RsaPublic(), V3["rsa.key_data"]);
        Assert.Equal(256 + 32, wrapped.Length);
        Assert.Equal(V3["rsa.key_data"], m.Unwrap(CKM.RSA_AES_KEY_WRAP, p128, RsaPrivate(), wrapped));

        var bad = (byte[])wrapped.Clone();
        bad[^1] ^= 1;
        Assert.Equal(CKR.WRAPPED_KEY_INVALID, Rv(() => m.Unwrap(CKM.RSA_AES_KEY_WRAP, p128, RsaPrivate(), bad)));
        Assert.Equal(CKR.WRAPPED_KEY_INVALID, Rv(() => m.Unwrap(CKM.RSA_AES_KEY_WRAP, p, RsaPrivate(), wrapped)));
        Assert.Equal(CKR.WRAPPED_KEY_LEN_RANGE, Rv(() => m.Unwrap(CKM.RSA_AES_KEY_WRAP, p128, RsaPrivate(), wrapped[..260])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Wrap(CKM.RSA_AES_KEY_WRAP,
            new RsaAesKeyWrapParams(100, new OaepParams(CKM.SHA_1, CKG.MGF1_SHA1, CKZ.DATA_SPECIFIED, [])).Encode(), RsaPublic(), new byte[16])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Wrap(CKM.RSA_AES_KEY_WRAP, null, RsaPublic(), new byte[16])));
        Assert.Equal(CKR.WRAPPING_KEY_TYPE_INCONSISTENT, Rv(() => m.Wrap(CKM.RSA_AES_KEY_WRAP, p, Aes(new byte[16]), new byte[16])));
    }

    private static AttributeSet DsaKey(ulong cls, string value, ulong usage) => TemplateValidator.ForCreate(Set((CKA.CLASS, U(cls)), (CKA.KEY_TYPE, U(CKK.DSA)),
        (CKA.PRIME, V3["dsa.p"]), (CKA.SUBPRIME, V3["dsa.q"]), (CKA.BASE, V3["dsa.g"]), (CKA.VALUE, V3[value]), (usage, B(true))));

    [Fact]
    public void Dsa_verifies_openssl_signatures_and_round_trips()
    {
        var pub = DsaKey(CKO.PUBLIC_KEY, "dsa.y", CKA.VERIFY);
        var priv = DsaKey(CKO.PRIVATE_KEY, "dsa.x", CKA.SIGN);
        var sig = V3["dsa.sha256_abc"];
        Assert.True(Mech(CKM.DSA_SHA256).CreateVerify(CKM.DSA_SHA256, null, pub).OneShot(S("abc"), sig));
        Assert.True(Mech(CKM.DSA).CreateVerify(CKM.DSA, null, pub).OneShot(System.Security.Cryptography.SHA256.HashData(S("abc")), sig));
        Assert.True(Mech(CKM.DSA_SHA1).CreateVerify(CKM.DSA_SHA1, null, pub).OneShot(S("abc"), V3["dsa.sha1_abc"]));
        Assert.False(Mech(CKM.DSA_SHA256).CreateVerify(CKM.DSA_SHA256, null, pub).OneShot(S("abd"), sig));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.DSA_SHA256).CreateVerify(CKM.DSA_SHA256, null, pub).OneShot(S("abc"), sig[1..])));

        foreach (var m in new[] { CKM.DSA_SHA1, CKM.DSA_SHA224, CKM.DSA_SHA256, CKM.DSA_SHA384, CKM.DSA_SHA512 })
        {
            var ours = Mech(m).CreateSign(m, null, priv).OneShot(S("message"));
            Assert.Equal(sig.Length, ours.Length);
            var v = Mech(m).CreateVerify(m, null, pub);
            v.Update(S("mess"));
            v.Update(S("age"));
            Assert.True(v.Final(ours));
        }

        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.DSA).CreateSign(CKM.DSA, [1], priv)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.DSA).CreateSign(CKM.DSA, null, pub)));
        Assert.Equal([CKK.DSA], KeyTypes(CKM.DSA_SHA384));
        Assert.Equal(2048UL, Objects.KeyUsage.KeySize(pub));

        var (gpub, gpriv) = Mech(CKM.DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.DSA_KEY_PAIR_GEN, null,
            Set((CKA.PRIME, V3["dsa.p"]), (CKA.SUBPRIME, V3["dsa.q"]), (CKA.BASE, V3["dsa.g"])), new AttributeSet());
        var gs = Mech(CKM.DSA_SHA256).CreateSign(CKM.DSA_SHA256, null, gpriv).OneShot(S("abc"));
        Assert.True(Mech(CKM.DSA_SHA256).CreateVerify(CKM.DSA_SHA256, null, gpub).OneShot(S("abc"), gs));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.DSA_KEY_PAIR_GEN, null, Set((CKA.PRIME, V3["dsa.p"])), new AttributeSet())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.DSA_KEY_PAIR_GEN, null,
            Set((CKA.PRIME, V3["dsa.p"]), (CKA.SUBPRIME, V3["dsa.q"][1..]), (CKA.BASE, V3["dsa.g"])), new AttributeSet())));
    }

    [Fact]
    public void Dh_pkcs_derive_matches_openssl_and_key_generation_agrees()
    {
        var priv = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.DH)), (CKA.PRIME, V3["dh.p"]), (CKA.BASE, [2]),
            (CKA.VALUE, V3["dh.x"]), (CKA.DERIVE, B(true))));
        var m = Mech(CKM.DH_PKCS_DERIVE);
        var z = m.Derive(CKM.DH_PKCS_DERIVE, V3["dh.peer_y"], priv, Set((CKA.KEY_TYPE, U(CKK.GENERIC_SECRET))));
        Assert.Equal(V3["dh.z"], z.Get(CKA.VALUE));
        var aes = m.Derive(CKM.DH_PKCS_DERIVE, V3["dh.peer_y"], priv, Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32))));
        // Truncation removes bytes from the leading end of Z (PKCS#11, PKCS #3 Diffie-Hellman key derivation).
        Assert.Equal(V3["dh.z"][^32..], aes.Get(CKA.VALUE));

        var (pub2, priv2) = Mech(CKM.DH_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.DH_PKCS_KEY_PAIR_GEN, null, Set((CKA.PRIME, V3["dh.p"]), (CKA.BASE, [2])),
            Set((CKA.VALUE_BITS, U(256))));
        Assert.True(priv2.GetULong(CKA.VALUE_BITS) <= 256);
        var ab = m.Derive(CKM.DH_PKCS_DERIVE, pub2.Get(CKA.VALUE), priv, Set((CKA.KEY_TYPE, U(CKK.GENERIC_SECRET))));
        var ba = m.Derive(CKM.DH_PKCS_DERIVE, V3["dh.y"], priv2, Set((CKA.KEY_TYPE, U(CKK.GENERIC_SECRET))));
        Assert.Equal(ab.Get(CKA.VALUE), ba.Get(CKA.VALUE));

        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.DH_PKCS_DERIVE, [1], priv, new AttributeSet())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.DH_PKCS_DERIVE, null, priv, new AttributeSet())));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => m.Derive(CKM.DH_PKCS_DERIVE, V3["dh.peer_y"], Aes(new byte[16]), new AttributeSet())));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.DH_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.DH_PKCS_KEY_PAIR_GEN, null, Set((CKA.BASE, [2])), new AttributeSet())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.DH_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.DH_PKCS_KEY_PAIR_GEN, null,
            Set((CKA.PRIME, V3["dh.p"]), (CKA.BASE, [2])), Set((CKA.VALUE_BITS, U(100))))));
        Assert.Equal([CKK.DH], KeyTypes(CKM.DH_PKCS_DERIVE));
        Assert.Equal(2048UL, Objects.KeyUsage.KeySize(priv));
    }
}
