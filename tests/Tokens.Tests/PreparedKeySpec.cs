using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Aes;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Mechanisms.Rsa;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>Crypto objects prepared once per key instance: shared safely across threads, never reused for a changed key.</summary>
public class PreparedKeySpec
{
    private static readonly byte[] OaepSha256 = new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, []).Encode();
    private static readonly byte[] PssSha256 = Attr.ULongs([CKM.SHA256, CKG.MGF1_SHA256, 32]);

    private static (AttributeSet Public, AttributeSet Private) Rsa(int bits = 2048)
    {
        var (pub, priv) = Mech(CKM.RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair(CKM.RSA_PKCS_KEY_PAIR_GEN, null, Set((CKA.MODULUS_BITS, U((ulong)bits))), Set());
        return (pub, priv);
    }

    private static (AttributeSet Public, AttributeSet Private) Ec() =>
        Mech(CKM.EC_KEY_PAIR_GEN).GenerateKeyPair(CKM.EC_KEY_PAIR_GEN, null, Set((CKA.EC_PARAMS, EcCurves.P256.EcParams)), Set());

    private static byte[] Ecdh(AttributeSet priv, byte[] peerPoint)
    {
        var p = new Ecdh1DeriveParams(CKD.NULL, [], peerPoint);
        return Mech(CKM.ECDH1_DERIVE).Derive(CKM.ECDH1_DERIVE, p.Encode(), priv, Set((CKA.VALUE_LEN, U(32))))[CKA.VALUE];
    }

    [Fact]
    public void Eight_threads_share_one_prepared_key_and_all_results_are_right()
    {
        var (rsaPub, rsaPriv) = Rsa();
        var (ecPub, ecPriv) = Ec();
        var (peerPub, peerPriv) = Ec();
        var aes = T.Aes(RandomNumberGenerator.GetBytes(32));
        var hmacKey = SecretKey(CKK.GENERIC_SECRET, RandomNumberGenerator.GetBytes(32));
        var iv = RandomNumberGenerator.GetBytes(16);
        var gcm = new GcmParams(RandomNumberGenerator.GetBytes(12), 96, S("aad"), 128).Encode();
        var msg = S("the same key in every thread");
        var plain = RandomNumberGenerator.GetBytes(1000);

        // Expected values, computed with fresh copies of the keys (no shared prepared state).
        var pkcs1 = Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, rsaPriv.Clone()).OneShot(msg);
        var cbc = Mech(CKM.AES_CBC_PAD).CreateEncrypt(CKM.AES_CBC_PAD, iv, aes.Clone()).OneShot(plain);
        var gcmCt = Mech(CKM.AES_GCM).CreateEncrypt(CKM.AES_GCM, gcm, aes.Clone()).OneShot(plain);
        var shared = Ecdh(peerPriv, Unwrap(ecPub[CKA.EC_POINT]));
        var peerPoint = Unwrap(peerPub[CKA.EC_POINT]);
        var mac = HMACSHA256.HashData(hmacKey[CKA.VALUE], plain);
        var oaepCt = Mech(CKM.RSA_PKCS_OAEP).CreateEncrypt(CKM.RSA_PKCS_OAEP, OaepSha256, rsaPub.Clone()).OneShot(plain[..100]);

        const int threads = 8;
        const int rounds = 6;
        var failures = 0;
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < rounds; i++)
            {
                var ok = true;
                ok &= Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, rsaPriv).OneShot(msg).SequenceEqual(pkcs1);
                ok &= Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, rsaPub).OneShot(msg, pkcs1);
                ok &= !Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, rsaPub).OneShot(S("other"), pkcs1);
                ok &= Mech(CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, OaepSha256, rsaPriv).OneShot(oaepCt).SequenceEqual(plain[..100]);
                var ct = Mech(CKM.RSA_PKCS).CreateEncrypt(CKM.RSA_PKCS, null, rsaPub).OneShot(msg);
                ok &= Mech(CKM.RSA_PKCS).CreateDecrypt(CKM.RSA_PKCS, null, rsaPriv).OneShot(ct).SequenceEqual(msg);
                var pss = Mech(CKM.SHA256_RSA_PKCS_PSS).CreateSign(CKM.SHA256_RSA_PKCS_PSS, PssSha256, rsaPriv).OneShot(msg);
                ok &= Mech(CKM.SHA256_RSA_PKCS_PSS).CreateVerify(CKM.SHA256_RSA_PKCS_PSS, PssSha256, rsaPub).OneShot(msg, pss);
                var raw = Mech(CKM.RSA_X_509).CreateSign(CKM.RSA_X_509, null, rsaPriv).OneShot(msg);
                ok &= Mech(CKM.RSA_X_509).CreateVerify(CKM.RSA_X_509, null, rsaPub).OneShot(msg, raw);
                var ecSig = Mech(CKM.ECDSA_SHA256).CreateSign(CKM.ECDSA_SHA256, null, ecPriv).OneShot(msg);
                ok &= Mech(CKM.ECDSA_SHA256).CreateVerify(CKM.ECDSA_SHA256, null, ecPub).OneShot(msg, ecSig);
                ok &= !Mech(CKM.ECDSA_SHA256).CreateVerify(CKM.ECDSA_SHA256, null, ecPub).OneShot(S("other"), ecSig);
                ok &= Ecdh(ecPriv, peerPoint).SequenceEqual(shared);
                ok &= Mech(CKM.AES_CBC_PAD).CreateEncrypt(CKM.AES_CBC_PAD, iv, aes).OneShot(plain).SequenceEqual(cbc);
                ok &= Mech(CKM.AES_CBC_PAD).CreateDecrypt(CKM.AES_CBC_PAD, iv, aes).OneShot(cbc).SequenceEqual(plain);
                ok &= Mech(CKM.AES_GCM).CreateEncrypt(CKM.AES_GCM, gcm, aes).OneShot(plain).SequenceEqual(gcmCt);
                ok &= Mech(CKM.AES_GCM).CreateDecrypt(CKM.AES_GCM, gcm, aes).OneShot(gcmCt).SequenceEqual(plain);
                for (var j = 0; j < 20; j++)
                {
                    ok &= Mech(CKM.SHA256_HMAC).CreateSign(CKM.SHA256_HMAC, null, hmacKey).OneShot(plain).SequenceEqual(mac);
                    ok &= Mech(CKM.SHA256_HMAC).CreateVerify(CKM.SHA256_HMAC, null, hmacKey).OneShot(plain, mac);
                }

                if (!ok) Interlocked.Increment(ref failures);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.Equal(0, failures);
        Assert.Same(RsaKeys.Prepare(rsaPriv), RsaKeys.Prepare(rsaPriv));
        Assert.Same(EcKeys.Prepare(ecPriv), EcKeys.Prepare(ecPriv));
    }

    [Fact]
    public void A_changed_key_is_a_new_instance_and_does_not_reuse_the_old_prepared_objects()
    {
        var (pubA, privA) = Rsa();
        var (pubB, privB) = Rsa();
        var msg = S("message");
        var sigA = Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, privA).OneShot(msg);
        Assert.True(privA.PreparedCount > 0);

        // The token replaces a changed key with a new instance: a copy carrying the new values, prepared afresh.
        var changed = privA.Clone();
        Assert.Equal(0, changed.PreparedCount);
        foreach (var (type, value) in privB) changed.Set(type, value);
        Assert.NotSame(RsaKeys.Prepare(privA), RsaKeys.Prepare(changed));
        var sigB = Mech(CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, changed).OneShot(msg);
        Assert.NotEqual(sigA, sigB);
        Assert.True(Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pubB).OneShot(msg, sigB));
        Assert.True(Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pubA).OneShot(msg, sigA));

        // Changing a set in place (only done while building one) drops what was prepared from it as well.
        var aes = T.Aes(RandomNumberGenerator.GetBytes(16));
        var iv = new byte[16];
        var first = Mech(CKM.AES_CBC).CreateEncrypt(CKM.AES_CBC, iv, aes).OneShot(new byte[16]);
        Assert.True(aes.PreparedCount > 0);
        var newValue = RandomNumberGenerator.GetBytes(16);
        aes.Set(CKA.VALUE, newValue);
        Assert.Equal(0, aes.PreparedCount);
        var second = Mech(CKM.AES_CBC).CreateEncrypt(CKM.AES_CBC, iv, aes).OneShot(new byte[16]);
        Assert.NotEqual(first, second);
        using var reference = System.Security.Cryptography.Aes.Create();
        reference.Key = newValue;
        Assert.Equal(reference.EncryptCbc(new byte[16], iv, PaddingMode.None), second);

        // EC: the public point is computed once per instance; a new private value gets its own.
        var (_, ec1) = Ec();
        var (_, ec2) = Ec();
        var ecChanged = ec1.Clone();
        ecChanged.Set(CKA.VALUE, ec2[CKA.VALUE]);
        Assert.NotEqual(EcKeys.Prepare(ec1).Parameters.Q.X, EcKeys.Prepare(ecChanged).Parameters.Q.X);
        Assert.Equal(EcKeys.Prepare(ec2).Parameters.Q.X, EcKeys.Prepare(ecChanged).Parameters.Q.X);
    }

    [Fact]
    public void Verification_of_a_signature_not_below_the_modulus_is_false()
    {
        var (pub, _) = Rsa(1024);
        var bad = Enumerable.Repeat((byte)0xFF, 128).ToArray();
        Assert.False(Mech(CKM.SHA256_RSA_PKCS).CreateVerify(CKM.SHA256_RSA_PKCS, null, pub).OneShot(S("x"), bad));
        Assert.False(Mech(CKM.SHA256_RSA_PKCS_PSS).CreateVerify(CKM.SHA256_RSA_PKCS_PSS, PssSha256, pub).OneShot(S("x"), bad));
        Assert.False(Mech(CKM.RSA_PKCS).CreateVerify(CKM.RSA_PKCS, null, pub).OneShot(S("x"), bad));
    }

    /// <summary>The EC point inside its DER OCTET STRING.</summary>
    private static byte[] Unwrap(byte[] ecPoint) => new System.Formats.Asn1.AsnReader(ecPoint, System.Formats.Asn1.AsnEncodingRules.DER).ReadOctetString();
}
