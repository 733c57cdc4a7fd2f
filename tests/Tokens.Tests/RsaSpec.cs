using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>RSA against OpenSSL-made known answers (tests/testdata/openssl-vectors.txt) and round trips.</summary>
public class RsaSpec
{
    private static readonly byte[] Msg = OpenSsl["msg"];

    /// <summary>The OpenSSL test key, unwrapped from its PKCS#8 encoding as C_UnwrapKey would.</summary>
    private static AttributeSet Private()
    {
        var template = Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)));
        var produced = KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.RSA, OpenSsl["rsa.p8"], template);
        return TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP_PAD, null);
    }

    private static AttributeSet Public(AttributeSet priv) => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)),
        (CKA.MODULUS, priv[CKA.MODULUS]), (CKA.PUBLIC_EXPONENT, priv[CKA.PUBLIC_EXPONENT])));

    private static byte[] PssParams(ulong hash, ulong mgf, ulong sLen) => Attr.ULongs([hash, mgf, sLen]);

    [Fact]
    public void Pkcs1_v15_signature_matches_openssl()
    {
        var priv = Private();
        var expected = OpenSsl["sig_pkcs1"];
        Assert.Equal(expected, Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, priv).OneShot(Msg));
        var multi = Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, priv);
        multi.Update(Msg[..10]);
        multi.Update(Msg[10..]);
        Assert.Equal(expected, multi.Final());

        // CKM_RSA_PKCS over the DigestInfo gives the same signature.
        var digestInfo = Hashes.Sha256.DigestInfoPrefix.Concat(SHA256.HashData(Msg)).ToArray();
        Assert.Equal(expected, Mech(CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, priv).OneShot(digestInfo));
        Assert.Equal(expected, Mech(CKM.RSA_PKCS).CreateSignRecover(CKM.RSA_PKCS, null, priv).OneShot(digestInfo));

        var pub = Public(priv);
        Assert.True(Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pub).OneShot(Msg, expected));
        Assert.True(Mech(CKM.RSA_PKCS).CreateVerify(CKM.RSA_PKCS, null, pub).OneShot(digestInfo, expected));
        Assert.Equal(digestInfo, Mech(CKM.RSA_PKCS).CreateVerifyRecover(CKM.RSA_PKCS, null, pub).OneShot(expected));
        Assert.False(Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pub).OneShot(S("other"), expected));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pub).OneShot(Msg, expected[1..])));
    }

    [Fact]
    public void Pkcs1_signature_of_arbitrary_data_and_sha224_use_the_raw_path()
    {
        var priv = Private();
        var pub = Public(priv);
        var sig = Mech(CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, priv).OneShot(S("not a DigestInfo"));
        Assert.Equal(S("not a DigestInfo"), Mech(CKM.RSA_PKCS).CreateVerifyRecover(CKM.RSA_PKCS, null, pub).OneShot(sig));
        var s224 = Mech(CKM.SHA224_RSA_PKCS).CreateSign(CKM.SHA224_RSA_PKCS, null, priv).OneShot(Msg);
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(OpenSsl["rsa.p8"], out _);
        // .NET cannot sign SHA-224, but the v1.5 encoding is deterministic: compare with a raw v1.5 signature of the DigestInfo.
        var di = Hashes.Sha224.DigestInfoPrefix.Concat(Hashes.Hash(Hashes.Sha224, Msg)).ToArray();
        Assert.Equal(s224, Mech(CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, priv).OneShot(di));
        Assert.True(Mech(CKM.SHA224_RSA_PKCS).CreateVerify(CKM.SHA224_RSA_PKCS, null, pub).OneShot(Msg, s224));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, priv).OneShot(new byte[256 - 10])));
    }

    [Fact]
    public void Pss_signatures_from_openssl_verify()
    {
        var pub = Public(Private());
        Assert.True(Mech(CKM.SHA256_RSA_PKCS_PSS).CreateVerify(CKM.SHA256_RSA_PKCS_PSS, PssParams(CKM.SHA256, CKG.MGF1_SHA256, 32), pub)
            .OneShot(Msg, OpenSsl["sig_pss32"]));
        Assert.True(Mech(CKM.RSA_PKCS_PSS).CreateVerify(CKM.RSA_PKCS_PSS, PssParams(CKM.SHA256, CKG.MGF1_SHA256, 32), pub)
            .OneShot(SHA256.HashData(Msg), OpenSsl["sig_pss32"]));
        Assert.True(Mech(CKM.SHA384_RSA_PKCS_PSS).CreateVerify(CKM.SHA384_RSA_PKCS_PSS, PssParams(CKM.SHA384, CKG.MGF1_SHA1, 20), pub)
            .OneShot(Msg, OpenSsl["sig_pss_sha384_mgf1sha1_s20"]));
        Assert.False(Mech(CKM.SHA384_RSA_PKCS_PSS).CreateVerify(CKM.SHA384_RSA_PKCS_PSS, PssParams(CKM.SHA384, CKG.MGF1_SHA1, 21), pub)
            .OneShot(Msg, OpenSsl["sig_pss_sha384_mgf1sha1_s20"]));
    }

    [Theory]
    [InlineData(CKM.SHA256, CKG.MGF1_SHA256, 32UL)]
    [InlineData(CKM.SHA224, CKG.MGF1_SHA224, 28UL)]
    [InlineData(CKM.SHA512, CKG.MGF1_SHA1, 0UL)]
    [InlineData(CKM.SHA_1, CKG.MGF1_SHA512, 40UL)]
    public void Pss_round_trips(ulong hash, ulong mgf, ulong sLen)
    {
        var priv = Private();
        var pub = Public(priv);
        var h = Hashes.ByDigest(hash)!;
        var digest = Hashes.Hash(h, Msg);
        var p = PssParams(hash, mgf, sLen);
        var sig = Mech(CKM.RSA_PKCS_PSS).CreateSign(CKM.RSA_PKCS_PSS, p, priv).OneShot(digest);
        Assert.Equal(256, sig.Length);
        Assert.True(Mech(CKM.RSA_PKCS_PSS).CreateVerify(CKM.RSA_PKCS_PSS, p, pub).OneShot(digest, sig));
        var mech = h.Digest switch { CKM.SHA256 => CKM.SHA256_RSA_PKCS_PSS, CKM.SHA224 => CKM.SHA224_RSA_PKCS_PSS, CKM.SHA512 => CKM.SHA512_RSA_PKCS_PSS, _ => CKM.SHA1_RSA_PKCS_PSS };
        Assert.True(Mech(mech).CreateVerify(mech, p, pub).OneShot(Msg, sig));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.RSA_PKCS_PSS).CreateSign(CKM.RSA_PKCS_PSS, p, priv).OneShot(Msg)));
    }

    [Fact]
    public void Pss_parameters_are_checked()
    {
        var priv = Private();
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.RSA_PKCS_PSS).CreateSign(CKM.RSA_PKCS_PSS, null, priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256_RSA_PKCS_PSS).CreateSign(CKM.SHA256_RSA_PKCS_PSS, PssParams(CKM.SHA1_RSA_PKCS, CKG.MGF1_SHA256, 32), priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256_RSA_PKCS_PSS).CreateSign(CKM.SHA256_RSA_PKCS_PSS, PssParams(CKM.SHA384, CKG.MGF1_SHA256, 32), priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256_RSA_PKCS_PSS).CreateSign(CKM.SHA256_RSA_PKCS_PSS, PssParams(CKM.SHA256, 99, 32), priv)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.SHA256_RSA_PKCS_PSS).CreateSign(CKM.SHA256_RSA_PKCS_PSS, PssParams(CKM.SHA256, CKG.MGF1_SHA256, 300), priv)));
    }

    [Fact]
    public void Oaep_ciphertexts_from_openssl_decrypt()
    {
        var priv = Private();
        var sha1 = new OaepParams(CKM.SHA_1, CKG.MGF1_SHA1, CKZ.DATA_SPECIFIED, []).Encode();
        Assert.Equal(Msg, Mech(CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, sha1, priv).OneShot(OpenSsl["oaep_sha1"]));
        var labelled = new OaepParams(CKM.SHA256, CKG.MGF1_SHA1, CKZ.DATA_SPECIFIED, S("label")).Encode();
        Assert.Equal(Msg, Mech(CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, labelled, priv).OneShot(OpenSsl["oaep_sha256_mgf1sha1_label"]));
        var wrongLabel = new OaepParams(CKM.SHA256, CKG.MGF1_SHA1, CKZ.DATA_SPECIFIED, S("other")).Encode();
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, Rv(() => Mech(CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, wrongLabel, priv).OneShot(OpenSsl["oaep_sha256_mgf1sha1_label"])));
    }

    [Theory]
    [InlineData(CKM.SHA_1, CKG.MGF1_SHA1, "")]
    [InlineData(CKM.SHA256, CKG.MGF1_SHA256, "")]
    [InlineData(CKM.SHA384, CKG.MGF1_SHA256, "6c6162656c")]
    [InlineData(CKM.SHA224, CKG.MGF1_SHA224, "")]
    public void Oaep_round_trips(ulong hash, ulong mgf, string label)
    {
        var priv = Private();
        var pub = Public(priv);
        var p = new OaepParams(hash, mgf, CKZ.DATA_SPECIFIED, H(label)).Encode();
        var c = Mech(CKM.RSA_PKCS_OAEP).CreateEncrypt(CKM.RSA_PKCS_OAEP, p, pub).OneShot(Msg);
        Assert.Equal(256, c.Length);
        Assert.Equal(Msg, Mech(CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, p, priv).OneShot(c));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.RSA_PKCS_OAEP).CreateEncrypt(CKM.RSA_PKCS_OAEP, p, pub).OneShot(new byte[256])));
    }

    [Fact]
    public void Pkcs1_and_raw_encryption_round_trip()
    {
        var priv = Private();
        var pub = Public(priv);
        var c = Mech(CKM.RSA_PKCS).CreateEncrypt(CKM.RSA_PKCS, null, pub).OneShot(Msg);
        Assert.Equal(Msg, Mech(CKM.RSA_PKCS).CreateDecrypt(CKM.RSA_PKCS, null, priv).OneShot(c));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, Rv(() => Mech(CKM.RSA_PKCS).CreateDecrypt(CKM.RSA_PKCS, null, priv).OneShot(c[1..])));

        var raw = Mech(CKM.RSA_X_509).CreateEncrypt(CKM.RSA_X_509, null, pub).OneShot(Msg);
        var back = Mech(CKM.RSA_X_509).CreateDecrypt(CKM.RSA_X_509, null, priv).OneShot(raw);
        Assert.Equal(256, back.Length);
        Assert.Equal(Msg, back[^Msg.Length..]);
        Assert.All(back[..^Msg.Length], b => Assert.Equal(0, b));
        var sig = Mech(CKM.RSA_X_509).CreateSign(CKM.RSA_X_509, null, priv).OneShot(Msg);
        Assert.True(Mech(CKM.RSA_X_509).CreateVerify(CKM.RSA_X_509, null, pub).OneShot(Msg, sig));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.RSA_X_509).CreateEncrypt(CKM.RSA_X_509, null, pub).OneShot(Enumerable.Repeat((byte)0xff, 256).ToArray())));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, pub)));
    }

    [Fact]
    public void Private_key_created_from_modulus_and_exponents_only_recovers_its_primes()
    {
        var full = Private();
        var bare = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)),
            (CKA.MODULUS, full[CKA.MODULUS]), (CKA.PUBLIC_EXPONENT, full[CKA.PUBLIC_EXPONENT]), (CKA.PRIVATE_EXPONENT, full[CKA.PRIVATE_EXPONENT])));
        Assert.Equal(OpenSsl["sig_pkcs1"], Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, bare).OneShot(Msg));
    }

    [Fact]
    public void Key_pair_generation_and_wrapping()
    {
        var pubT = Set((CKA.MODULUS_BITS, U(1024)), (CKA.PUBLIC_EXPONENT, H("03")));
        var (pubP, privP) = Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, pubT, Set());
        var pub = TemplateValidator.ForGenerated(pubT, pubP, ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null);
        var priv = TemplateValidator.ForGenerated(Set((CKA.SENSITIVE, B(true))), privP, ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null);
        Assert.Equal(1024UL, pub.GetULong(CKA.MODULUS_BITS));
        Assert.Equal(H("03"), pub[CKA.PUBLIC_EXPONENT]);
        foreach (var a in new[] { CKA.PRIME_1, CKA.PRIME_2, CKA.EXPONENT_1, CKA.EXPONENT_2, CKA.COEFFICIENT }) Assert.True(priv[a].Length > 0);
        Assert.True(priv.IsTrue(CKA.LOCAL) && priv.IsTrue(CKA.ALWAYS_SENSITIVE));
        Assert.Equal(CKR.ATTRIBUTE_SENSITIVE, TemplateValidator.Read(priv, CKA.PRIME_1).Rv);

        var (pub2, priv2) = Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(2048))), Set());
        Assert.Equal(H("010001"), pub2[CKA.PUBLIC_EXPONENT]);
        var sig = Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, priv2).OneShot(Msg);
        Assert.True(Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pub2).OneShot(Msg, sig));

        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, Set(), Set())));
        Assert.Equal(CKR.KEY_SIZE_RANGE, Rv(() => Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U(512))), Set())));

        // Wrap an AES key with RSA-OAEP and the RSA private key with AES-KWP; unwrap both.
        var aes = Aes(H("000102030405060708090a0b0c0d0e0f"));
        var oaep = new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, []).Encode();
        var wrapped = Mech(CKM.RSA_PKCS_OAEP).Wrap(CKM.RSA_PKCS_OAEP, oaep, pub, KeyEncoding.Encode(aes));
        Assert.Equal(aes[CKA.VALUE], Mech(CKM.RSA_PKCS_OAEP).Unwrap(CKM.RSA_PKCS_OAEP, oaep, priv, wrapped));
        var wrappedPriv = Mech(CKM.AES_KEY_WRAP_KWP).Wrap(CKM.AES_KEY_WRAP_KWP, null, aes, KeyEncoding.Encode(priv));
        var back = KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.RSA, Mech(CKM.AES_KEY_WRAP_KWP).Unwrap(CKM.AES_KEY_WRAP_KWP, null, aes, wrappedPriv), Set());
        foreach (var a in new[] { CKA.MODULUS, CKA.PRIVATE_EXPONENT, CKA.PRIME_1, CKA.COEFFICIENT }) Assert.Equal(priv[a], back[a]);
    }
}
