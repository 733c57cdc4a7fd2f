using System.Formats.Asn1;
using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>ECDSA and ECDH against RFC 6979 and OpenSSL-made known answers, plus round trips.</summary>
public class EcSpec
{
    private static AttributeSet Public(EcCurve curve, byte[] point) => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.EC)),
        (CKA.EC_PARAMS, curve.EcParams), (CKA.EC_POINT, point)));

    private static AttributeSet Unwrapped(byte[] pkcs8)
    {
        var template = Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.EC)), (CKA.DERIVE, B(true)));
        return TemplateValidator.ForGenerated(template, KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.EC, pkcs8, template), ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP_PAD, null);
    }

    [Fact]
    public void Ecdsa_p256_rfc6979_vector_verifies()
    {
        // RFC 6979 A.2.5, P-256, SHA-256, message "sample".
        var point = H("04 60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6 7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
        var sig = H("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716 F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
        var pubRaw = Public(EcCurves.P256, point);
        Assert.True(Mech(CKM.ECDSA_SHA256).CreateVerify(CKM.ECDSA_SHA256, null, pubRaw).OneShot(S("sample"), sig));
        var der = new AsnWriter(AsnEncodingRules.DER);
        der.WriteOctetString(point);
        var pubDer = Public(EcCurves.P256, der.Encode());
        Assert.True(Mech(CKM.ECDSA).CreateVerify(CKM.ECDSA, null, pubDer).OneShot(SHA256.HashData(S("sample")), sig));
        Assert.False(Mech(CKM.ECDSA_SHA256).CreateVerify(CKM.ECDSA_SHA256, null, pubDer).OneShot(S("samplf"), sig));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.ECDSA).CreateVerify(CKM.ECDSA, null, pubDer).OneShot(new byte[32], sig[1..])));

        // The private key of the same vector signs what the public key verifies.
        var priv = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.EC)), (CKA.EC_PARAMS, EcCurves.P256.EcParams),
            (CKA.VALUE, H("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"))));
        var mine = Mech(CKM.ECDSA_SHA256).CreateSign(CKM.ECDSA_SHA256, null, priv).OneShot(S("sample"));
        Assert.True(Mech(CKM.ECDSA_SHA256).CreateVerify(CKM.ECDSA_SHA256, null, pubRaw).OneShot(S("sample"), mine));
    }

    [Fact]
    public void Ecdsa_p384_signature_from_openssl_verifies()
    {
        var priv = Unwrapped(OpenSsl["ec.p8"]);
        var curve = EcKeys.CurveOf(priv);
        Assert.Equal(384, curve.Bits);
        var q = EcKeys.ToParameters(priv).Q;
        var pub = Public(curve, EcCurves.EncodePoint(q, curve));
        var r = new AsnReader(OpenSsl["sig_ecdsa_der"], AsnEncodingRules.DER).ReadSequence();
        var rs = Pad(r.ReadIntegerBytes().ToArray(), 48).Concat(Pad(r.ReadIntegerBytes().ToArray(), 48)).ToArray();
        var msg = OpenSsl["msg"];
        Assert.True(Mech(CKM.ECDSA_SHA384).CreateVerify(CKM.ECDSA_SHA384, null, pub).OneShot(msg, rs));
        var multi = Mech(CKM.ECDSA_SHA384).CreateVerify(CKM.ECDSA_SHA384, null, pub);
        multi.Update(msg[..3]);
        multi.Update(msg[3..]);
        Assert.True(multi.Final(rs));
        Assert.True(Mech(CKM.ECDSA).CreateVerify(CKM.ECDSA, null, pub).OneShot(SHA384.HashData(msg), rs));
    }

    [Theory]
    [InlineData("06082a8648ce3d030107", 256)]
    [InlineData("06052b81040022", 384)]
    [InlineData("06052b81040023", 521)]
    [InlineData("130a7072696d653235367631", 256)] // PrintableString "prime256v1"
    public void Key_pair_generation_sign_verify(string ecParams, int bits)
    {
        var pubT = Set((CKA.EC_PARAMS, H(ecParams)), (CKA.LABEL, S("ec")));
        var (pubP, privP) = Mech(CKM.EC_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_KEY_PAIR_GEN, null, pubT, Set());
        var pub = TemplateValidator.ForGenerated(pubT, pubP, ObjectOrigin.GenerateKeyPair, CKM.EC_KEY_PAIR_GEN, null);
        var priv = TemplateValidator.ForGenerated(Set((CKA.EC_PARAMS, H(ecParams))), privP, ObjectOrigin.GenerateKeyPair, CKM.EC_KEY_PAIR_GEN, null);
        var n = (bits + 7) / 8;
        var point = pub[CKA.EC_POINT];
        Assert.Equal(0x04, point[0]); // OCTET STRING
        Assert.Equal(0x04, point[^(2 * n + 1)]); // uncompressed
        Assert.Equal((ulong)bits, KeyUsage.KeySize(priv));
        foreach (var m in new[] { CKM.ECDSA_SHA1, CKM.ECDSA_SHA224, CKM.ECDSA_SHA256, CKM.ECDSA_SHA384, CKM.ECDSA_SHA512 })
        {
            var sig = Mech(m).CreateSign(m, null, priv).OneShot(S("data"));
            Assert.Equal(2 * n, sig.Length);
            Assert.True(Mech(m).CreateVerify(m, null, pub).OneShot(S("data"), sig));
        }

        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Mech(CKM.ECDSA).CreateSign(CKM.ECDSA, null, pub)));
        var encoded = KeyEncoding.Encode(priv);
        Assert.Equal(priv[CKA.VALUE], KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.EC, encoded, Set())[CKA.VALUE]);
    }

    [Fact]
    public void Unsupported_curve_is_reported()
    {
        Assert.Equal(CKR.CURVE_NOT_SUPPORTED, Rv(() => Mech(CKM.EC_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, H("06052b81040001"))), Set())));
        Assert.Equal(CKR.TEMPLATE_INCOMPLETE, Rv(() => Mech(CKM.EC_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_KEY_PAIR_GEN, null, Set(), Set())));
    }

    [Fact]
    public void Ecdh_matches_openssl_for_null_and_x963_kdfs()
    {
        var priv = Unwrapped(OpenSsl["a.p8"]);
        var peer = OpenSsl["b.point"];
        var z = OpenSsl["z"];
        var nullKdf = new Ecdh1DeriveParams(CKD.NULL, [], peer).Encode();
        var t = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)));
        Assert.Equal(z, Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, nullKdf, priv, t)[CKA.VALUE]);
        Assert.Equal(z[^16..], Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, nullKdf, priv, t.With(CKA.VALUE_LEN, U(16)))[CKA.VALUE]);

        var kdf = new Ecdh1DeriveParams(CKD.SHA256_KDF, H("0102030405"), peer).Encode();
        var produced = Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, kdf, priv, t.With(CKA.VALUE_LEN, U(40)));
        Assert.Equal(OpenSsl["kdf_sha256"], produced[CKA.VALUE]);
        var obj = TemplateValidator.ForGenerated(t.With(CKA.VALUE_LEN, U(40)), produced, ObjectOrigin.Derive, CKM.ECDH1_DERIVE, priv);
        Assert.Equal(40UL, obj.GetULong(CKA.VALUE_LEN));

        var aes = Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, kdf, priv, Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32))));
        Assert.Equal(OpenSsl["kdf_sha256"][..32], aes[CKA.VALUE]);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.NULL, [1], peer).Encode(), priv, t)));
        var offCurve = (byte[])peer.Clone();
        offCurve[^1] ^= 1;
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.NULL, [], offCurve).Encode(), priv, t)));
    }

    [Theory]
    [InlineData(CKD.SHA1_KDF)]
    [InlineData(CKD.SHA224_KDF)]
    [InlineData(CKD.SHA384_KDF)]
    [InlineData(CKD.SHA512_KDF)]
    public void X963_kdf_matches_bouncycastle_kdf2(ulong kdf)
    {
        var (h, digest) = kdf switch
        {
            CKD.SHA1_KDF => (Hashes.Sha1, (Org.BouncyCastle.Crypto.IDigest)new Sha1Digest()),
            CKD.SHA224_KDF => (Hashes.Sha224, new Sha224Digest()),
            CKD.SHA384_KDF => (Hashes.Sha384, new Sha384Digest()),
            _ => (Hashes.Sha512, new Sha512Digest()),
        };
        var z = OpenSsl["z"];
        var gen = new Kdf2BytesGenerator(digest);
        gen.Init(new KdfParameters(z, S("info")));
        var expected = new byte[100];
        gen.GenerateBytes(expected, 0, expected.Length);
        Assert.Equal(expected, EcMechanisms.X963Kdf(h, z, S("info"), 100));

        var priv = Unwrapped(OpenSsl["a.p8"]);
        var p = new Ecdh1DeriveParams(kdf, S("info"), OpenSsl["b.point"]).Encode();
        Assert.Equal(expected[..24], Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, p, priv, Set((CKA.VALUE_LEN, U(24))))[CKA.VALUE]);
    }

    [Fact]
    public void Both_sides_derive_the_same_key()
    {
        AttributeSet Gen(out byte[] point)
        {
            var (pub, priv) = Mech(CKM.EC_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, EcCurves.P521.EcParams)), Set());
            point = pub[CKA.EC_POINT];
            return priv;
        }

        var a = Gen(out var pa);
        var b = Gen(out var pb);
        var t = Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32)));
        var ka = Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.SHA256_KDF, [], pb).Encode(), a, t);
        var kb = Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.SHA256_KDF, [], pa).Encode(), b, t);
        Assert.Equal(ka[CKA.VALUE], kb[CKA.VALUE]);
    }

    private static byte[] Pad(byte[] v, int n)
    {
        v = v.SkipWhile(b => b == 0).ToArray();
        return new byte[n - v.Length].Concat(v).ToArray();
    }
}
