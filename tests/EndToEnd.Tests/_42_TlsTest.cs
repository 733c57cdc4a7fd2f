using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// A TLS 1.2 key schedule through the real module with Pkcs11Interop's TLS parameter structures: pre-master key generation,
/// master key derivation (CK_VERSION written back), key and MAC derivation (CK_SSL3_KEY_MAT_OUT handles and IVs written
/// back), the Finished MAC and CKM_TLS12_KDF, each checked against BouncyCastle's TLS PRF; SSL3 derivations and MACs.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _42_TlsTest(EndToEndFixture fx)
{
    private static readonly byte[] ClientRandom = Enumerable.Range(0, 32).Select(i => (byte)(i + 1)).ToArray();
    private static readonly byte[] ServerRandom = Enumerable.Range(0, 32).Select(i => (byte)(0xa0 + i)).ToArray();

    private static byte[] Prf(byte[] secret, string label, byte[] seed, int length) =>
        new BcTlsCrypto(new SecureRandom()).CreateSecret(secret).DeriveUsingPrf(PrfAlgorithm.tls_prf_sha256, label, seed, length).Extract();

    private static List<IObjectAttribute> Readable(params IObjectAttribute[] extra) =>
        [A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_TOKEN, false), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true), .. extra];

    [Fact]
    public void A_tls12_key_schedule_through_the_module_matches_the_tls_prf()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "tls12");
        var pre = s.GenerateKey(M(CKM.CKM_TLS_PRE_MASTER_KEY_GEN, MP.CreateCkVersion(3, 3)), Readable(A(CKA.CKA_DERIVE, true)));
        var preValue = Bytes(s, pre, CKA.CKA_VALUE);
        Assert.Equal(new byte[] { 3, 3 }, preValue[..2]);
        Assert.Equal(48, preValue.Length);

        var random = MP.CreateCkSsl3RandomData(ClientRandom, ServerRandom);
        var masterParams = MP.CreateCkTls12MasterKeyDeriveParams(random, (ulong)CKM.CKM_SHA256);
        var master = s.DeriveKey(M(CKM.CKM_TLS12_MASTER_KEY_DERIVE, masterParams), pre,
            Readable(A(CKA.CKA_DERIVE, true), A(CKA.CKA_SIGN, true), A(CKA.CKA_VERIFY, true)));
        // (Pkcs11Interop 5.3.0 cannot read masterParams.Version back; clients/kdfclient.c checks the CK_VERSION from C.)
        var masterValue = Bytes(s, master, CKA.CKA_VALUE);
        Assert.Equal(Hex(Prf(preValue, "master secret", [.. ClientRandom, .. ServerRandom], 48)), Hex(masterValue));

        // AES-128-CBC with HMAC-SHA256: 32-byte MAC keys, 16-byte keys, 16-byte IVs.
        var keyParams = MP.CreateCkTls12KeyMatParams(256, 128, 128, false, MP.CreateCkSsl3RandomData(ClientRandom, ServerRandom), (ulong)CKM.CKM_SHA256);
        s.DeriveKey(M(CKM.CKM_TLS12_KEY_AND_MAC_DERIVE, keyParams), master,
            Readable(A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true)));
        var block = Prf(masterValue, "key expansion", [.. ServerRandom, .. ClientRandom], 2 * (32 + 16 + 16));
        // (Pkcs11Interop 5.3.0 cannot read ReturnedKeyMaterial back; clients/kdfclient.c checks the handles and IVs from C.)
        // The four keys are there: the session's secret keys hold the expected values.
        var values = s.FindAllObjects([A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)]).Select(o => Hex(Bytes(s, o, CKA.CKA_VALUE))).ToHashSet();
        foreach (var (from, to) in new[] { (0, 32), (32, 64), (64, 80), (80, 96) })
            Assert.Contains(Hex(block[from..to]), values);

        // The client's Finished verify_data and an exporter-style key.
        var handshake = SHA256.HashData(Encoding.ASCII.GetBytes("client hello .. server hello done .. client key exchange"));
        var finished = s.Sign(M(CKM.CKM_TLS_MAC, MP.CreateCkTlsMacParams((ulong)CKM.CKM_SHA256, 12, 2)), master, handshake);
        Assert.Equal(Hex(Prf(masterValue, "client finished", handshake, 12)), Hex(finished));
        var context = Encoding.ASCII.GetBytes("context");
        var exported = s.DeriveKey(M(CKM.CKM_TLS12_KDF, MP.CreateCkTlsKdfParams((ulong)CKM.CKM_SHA256, Encoding.ASCII.GetBytes("EXPORTER-x"),
            MP.CreateCkSsl3RandomData(ClientRandom, ServerRandom), context)), master, Readable(A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET), A(CKA.CKA_VALUE_LEN, 40UL)));
        Assert.Equal(Hex(Prf(masterValue, "EXPORTER-x", [.. ClientRandom, .. ServerRandom, .. context], 40)), Hex(Bytes(s, exported, CKA.CKA_VALUE)));

        // A short client random and an export derivation are refused.
        AssertRv(CKR.CKR_MECHANISM_PARAM_INVALID, () => s.DeriveKey(M(CKM.CKM_TLS12_MASTER_KEY_DERIVE,
            MP.CreateCkTls12MasterKeyDeriveParams(MP.CreateCkSsl3RandomData(ClientRandom[..31], ServerRandom), (ulong)CKM.CKM_SHA256)), pre, Readable()));
        AssertRv(CKR.CKR_MECHANISM_PARAM_INVALID, () => s.DeriveKey(M(CKM.CKM_TLS12_KEY_AND_MAC_DERIVE,
            MP.CreateCkTls12KeyMatParams(256, 128, 128, true, MP.CreateCkSsl3RandomData(ClientRandom, ServerRandom), (ulong)CKM.CKM_SHA256)), master, Readable()));
    }

    [Fact]
    public void Ssl3_derivations_and_macs_work_through_the_module()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "ssl3");
        var pre = s.GenerateKey(M(CKM.CKM_SSL3_PRE_MASTER_KEY_GEN, MP.CreateCkVersion(3, 0)), Readable(A(CKA.CKA_DERIVE, true)));
        var preValue = Bytes(s, pre, CKA.CKA_VALUE);
        var masterParams = MP.CreateCkSsl3MasterKeyDeriveParams(MP.CreateCkSsl3RandomData(ClientRandom, ServerRandom), false);
        var master = s.DeriveKey(M(CKM.CKM_SSL3_MASTER_KEY_DERIVE, masterParams), pre, Readable(A(CKA.CKA_DERIVE, true)));
        var expected = new List<byte>();
        foreach (var salt in new[] { "A", "BB", "CCC" })
            expected.AddRange(MD5.HashData([.. preValue, .. SHA1.HashData([.. Encoding.ASCII.GetBytes(salt), .. preValue, .. ClientRandom, .. ServerRandom])]));
        Assert.Equal(Hex([.. expected]), Hex(Bytes(s, master, CKA.CKA_VALUE)));

        var keyParams = MP.CreateCkSsl3KeyMatParams(160, 128, 0, false, MP.CreateCkSsl3RandomData(ClientRandom, ServerRandom));
        s.DeriveKey(M(CKM.CKM_SSL3_KEY_AND_MAC_DERIVE, keyParams), master, Readable(A(CKA.CKA_KEY_TYPE, CKK.CKK_AES)));
        var block = new List<byte>();
        var masterValue = Bytes(s, master, CKA.CKA_VALUE);
        foreach (var salt in new[] { "A", "BB", "CCC", "DDDD", "EEEEE" })
            block.AddRange(MD5.HashData([.. masterValue, .. SHA1.HashData([.. Encoding.ASCII.GetBytes(salt), .. masterValue, .. ServerRandom, .. ClientRandom])]));
        var macKey = s.FindAllObjects([A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_SIGN, true), A(CKA.CKA_VALUE_LEN, 20UL)])
            .Single(o => Hex(Bytes(s, o, CKA.CKA_VALUE)) == Hex(block.Take(20).ToArray()));
        var aesValues = s.FindAllObjects([A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES)]).Select(o => Hex(Bytes(s, o, CKA.CKA_VALUE))).ToList();
        Assert.Contains(Hex(block.Skip(40).Take(16).ToArray()), aesValues);
        Assert.Contains(Hex(block.Skip(56).Take(16).ToArray()), aesValues);

        var data = Encoding.ASCII.GetBytes("record");
        var mac = s.Sign(M(CKM.CKM_SSL3_SHA1_MAC, BitConverter.GetBytes(20UL)), macKey, data);
        var k = Bytes(s, macKey, CKA.CKA_VALUE);
        var inner = SHA1.HashData([.. k, .. Enumerable.Repeat((byte)0x36, 40), .. data]);
        Assert.Equal(Hex(SHA1.HashData([.. k, .. Enumerable.Repeat((byte)0x5c, 40), .. inner])), Hex(mac));
        s.Verify(M(CKM.CKM_SSL3_SHA1_MAC, BitConverter.GetBytes(20UL)), macKey, data, mac, out var valid);
        Assert.True(valid);
    }
}
