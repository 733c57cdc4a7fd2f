using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// PKCS#11 3.2 ML-DSA and SLH-DSA with CK_SIGN_ADDITIONAL_CONTEXT / CK_HASH_SIGN_ADDITIONAL_CONTEXT (context, hedging),
/// the HashML-DSA and HashSLH-DSA mechanisms, and RSA-OAEP key encapsulation. Known answers: NIST ACVP ML-DSA vectors
/// (tests/testdata/pqc-acvp-vectors.txt): a pure signature with a 255-byte context, verified as published, and a
/// deterministic HashML-DSA SHA3-224 signature, verified and reproduced byte for byte from the published private key;
/// ACVP SLH-DSA keyGen (SHA2-128f, SHAKE-128f: the published seeds sign under the published public key) and ML-KEM-512
/// encapDecap (the published dk decapsulates the published ciphertext to the published K); our
/// deterministic pre-hash signatures also equal those of BouncyCastle's own HashML-DSA / HashSLH-DSA parameter sets
/// (SHA-512, SHA-256), which need no reflection.
/// </summary>
public class PqcContextSpec
{
    private static byte[] Ctx(ulong hedge, byte[] context) => new SignContextParams(hedge, context, CK.UNAVAILABLE_INFORMATION).Encode();

    private static byte[] HashCtx(ulong hedge, byte[] context, ulong hash) => new SignContextParams(hedge, context, hash).Encode();

