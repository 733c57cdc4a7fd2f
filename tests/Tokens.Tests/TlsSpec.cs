using System.Security.Cryptography;
using System.Text;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// TLS 1.2 and SSL3 mechanisms: master secret and key block against the NIST TLS 1.2 PRF vectors (as reproduced in
/// OpenSSL's evpkdf_tls12_prf.txt), CKM_TLS12_KDF and CKM_TLS_MAC against BouncyCastle's TLS PRF (BcTlsCrypto), SSL3
/// derivations and MACs against their definitions (SSL 3.0, RFC 6101 §5.2.3.1, §6.1, §6.2.3.1) computed here with .NET's
/// MD5/SHA-1; parameter and template errors with their CKR codes.
/// </summary>
public class TlsSpec
{
    private static readonly byte[] PreMaster = H("f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc");
    private static readonly byte[] ClientRandom = H("36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c");
    private static readonly byte[] ServerRandom = H("f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce");
    private static readonly byte[] Master = H("202c88c00f84a17a20027079604787461176455539e705be730890602c289a5001e34eeb3a043e5d52a65e66125188bf");

    // The key expansion vector: its own randoms (server random first in the seed).
    private static readonly byte[] KeyServerRandom = H("ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868");
    private static readonly byte[] KeyClientRandom = H("62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616");
    private static readonly byte[] KeyBlock = H("d06139889fffac1e3a71865f504aa5d0d2a2e89506c6f2279b670c3e1b74f531016a2530c51a3a0f7e1d6590d0f0566b2f387f8d11fd4f731cdd572d2eae927f" +
        "6f2f81410b25e6960be68985add6c38445ad9f8c64bf8068bf9a6679485d966f1ad6f68b43495b10a683755ea2b858d70ccac7ec8b053c6bd41ca299d4e51928");

    private static AttributeSet Secret(byte[] value) => SecretKey(CKK.GENERIC_SECRET, value);

    private static byte[] Master12(ulong prf, bool version, byte[]? client = null) =>
        new TlsParams(prf, client ?? ClientRandom, ServerRandom, version, 0, 0, 0, false, [], []).Encode();

    private static byte[] KeyMat(ulong prf, ulong mac, ulong key, ulong iv, bool export = false) =>
        new TlsParams(prf, KeyClientRandom, KeyServerRandom, false, mac, key, iv, export, [], []).Encode();

    private static byte[] BouncyPrf(int prf, byte[] secret, string label, byte[] seed, int length) =>
        new BcTlsCrypto(new SecureRandom()).CreateSecret(secret).DeriveUsingPrf(prf, label, seed, length).Extract();