    private static AttributeSet Public(ulong keyType, ulong set, byte[] value) =>
        TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(keyType)), (CKA.PARAMETER_SET, U(set)), (CKA.VALUE, value)));

    private static (AttributeSet Public, AttributeSet Private) MlDsa44() =>
        Mech(CKM.ML_DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_DSA_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(CKP.ML_DSA_44))), new AttributeSet());

    private static (AttributeSet Public, AttributeSet Private) Slh128F() =>
        Mech(CKM.SLH_DSA_KEY_PAIR_GEN).GenerateKeyPair(CKM.SLH_DSA_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(CKP.SLH_DSA_SHA2_128F))), new AttributeSet());

    private static byte[] Sign(ulong mechanism, byte[]? parameter, AttributeSet key, byte[] data) => Mech(mechanism).CreateSign(mechanism, parameter, key).OneShot(data);

    private static bool Verify(ulong mechanism, byte[]? parameter, AttributeSet key, byte[] data, byte[] signature) =>
        Mech(mechanism).CreateVerify(mechanism, parameter, key).OneShot(data, signature);

    [Fact]
    public void Acvp_ml_dsa_44_signature_with_a_255_byte_context_verifies()
    {
        var pub = Public(CKK.ML_DSA, CKP.ML_DSA_44, Acvp["acvp_mldsa44_ctx_pk"]);
        var msg = Acvp["acvp_mldsa44_ctx_msg"];
        var sig = Acvp["acvp_mldsa44_ctx_sig"];
        var ctx = Acvp["acvp_mldsa44_ctx_ctx"];
        Assert.Equal(255, ctx.Length);
        Assert.True(Verify(CKM.ML_DSA, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, msg, sig));

        // In parts, and the context matters: none, or another one, does not verify.
        var v = Mech(CKM.ML_DSA).CreateVerify(CKM.ML_DSA, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), pub);
        v.Update(msg.AsSpan(0, 1000));
        v.Update(msg.AsSpan(1000));
        Assert.True(v.Final(sig));
        Assert.False(Verify(CKM.ML_DSA, null, pub, msg, sig));
        Assert.False(Verify(CKM.ML_DSA, Ctx(CKH.HEDGE_PREFERRED, ctx[1..]), pub, msg, sig));
    }

    [Theory]
    [InlineData("acvp_slhdsa_sha2_128f_keygen", CKP.SLH_DSA_SHA2_128F)]
    [InlineData("acvp_slhdsa_shake_128f_keygen", CKP.SLH_DSA_SHAKE_128F)]
    public void Acvp_slh_dsa_key_gen_seeds_give_the_published_public_key(string name, ulong set)
    {
        // FIPS 205 keeps the seeds in the private key (SK.seed || SK.prf || PK.seed || PK.root). A signature is built
        // only from the seeds, and verifying it recomputes PK.root from them: it verifies under the published public
        // key exactly when the token's hypertree over the published seeds has the published root.
        var sk = Acvp[name + "_sk"];
        var pk = Acvp[name + "_pk"];
        Assert.Equal(sk[..48], Acvp[name + "_skseed"].Concat(Acvp[name + "_skprf"]).Concat(Acvp[name + "_pkseed"]).ToArray());
        var priv = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.SLH_DSA)),
            (CKA.PARAMETER_SET, U(set)), (CKA.VALUE, sk), (CKA.SIGN, B(true))));
        var pub = Public(CKK.SLH_DSA, set, pk);

        var sig = Sign(CKM.SLH_DSA, Ctx(CKH.DETERMINISTIC_REQUIRED, S("ctx")), priv, S("message"));
        Assert.Equal(17088, sig.Length);
        Assert.True(Verify(CKM.SLH_DSA, Ctx(CKH.HEDGE_PREFERRED, S("ctx")), pub, S("message"), sig));

        // Another root (the last byte of PK.root changed) does not accept it.
        var otherRoot = (byte[])pk.Clone();
        otherRoot[^1] ^= 1;
        Assert.False(Verify(CKM.SLH_DSA, Ctx(CKH.HEDGE_PREFERRED, S("ctx")), Public(CKK.SLH_DSA, set, otherRoot), S("message"), sig));
    }

    [Fact]
    public void Acvp_ml_kem_512_decapsulation_of_the_published_ciphertext_gives_the_published_secret()
    {
        var priv = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.ML_KEM)),
            (CKA.PARAMETER_SET, U(CKP.ML_KEM_512)), (CKA.VALUE, Acvp["acvp_mlkem512_dk"]), (CKA.DECAPSULATE, B(true))));
        var generic = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)), (CKA.VALUE_LEN, U(32)));
        var ct = Acvp["acvp_mlkem512_c"];
        Assert.Equal(Acvp["acvp_mlkem512_k"], Mech(CKM.ML_KEM).Decapsulate(CKM.ML_KEM, null, priv, ct, generic).Get(CKA.VALUE));

        // A changed ciphertext is implicitly rejected: another secret, no error (FIPS 203 Algorithm 18).
        ct[0] ^= 1;
        var rejected = Mech(CKM.ML_KEM).Decapsulate(CKM.ML_KEM, null, priv, ct, generic).Get(CKA.VALUE);
        Assert.Equal(32, rejected!.Length);
        Assert.NotEqual(Acvp["acvp_mlkem512_k"], rejected);
    }

    [Fact]
    public void Acvp_hash_ml_dsa_44_sha3_224_signature_verifies_with_the_fixed_and_the_generic_mechanism()
    {
        var pub = Public(CKK.ML_DSA, CKP.ML_DSA_44, Acvp["acvp_hashmldsa44_sha3_224_pk"]);
        var msg = Acvp["acvp_hashmldsa44_sha3_224_msg"];
        var sig = Acvp["acvp_hashmldsa44_sha3_224_sig"];
        var ctx = Acvp["acvp_hashmldsa44_sha3_224_ctx"];
        Assert.True(Verify(CKM.HASH_ML_DSA_SHA3_224, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, msg, sig));

        // CKM_HASH_ML_DSA: the caller hashes, the parameter names the hash.
        var digest = Hashes.Hash(Hashes.Sha3_224, msg);
        Assert.True(Verify(CKM.HASH_ML_DSA, HashCtx(CKH.HEDGE_PREFERRED, ctx, CKM.SHA3_224), pub, digest, sig));
        Assert.False(Verify(CKM.HASH_ML_DSA, HashCtx(CKH.HEDGE_PREFERRED, ctx, CKM.SHA3_256), pub, Hashes.Hash(Hashes.Sha3_256, msg), sig));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Verify(CKM.HASH_ML_DSA, HashCtx(CKH.HEDGE_PREFERRED, ctx, CKM.SHA3_224), pub, msg, sig)));

        // Pure ML-DSA and other pre-hashes give other messages to sign.
        Assert.False(Verify(CKM.ML_DSA, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, msg, sig));
        Assert.False(Verify(CKM.HASH_ML_DSA_SHA3_256, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, msg, sig));
    }

    [Fact]
    public void Acvp_hash_ml_dsa_44_sha3_224_deterministic_signature_is_reproduced_byte_for_byte()
    {
        // ACVP's deterministic groups sign with rnd = 0, which is what CKH_DETERMINISTIC_REQUIRED asks for.
        var priv = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.ML_DSA)),
            (CKA.PARAMETER_SET, U(CKP.ML_DSA_44)), (CKA.VALUE, Acvp["acvp_hashmldsa44_sha3_224_sk"]), (CKA.SIGN, B(true))));
        var msg = Acvp["acvp_hashmldsa44_sha3_224_msg"];
        var ctx = Acvp["acvp_hashmldsa44_sha3_224_ctx"];
        var expected = Acvp["acvp_hashmldsa44_sha3_224_sig"];
        Assert.Equal(expected, Sign(CKM.HASH_ML_DSA_SHA3_224, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, msg));
        Assert.Equal(expected, Sign(CKM.HASH_ML_DSA, HashCtx(CKH.DETERMINISTIC_REQUIRED, ctx, CKM.SHA3_224), priv, Hashes.Hash(Hashes.Sha3_224, msg)));
        Assert.NotEqual(expected, Sign(CKM.HASH_ML_DSA_SHA3_224, Ctx(CKH.HEDGE_REQUIRED, ctx), priv, msg));
    }

    [Theory]
    [InlineData(CKM.ML_DSA)]
    [InlineData(CKM.HASH_ML_DSA_SHA224)]
    [InlineData(CKM.HASH_ML_DSA_SHA256)]
    [InlineData(CKM.HASH_ML_DSA_SHA384)]
    [InlineData(CKM.HASH_ML_DSA_SHA512)]
    [InlineData(CKM.HASH_ML_DSA_SHA3_224)]
    [InlineData(CKM.HASH_ML_DSA_SHA3_256)]
    [InlineData(CKM.HASH_ML_DSA_SHA3_384)]
    [InlineData(CKM.HASH_ML_DSA_SHA3_512)]
    [InlineData(CKM.HASH_ML_DSA_SHAKE128)]
    [InlineData(CKM.HASH_ML_DSA_SHAKE256)]
    public void Ml_dsa_deterministic_signatures_repeat_and_hedged_ones_do_not(ulong mechanism)
    {
        var (pub, priv) = MlDsa44();
        var ctx = S("application context");
        var det1 = Sign(mechanism, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message"));
        var det2 = Sign(mechanism, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message"));
        Assert.Equal(det1, det2);
        var h1 = Sign(mechanism, Ctx(CKH.HEDGE_REQUIRED, ctx), priv, S("message"));
        var h2 = Sign(mechanism, Ctx(CKH.HEDGE_PREFERRED, ctx), priv, S("message"));
        Assert.NotEqual(h1, h2);
        Assert.NotEqual(det1, h1);
        foreach (var sig in new[] { det1, h1, h2 })
        {
            Assert.Equal(2420, sig.Length);
            Assert.True(Verify(mechanism, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, S("message"), sig));
            Assert.False(Verify(mechanism, Ctx(CKH.HEDGE_PREFERRED, S("other context")), pub, S("message"), sig));
            Assert.False(Verify(mechanism, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, S("messagf"), sig));
        }
    }

    [Fact]
    public void Hash_ml_dsa_sha512_equals_bouncycastles_own_hash_ml_dsa_parameter_set()
    {
        var (pub, priv) = MlDsa44();
        var ctx = S("ctx");
        var ours = Sign(CKM.HASH_ML_DSA_SHA512, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message"));

        var sk = MLDsaPrivateKeyParameters.FromEncoding(MLDsaParameters.ml_dsa_44, priv.Get(CKA.VALUE)!);
        var bc = new HashMLDsaSigner(MLDsaParameters.ml_dsa_44_with_sha512, deterministic: true);
        bc.Init(true, new ParametersWithContext(sk, ctx));
        bc.BlockUpdate(S("message"));
        Assert.Equal(bc.GenerateSignature(), ours);

        // The generic mechanism over the caller's SHA-512 digest makes the same signature.
        var digest = Hashes.Hash(Hashes.Sha512, S("message"));
        Assert.Equal(ours, Sign(CKM.HASH_ML_DSA, HashCtx(CKH.DETERMINISTIC_REQUIRED, ctx, CKM.SHA512), priv, digest));
        Assert.True(Verify(CKM.HASH_ML_DSA, HashCtx(CKH.HEDGE_PREFERRED, ctx, CKM.SHA512), pub, digest, ours));
    }

    [Fact]
    public void Hash_slh_dsa_sha256_equals_bouncycastles_own_parameter_set_and_pure_slh_dsa_takes_a_context()
    {
        var (pub, priv) = Slh128F();
        var ctx = S("ctx");
        var ours = Sign(CKM.HASH_SLH_DSA_SHA256, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message"));
        Assert.Equal(ours, Sign(CKM.HASH_SLH_DSA_SHA256, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message")));

        var sk = SlhDsaPrivateKeyParameters.FromEncoding(SlhDsaParameters.slh_dsa_sha2_128f, priv.Get(CKA.VALUE)!);
        var bc = new HashSlhDsaSigner(SlhDsaParameters.slh_dsa_sha2_128f_with_sha256, deterministic: true);
        bc.Init(true, new ParametersWithContext(sk, ctx));
        bc.BlockUpdate(S("message"));
        Assert.Equal(bc.GenerateSignature(), ours);
        Assert.True(Verify(CKM.HASH_SLH_DSA_SHA256, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, S("message"), ours));
        Assert.True(Verify(CKM.HASH_SLH_DSA, HashCtx(CKH.HEDGE_PREFERRED, ctx, CKM.SHA256), pub, Hashes.Hash(Hashes.Sha256, S("message")), ours));
        Assert.False(Verify(CKM.HASH_SLH_DSA_SHA3_256, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, S("message"), ours));

        // Pure SLH-DSA: deterministic repeats, the context is bound, hedged differs.
        var pure = Sign(CKM.SLH_DSA, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message"));
        Assert.Equal(pure, Sign(CKM.SLH_DSA, Ctx(CKH.DETERMINISTIC_REQUIRED, ctx), priv, S("message")));
        Assert.NotEqual(pure, Sign(CKM.SLH_DSA, Ctx(CKH.HEDGE_REQUIRED, ctx), priv, S("message")));
        Assert.True(Verify(CKM.SLH_DSA, Ctx(CKH.HEDGE_PREFERRED, ctx), pub, S("message"), pure));
        Assert.False(Verify(CKM.SLH_DSA, null, pub, S("message"), pure));
    }

    [Theory]
    [InlineData(CKM.HASH_SLH_DSA_SHA224)]
    [InlineData(CKM.HASH_SLH_DSA_SHA384)]
    [InlineData(CKM.HASH_SLH_DSA_SHA512)]
    [InlineData(CKM.HASH_SLH_DSA_SHA3_224)]
    [InlineData(CKM.HASH_SLH_DSA_SHA3_256)]
    [InlineData(CKM.HASH_SLH_DSA_SHA3_384)]
    [InlineData(CKM.HASH_SLH_DSA_SHA3_512)]
    [InlineData(CKM.HASH_SLH_DSA_SHAKE128)]
    [InlineData(CKM.HASH_SLH_DSA_SHAKE256)]
    public void Hash_slh_dsa_round_trips(ulong mechanism)
    {
        var (pub, priv) = Slh128F();
        var sig = Sign(mechanism, null, priv, S("message"));
        Assert.Equal(17088, sig.Length);
        Assert.True(Verify(mechanism, null, pub, S("message"), sig));
        Assert.False(Verify(mechanism, null, pub, S("massage"), sig));
    }

    [Fact]
    public void Parameter_errors_have_their_return_codes()
    {
        var (pub, priv) = MlDsa44();
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Sign(CKM.ML_DSA, Ctx(CKH.HEDGE_PREFERRED, new byte[256]), priv, S("m"))));
        Assert.Equal(CKR.OK, Rv(() => Sign(CKM.ML_DSA, Ctx(CKH.HEDGE_PREFERRED, new byte[255]), priv, S("m"))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.HASH_SLH_DSA_SHA256).CreateVerify(CKM.HASH_SLH_DSA_SHA256, Ctx(CKH.HEDGE_PREFERRED, new byte[300]), Slh128F().Public)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Sign(CKM.ML_DSA, Ctx(3, []), priv, S("m"))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Sign(CKM.ML_DSA, new byte[5], priv, S("m"))));
        // The generic mechanisms need CK_HASH_SIGN_ADDITIONAL_CONTEXT with a known hash; the others refuse it.
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.HASH_ML_DSA).CreateSign(CKM.HASH_ML_DSA, null, priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.HASH_ML_DSA).CreateSign(CKM.HASH_ML_DSA, Ctx(CKH.HEDGE_PREFERRED, []), priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.HASH_ML_DSA).CreateSign(CKM.HASH_ML_DSA, HashCtx(CKH.HEDGE_PREFERRED, [], CKM.MD5), priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.HASH_ML_DSA_SHA256).CreateSign(CKM.HASH_ML_DSA_SHA256, HashCtx(CKH.HEDGE_PREFERRED, [], CKM.SHA256), priv)));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Sign(CKM.HASH_ML_DSA, HashCtx(CKH.HEDGE_PREFERRED, [], CKM.SHA256), priv, new byte[31])));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.HASH_ML_DSA_SHA256).CreateSign(CKM.HASH_ML_DSA_SHA256, null, pub)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.HASH_SLH_DSA_SHA256).CreateSign(CKM.HASH_SLH_DSA_SHA256, null, priv)));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Verify(CKM.HASH_ML_DSA_SHA256, null, pub, S("m"), new byte[100])));
    }

    [Fact]
    public void The_new_mechanisms_are_listed_with_their_flags_and_key_types()
    {
        foreach (var m in new[] { CKM.HASH_ML_DSA, CKM.HASH_ML_DSA_SHA224, CKM.HASH_ML_DSA_SHAKE256 })
        {
            Assert.True(Registry.TryGet(m, out var info, out _));
            Assert.Equal(CKF.SIGN | CKF.VERIFY, info.Flags & (CKF.SIGN | CKF.VERIFY | CKF.ENCRYPT | CKF.DECRYPT | CKF.DERIVE));
            Assert.Equal((CKP.ML_DSA_44, CKP.ML_DSA_87), (info.MinKeySize, info.MaxKeySize));
            Assert.Equal([CKK.ML_DSA], KeyTypes(m));
        }

        foreach (var m in new[] { CKM.HASH_SLH_DSA, CKM.HASH_SLH_DSA_SHA224, CKM.HASH_SLH_DSA_SHAKE256 })
        {
            Assert.True(Registry.TryGet(m, out var info, out _));
            Assert.Equal(CKF.SIGN | CKF.VERIFY, info.Flags & (CKF.SIGN | CKF.VERIFY | CKF.ENCRYPT | CKF.DECRYPT | CKF.DERIVE));
            Assert.Equal([CKK.SLH_DSA], KeyTypes(m));
        }

        Assert.True(Registry.TryGet(CKM.RSA_PKCS_OAEP, out var oaep, out _));
        Assert.Equal(CKF.ENCAPSULATE | CKF.DECAPSULATE, oaep.Flags & (CKF.ENCAPSULATE | CKF.DECAPSULATE));
        Assert.Equal([CKK.ML_KEM], KeyTypes(CKM.ML_KEM));
    }

    [Fact]
    public void Rsa_oaep_encapsulation_round_trips_and_the_ciphertext_is_oaep()
    {
        var (pubP, privP) = Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(2048))), Set());
        var pub = TemplateValidator.ForGenerated(Set((CKA.MODULUS_BITS, U(2048))), pubP, ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null);
        var priv = TemplateValidator.ForGenerated(Set(), privP, ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null);
        var oaep = new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, []).Encode();
        var aes = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32)));
        var m = Mech(CKM.RSA_PKCS_OAEP);

        var (ct, sent) = m.Encapsulate(CKM.RSA_PKCS_OAEP, oaep, pub, aes);
        Assert.Equal(256, ct.Length);
        Assert.Equal(32, sent.Get(CKA.VALUE)!.Length);
        Assert.Equal(sent.Get(CKA.VALUE), m.Decapsulate(CKM.RSA_PKCS_OAEP, oaep, priv, ct, aes).Get(CKA.VALUE));
        Assert.Equal(sent.Get(CKA.VALUE), m.CreateDecrypt(CKM.RSA_PKCS_OAEP, oaep, priv).OneShot(ct));
        Assert.NotEqual(ct, m.Encapsulate(CKM.RSA_PKCS_OAEP, oaep, pub, aes).Ciphertext);

        // The secret must fit OAEP (256 - 2 * 32 - 2 = 190 bytes) and match on decapsulation; a changed ciphertext does not decrypt.
        var generic = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)), (CKA.VALUE_LEN, U(190)));
        Assert.Equal(190, m.Encapsulate(CKM.RSA_PKCS_OAEP, oaep, pub, generic).Key.Get(CKA.VALUE)!.Length);
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.Encapsulate(CKM.RSA_PKCS_OAEP, oaep, pub, generic.With(CKA.VALUE_LEN, U(191)))));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => m.Encapsulate(CKM.RSA_PKCS_OAEP, oaep, pub, Set((CKA.CLASS, U(CKO.SECRET_KEY))))));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.Decapsulate(CKM.RSA_PKCS_OAEP, oaep, priv, ct, aes.With(CKA.VALUE_LEN, U(16)))));
        ct[5] ^= 1;
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => m.Decapsulate(CKM.RSA_PKCS_OAEP, oaep, priv, ct, aes)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => m.Encapsulate(CKM.RSA_PKCS_OAEP, oaep, priv, aes)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Encapsulate(CKM.RSA_PKCS_OAEP, null, pub, aes)));
        Assert.Equal(CKR.MECHANISM_INVALID, Rv(() => Mech(CKM.RSA_PKCS).Encapsulate(CKM.RSA_PKCS, null, pub, aes)));
    }

    [Fact]
    public void Encapsulation_needs_cka_encapsulate_and_cka_decapsulate_which_default_to_true()
    {
        var (pubP, privP) = Mech(CKM.ML_KEM_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_KEM_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(CKP.ML_KEM_768))), new AttributeSet());
        var template = Set((CKA.PARAMETER_SET, U(CKP.ML_KEM_768)));
        var pub = TemplateValidator.ForGenerated(template, pubP, ObjectOrigin.GenerateKeyPair, CKM.ML_KEM_KEY_PAIR_GEN, null);
        var priv = TemplateValidator.ForGenerated(Set(), privP, ObjectOrigin.GenerateKeyPair, CKM.ML_KEM_KEY_PAIR_GEN, null);
        Assert.True(pub.IsTrue(CKA.ENCAPSULATE));
        Assert.True(priv.IsTrue(CKA.DECAPSULATE));
        Registry.TryGet(CKM.ML_KEM, out var info, out _);
        CheckKey(pub, CKA.ENCAPSULATE, CKM.ML_KEM, info);
        CheckKey(priv, CKA.DECAPSULATE, CKM.ML_KEM, info);

        var noEncap = TemplateValidator.ForGenerated(template.With(CKA.ENCAPSULATE, B(false)), pubP, ObjectOrigin.GenerateKeyPair, CKM.ML_KEM_KEY_PAIR_GEN, null);
        var noDecap = TemplateValidator.ForGenerated(Set((CKA.DECAPSULATE, B(false))), privP, ObjectOrigin.GenerateKeyPair, CKM.ML_KEM_KEY_PAIR_GEN, null);
        Assert.Equal(CKR.KEY_FUNCTION_NOT_PERMITTED, Rv(() => CheckKey(noEncap, CKA.ENCAPSULATE, CKM.ML_KEM, info)));
        Assert.Equal(CKR.KEY_FUNCTION_NOT_PERMITTED, Rv(() => CheckKey(noDecap, CKA.DECAPSULATE, CKM.ML_KEM, info)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => CheckKey(priv, CKA.ENCAPSULATE, CKM.ML_KEM, info)));

        var rsa = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)), (CKA.MODULUS, Enumerable.Repeat((byte)0xC5, 256).ToArray()), (CKA.PUBLIC_EXPONENT, [1, 0, 1])));
        Assert.True(rsa.IsTrue(CKA.ENCAPSULATE));
    }

    [Fact]
    public void Keys_stored_without_cka_encapsulate_or_cka_decapsulate_still_encapsulate()
    {
        // Keys from stores older than PKCS#11 3.2 have neither attribute: absent means the default, TRUE.
        var (pubP, privP) = Mech(CKM.ML_KEM_KEY_PAIR_GEN).GenerateKeyPair(CKM.ML_KEM_KEY_PAIR_GEN, null, Set((CKA.PARAMETER_SET, U(CKP.ML_KEM_512))), new AttributeSet());
        var pub = TemplateValidator.ForGenerated(Set((CKA.PARAMETER_SET, U(CKP.ML_KEM_512))), pubP, ObjectOrigin.GenerateKeyPair, CKM.ML_KEM_KEY_PAIR_GEN, null);
        var priv = TemplateValidator.ForGenerated(Set(), privP, ObjectOrigin.GenerateKeyPair, CKM.ML_KEM_KEY_PAIR_GEN, null);
        Assert.True(pub.Remove(CKA.ENCAPSULATE));
        Assert.True(priv.Remove(CKA.DECAPSULATE));
        Registry.TryGet(CKM.ML_KEM, out var kem, out _);
        CheckKey(pub, CKA.ENCAPSULATE, CKM.ML_KEM, kem);
        CheckKey(priv, CKA.DECAPSULATE, CKM.ML_KEM, kem);
        var generic = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)));
        var (ct, sent) = Mech(CKM.ML_KEM).Encapsulate(CKM.ML_KEM, null, pub, generic);
        Assert.Equal(sent.Get(CKA.VALUE), Mech(CKM.ML_KEM).Decapsulate(CKM.ML_KEM, null, priv, ct, generic).Get(CKA.VALUE));

        // An RSA key pair the same, for RSA-OAEP.
        var (rsaPubP, rsaPrivP) = Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(2048))), Set());
        var rsaPub = TemplateValidator.ForGenerated(Set((CKA.MODULUS_BITS, U(2048))), rsaPubP, ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null);
        var rsaPriv = TemplateValidator.ForGenerated(Set(), rsaPrivP, ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null);
        rsaPub.Remove(CKA.ENCAPSULATE);
        rsaPriv.Remove(CKA.DECAPSULATE);
        Assert.False(rsaPub.Has(CKA.ENCAPSULATE) || rsaPriv.Has(CKA.DECAPSULATE));
        Registry.TryGet(CKM.RSA_PKCS_OAEP, out var oaep, out _);
        CheckKey(rsaPub, CKA.ENCAPSULATE, CKM.RSA_PKCS_OAEP, oaep);
        CheckKey(rsaPriv, CKA.DECAPSULATE, CKM.RSA_PKCS_OAEP, oaep);

        // FALSE still refuses, and the default applies to these two attributes only: an absent CKA_SIGN is not TRUE.
        pub.SetBool(CKA.ENCAPSULATE, false);
        priv.SetBool(CKA.DECAPSULATE, false);
        Assert.Equal(CKR.KEY_FUNCTION_NOT_PERMITTED, Rv(() => CheckKey(pub, CKA.ENCAPSULATE, CKM.ML_KEM, kem)));
        Assert.Equal(CKR.KEY_FUNCTION_NOT_PERMITTED, Rv(() => CheckKey(priv, CKA.DECAPSULATE, CKM.ML_KEM, kem)));
        rsaPriv.Remove(CKA.SIGN);
        Registry.TryGet(CKM.RSA_PKCS, out var pkcs, out _);
        Assert.Equal(CKR.KEY_FUNCTION_NOT_PERMITTED, Rv(() => CheckKey(rsaPriv, CKA.SIGN, CKM.RSA_PKCS, pkcs)));
    }
}