    [Fact]
    public void Tls12_master_key_derive_matches_the_nist_vector_and_answers_the_version()
    {
        var m = Mech(CKM.TLS12_MASTER_KEY_DERIVE);
        var made = m.DeriveAll(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.SHA256, true), Secret(PreMaster), Set());
        Assert.Equal(Master, made.Objects.Single().Produced[CKA.VALUE]);
        Assert.Equal(CKK.GENERIC_SECRET, made.Objects[0].Produced.GetULong(CKA.KEY_TYPE));
        Assert.Equal(PreMaster[..2], made.Output);
        Assert.Null(m.DeriveAll(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.SHA256, false), Secret(PreMaster), Set()).Output);
        // The DH form takes the shared secret of any length and answers no version.
        var dh = Mech(CKM.TLS12_MASTER_KEY_DERIVE_DH).DeriveAll(CKM.TLS12_MASTER_KEY_DERIVE_DH, Master12(CKM.SHA256, false), Secret(PreMaster), Set());
        Assert.Equal(Master, dh.Objects[0].Produced[CKA.VALUE]);
        var shortSecret = PreMaster[..20];
        Assert.Equal(BouncyPrf(PrfAlgorithm.tls_prf_sha256, shortSecret, "master secret", [.. ClientRandom, .. ServerRandom], 48),
            Mech(CKM.TLS12_MASTER_KEY_DERIVE_DH).Derive(CKM.TLS12_MASTER_KEY_DERIVE_DH, Master12(CKM.SHA256, false), Secret(shortSecret), Set())[CKA.VALUE]);

        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.TLS12_MASTER_KEY_DERIVE_DH).Derive(CKM.TLS12_MASTER_KEY_DERIVE_DH, Master12(CKM.SHA256, true), Secret(PreMaster), Set())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.MD5, true), Secret(PreMaster), Set())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.SHA256, true, ClientRandom[..31]), Secret(PreMaster), Set())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.Derive(CKM.TLS12_MASTER_KEY_DERIVE, null, Secret(PreMaster), Set())));
        Assert.Equal(CKR.KEY_SIZE_RANGE, Rv(() => m.Derive(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.SHA256, true), Secret(PreMaster[..32]), Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.Derive(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.SHA256, true), Secret(PreMaster), Set((CKA.VALUE_LEN, U(32))))));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.Derive(CKM.TLS12_MASTER_KEY_DERIVE, Master12(CKM.SHA256, true), Secret(PreMaster), Set((CKA.KEY_TYPE, U(CKK.AES))))));
    }

    [Fact]
    public void Tls12_key_and_mac_derive_cuts_the_nist_key_block_into_mac_keys_keys_and_ivs()
    {
        var made = Mech(CKM.TLS12_KEY_AND_MAC_DERIVE).DeriveAll(CKM.TLS12_KEY_AND_MAC_DERIVE, KeyMat(CKM.SHA256, 160, 128, 128), Secret(Master),
            Set((CKA.KEY_TYPE, U(CKK.AES))));
        Assert.Equal(4, made.Objects.Count);
        Assert.Equal(KeyBlock[..20], made.Objects[0].Produced[CKA.VALUE]);
        Assert.Equal(KeyBlock[20..40], made.Objects[1].Produced[CKA.VALUE]);
        Assert.Equal(KeyBlock[40..56], made.Objects[2].Produced[CKA.VALUE]);
        Assert.Equal(KeyBlock[56..72], made.Objects[3].Produced[CKA.VALUE]);
        Assert.Equal(KeyBlock[72..104], made.Output);
        Assert.True(made.Objects[0].Template.IsTrue(CKA.SIGN) && made.Objects[1].Template.IsTrue(CKA.VERIFY));
        Assert.Equal(CKK.AES, made.Objects[3].Produced.GetULong(CKA.KEY_TYPE));

        // KEY_SAFE_DERIVE never returns IVs; the keys are the same.
        var safe = Mech(CKM.TLS12_KEY_SAFE_DERIVE).DeriveAll(CKM.TLS12_KEY_SAFE_DERIVE, KeyMat(CKM.SHA256, 160, 128, 128), Secret(Master), Set((CKA.KEY_TYPE, U(CKK.AES))));
        Assert.Null(safe.Output);
        Assert.Equal(KeyBlock[40..56], safe.Objects[2].Produced[CKA.VALUE]);

        // AEAD suites: no MAC keys.
        var aead = Mech(CKM.TLS12_KEY_AND_MAC_DERIVE).DeriveAll(CKM.TLS12_KEY_AND_MAC_DERIVE, KeyMat(CKM.SHA256, 0, 256, 32), Secret(Master), Set((CKA.KEY_TYPE, U(CKK.AES))));
        Assert.Equal(2, aead.Objects.Count);
        Assert.Equal(KeyBlock[..32], aead.Objects[0].Produced[CKA.VALUE]);
        Assert.Equal(KeyBlock[64..72], aead.Output);

        var m = Mech(CKM.TLS12_KEY_AND_MAC_DERIVE);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.DeriveAll(CKM.TLS12_KEY_AND_MAC_DERIVE, KeyMat(CKM.SHA256, 160, 128, 128, export: true), Secret(Master), Set())));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => m.DeriveAll(CKM.TLS12_KEY_AND_MAC_DERIVE, KeyMat(CKM.SHA256, 161, 128, 128), Secret(Master), Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.DeriveAll(CKM.TLS12_KEY_AND_MAC_DERIVE, KeyMat(CKM.SHA256, 160, 128, 128), Secret(Master),
            Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(32))))));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => m.DeriveAll(CKM.TLS12_KEY_AND_MAC_DERIVE, KeyMat(CKM.SHA256, 160, 128, 128), Secret(Master),
            Set((CKA.KEY_TYPE, U(CKK.DES3))))));
    }

    [Fact]
    public void Tls12_kdf_and_tls_mac_agree_with_bouncycastle()
    {
        var context = S("exporter context");
        var p = new TlsParams(CKM.SHA384, ClientRandom, ServerRandom, false, 0, 0, 0, false, S("EXPORTER-test"), context).Encode();
        var k = Mech(CKM.TLS12_KDF).Derive(CKM.TLS12_KDF, p, Secret(Master), Set((CKA.VALUE_LEN, U(70))));
        Assert.Equal(BouncyPrf(PrfAlgorithm.tls_prf_sha384, Master, "EXPORTER-test", [.. ClientRandom, .. ServerRandom, .. context], 70), k[CKA.VALUE]);
        Assert.Equal(k[CKA.VALUE], Mech(CKM.TLS_KDF).Derive(CKM.TLS_KDF, p, Secret(Master), Set((CKA.VALUE_LEN, U(70))))[CKA.VALUE]);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.TLS12_KDF).Derive(CKM.TLS12_KDF,
            new TlsParams(CKM.SHA384, ClientRandom, ServerRandom, false, 0, 0, 0, false, [], []).Encode(), Secret(Master), Set((CKA.VALUE_LEN, U(16))))));

        var handshakeHash = SHA256.HashData(S("handshake messages"));
        byte[] MacParams(ulong side, ulong length = 12) => [.. U(CKM.SHA256), .. U(length), .. U(side)];
        var client = Mech(CKM.TLS_MAC).CreateSign(CKM.TLS_MAC, MacParams(2), Secret(Master)).OneShot(handshakeHash);
        Assert.Equal(BouncyPrf(PrfAlgorithm.tls_prf_sha256, Master, "client finished", handshakeHash, 12), client);
        var server = Mech(CKM.TLS12_MAC).CreateSign(CKM.TLS12_MAC, MacParams(1), Secret(Master));
        server.Update(handshakeHash[..10]);
        server.Update(handshakeHash[10..]);
        Assert.Equal(BouncyPrf(PrfAlgorithm.tls_prf_sha256, Master, "server finished", handshakeHash, 12), server.Final());
        Assert.True(Mech(CKM.TLS_MAC).CreateVerify(CKM.TLS_MAC, MacParams(2), Secret(Master)).OneShot(handshakeHash, client));
        Assert.False(Mech(CKM.TLS_MAC).CreateVerify(CKM.TLS_MAC, MacParams(1), Secret(Master)).OneShot(handshakeHash, client));
        Assert.Equal(CKR.SIGNATURE_LEN_RANGE, Rv(() => Mech(CKM.TLS_MAC).CreateVerify(CKM.TLS_MAC, MacParams(2), Secret(Master)).OneShot(handshakeHash, client[..11])));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.TLS_MAC).CreateSign(CKM.TLS_MAC, MacParams(3), Secret(Master))));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.TLS_MAC).CreateSign(CKM.TLS_MAC, U(CKM.SHA256), Secret(Master))));
    }

    private static byte[] Ssl3(byte[] secret, byte[] seed, int length)
    {
        // SSL 3.0 §6.1 / §6.2.2: MD5(secret + SHA('A' + secret + seed)) + MD5(secret + SHA('BB' + ...)) + ...
        var output = new List<byte>();
        foreach (var salt in new[] { "A", "BB", "CCC", "DDDD", "EEEEE", "FFFFFF", "GGGGGGG" })
            output.AddRange(MD5.HashData([.. secret, .. SHA1.HashData([.. Encoding.ASCII.GetBytes(salt), .. secret, .. seed])]));
        return output.Take(length).ToArray();
    }

    [Fact]
    public void Ssl3_pre_master_master_and_key_derivations_follow_ssl3()
    {
        var pre = Mech(CKM.SSL3_PRE_MASTER_KEY_GEN).GenerateKey(CKM.SSL3_PRE_MASTER_KEY_GEN, [3, 0], Set());
        Assert.Equal(48, pre[CKA.VALUE].Length);
        Assert.Equal(new byte[] { 3, 0 }, pre[CKA.VALUE][..2]);
        Assert.Equal(new byte[] { 3, 3 }, Mech(CKM.TLS_PRE_MASTER_KEY_GEN).GenerateKey(CKM.TLS_PRE_MASTER_KEY_GEN, [3, 3], Set())[CKA.VALUE][..2]);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(CKM.TLS_PRE_MASTER_KEY_GEN).GenerateKey(CKM.TLS_PRE_MASTER_KEY_GEN, null, Set())));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => Mech(CKM.TLS_PRE_MASTER_KEY_GEN).GenerateKey(CKM.TLS_PRE_MASTER_KEY_GEN, [3, 3], Set((CKA.VALUE_LEN, U(32))))));

        var master = Mech(CKM.SSL3_MASTER_KEY_DERIVE).DeriveAll(CKM.SSL3_MASTER_KEY_DERIVE,
            new TlsParams(0, ClientRandom, ServerRandom, true, 0, 0, 0, false, [], []).Encode(), Secret(PreMaster), Set());
        Assert.Equal(Ssl3(PreMaster, [.. ClientRandom, .. ServerRandom], 48), master.Objects[0].Produced[CKA.VALUE]);
        Assert.Equal(PreMaster[..2], master.Output);
        var dh = Mech(CKM.SSL3_MASTER_KEY_DERIVE_DH).Derive(CKM.SSL3_MASTER_KEY_DERIVE_DH,
            new TlsParams(0, ClientRandom, ServerRandom, false, 0, 0, 0, false, [], []).Encode(), Secret(PreMaster[..24]), Set());
        Assert.Equal(Ssl3(PreMaster[..24], [.. ClientRandom, .. ServerRandom], 48), dh[CKA.VALUE]);

        var keys = Mech(CKM.SSL3_KEY_AND_MAC_DERIVE).DeriveAll(CKM.SSL3_KEY_AND_MAC_DERIVE,
            new TlsParams(0, KeyClientRandom, KeyServerRandom, false, 160, 192, 64, false, [], []).Encode(), Secret(Master), Set((CKA.KEY_TYPE, U(CKK.DES3))));
        var block = Ssl3(Master, [.. KeyServerRandom, .. KeyClientRandom], 2 * (20 + 24 + 8));
        Assert.Equal(block[..20], keys.Objects[0].Produced[CKA.VALUE]);
        Assert.Equal(block[40..64], keys.Objects[2].Produced[CKA.VALUE]);
        Assert.Equal(block[64..88], keys.Objects[3].Produced[CKA.VALUE]);
        Assert.Equal(block[88..104], keys.Output);
    }

    [Theory]
    [InlineData(CKM.SSL3_MD5_MAC, 48, 16)]
    [InlineData(CKM.SSL3_SHA1_MAC, 40, 8)]
    public void Ssl3_macs_follow_ssl3(ulong mechanism, int pads, int length)
    {
        var key = Secret(H("000102030405060708090a0b0c0d0e0f1011121314151617"));
        var data = S("sequence number, type, length and fragment");
        Func<byte[], byte[]> hash = mechanism == CKM.SSL3_MD5_MAC ? MD5.HashData : SHA1.HashData;
        var inner = hash([.. key[CKA.VALUE], .. Enumerable.Repeat((byte)0x36, pads), .. data]);
        var expected = hash([.. key[CKA.VALUE], .. Enumerable.Repeat((byte)0x5c, pads), .. inner])[..length];
        Assert.Equal(expected, Mech(mechanism).CreateSign(mechanism, U((ulong)length), key).OneShot(data));
        Assert.True(Mech(mechanism).CreateVerify(mechanism, U((ulong)length), key).OneShot(data, expected));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(mechanism).CreateSign(mechanism, U(21), key)));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => Mech(mechanism).CreateSign(mechanism, null, key)));
    }
}
