using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;
using LL = Net.Pkcs11Interop.LowLevelAPI80;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_Encrypt*/C_Decrypt* with AES (ECB, CBC, CBC-PAD, CTR, GCM), output-buffer rules, key usage checks.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _07_EncryptDecryptTest(EndToEndFixture fx)
{
    private static readonly byte[] Key = Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    private static readonly byte[] Iv = Convert.FromHexString("F0E1D2C3B4A5968778695A4B3C2D1E0F");
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("Attack at dawn! Bring 37 bytes of it.");

    [Fact]
    public void AES_ECB_FIPS197_known_answer()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "aes ecb");
        var key = ImportAesKey(s, Key, "fips197");
        var plain = Convert.FromHexString("00112233445566778899AABBCCDDEEFF");
        var cipher = s.Encrypt(M(CKM.CKM_AES_ECB), key, plain);
        Assert.Equal("8EA2B7CA516745BFEAFC49904B496089", Hex(cipher));
        Assert.Equal(plain, s.Decrypt(M(CKM.CKM_AES_ECB), key, cipher));
    }

    [Fact]
    public void AES_CBC_PAD_matches_an_independent_implementation_and_round_trips()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "aes cbc pad");
        var key = ImportAesKey(s, Key, "cbc pad");
        using var aes = Aes.Create();
        aes.Key = Key;
        var expected = aes.EncryptCbc(Message, Iv, PaddingMode.PKCS7);

        var cipher = s.Encrypt(M(CKM.CKM_AES_CBC_PAD, Iv), key, Message);
        Assert.Equal(Hex(expected), Hex(cipher));
        Assert.Equal(Message, s.Decrypt(M(CKM.CKM_AES_CBC_PAD, Iv), key, cipher));

        // Multi-part in odd-sized pieces gives the same bytes.
        using var input = new MemoryStream(Message);
        using var output = new MemoryStream();
        s.Encrypt(M(CKM.CKM_AES_CBC_PAD, Iv), key, input, output, 5);
        Assert.Equal(Hex(expected), Hex(output.ToArray()));
        using var cin = new MemoryStream(cipher);
        using var pout = new MemoryStream();
        s.Decrypt(M(CKM.CKM_AES_CBC_PAD, Iv), key, cin, pout, 7);
        Assert.Equal(Message, pout.ToArray());
    }

    [Fact]
    public void AES_CBC_without_padding_needs_whole_blocks()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "aes cbc");
        var key = ImportAesKey(s, Key, "cbc");
        var block = Message[..32];
        using var aes = Aes.Create();
        aes.Key = Key;
        Assert.Equal(Hex(aes.EncryptCbc(block, Iv, PaddingMode.None)), Hex(s.Encrypt(M(CKM.CKM_AES_CBC, Iv), key, block)));
        AssertRv(CKR.CKR_DATA_LEN_RANGE, () => s.Encrypt(M(CKM.CKM_AES_CBC, Iv), key, Message[..15]));
    }

    [Fact]
    public void AES_CTR_round_trips_and_matches_a_counter_mode_built_from_ECB()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "aes ctr");
        var key = ImportAesKey(s, Key, "ctr");
        var counterBlock = Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF");
        var mech = M(CKM.CKM_AES_CTR, MP.CreateCkAesCtrParams(128, counterBlock));
        var cipher = s.Encrypt(mech, key, Message);

        using var aes = Aes.Create();
        aes.Key = Key;
        var expected = new byte[Message.Length];
        var counter = (byte[])counterBlock.Clone();
        for (var offset = 0; offset < Message.Length; offset += 16)
        {
            var stream = aes.EncryptEcb(counter, PaddingMode.None);
            for (var i = 0; i < 16 && offset + i < Message.Length; i++)
                expected[offset + i] = (byte)(Message[offset + i] ^ stream[i]);
            for (var i = 15; i >= 0 && ++counter[i] == 0; i--)
            {
            }
        }
        Assert.Equal(Hex(expected), Hex(cipher));
        Assert.Equal(Message, s.Decrypt(M(CKM.CKM_AES_CTR, MP.CreateCkAesCtrParams(128, counterBlock)), key, cipher));
    }

    [Fact]
    public void AES_GCM_matches_an_independent_implementation_and_detects_tampering()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "aes gcm");
        var key = ImportAesKey(s, Key, "gcm");
        var nonce = Convert.FromHexString("CAFEBABEFACEDBADDECAF888");
        var aad = Encoding.ASCII.GetBytes("header");
        Net.Pkcs11Interop.HighLevelAPI.IMechanism Gcm() => M(CKM.CKM_AES_GCM, MP.CreateCkGcmParams(nonce, 96, aad, 128));

        var cipher = s.Encrypt(Gcm(), key, Message);
        var expectedCipher = new byte[Message.Length];
        var expectedTag = new byte[16];
        using (var gcm = new AesGcm(Key, 16))
            gcm.Encrypt(nonce, Message, expectedCipher, expectedTag, aad);
        Assert.Equal(Hex([.. expectedCipher, .. expectedTag]), Hex(cipher)); // ciphertext || tag

        Assert.Equal(Message, s.Decrypt(Gcm(), key, cipher));

        var tampered = (byte[])cipher.Clone();
        tampered[3] ^= 1;
        var rv = (ulong)Rv(() => s.Decrypt(Gcm(), key, tampered));
        Assert.True(rv is (ulong)CKR.CKR_ENCRYPTED_DATA_INVALID or CKR_AEAD_DECRYPT_FAILED,
            $"tampered GCM decrypt returned 0x{rv:X}");
    }

    [Fact]
    public void Generated_AES_key_round_trips()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "aes gen");
        var key = s.GenerateKey(M(CKM.CKM_AES_KEY_GEN), T(A(CKA.CKA_VALUE_LEN, 16UL),
            A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true)));
        var cipher = s.Encrypt(M(CKM.CKM_AES_CBC_PAD, Iv), key, Message);
        Assert.NotEqual(Message, cipher[..Message.Length]);
        Assert.Equal(Message, s.Decrypt(M(CKM.CKM_AES_CBC_PAD, Iv), key, cipher));
    }

    [Fact]
    public void Encrypt_with_a_too_small_buffer_keeps_the_operation_alive()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "too small");
        var key = ImportAesKey(s, Key, "small buffer");
        using var aes = Aes.Create();
        aes.Key = Key;
        var expected = aes.EncryptCbc(Message, Iv, PaddingMode.PKCS7);

        var ll = LowLevel(fx.ModulePath);
        var mech = LL.CkmUtils.CreateMechanism(CKM.CKM_AES_CBC_PAD, Iv);
        try
        {
            Assert.Equal(CKR.CKR_OK, ll.C_EncryptInit(s.SessionId, ref mech, key.ObjectId));
            ulong len = 0;
            Assert.Equal(CKR.CKR_OK, ll.C_Encrypt(s.SessionId, Message, (ulong)Message.Length, null, ref len));
            Assert.True(len >= (ulong)expected.Length, $"size query returned {len}");
            var small = new byte[8];
            len = (ulong)small.Length;
            Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, ll.C_Encrypt(s.SessionId, Message, (ulong)Message.Length, small, ref len));
            Assert.True(len >= (ulong)expected.Length);
            var output = new byte[len];
            Assert.Equal(CKR.CKR_OK, ll.C_Encrypt(s.SessionId, Message, (ulong)Message.Length, output, ref len));
            Assert.Equal(Hex(expected), Hex(output[..(int)len]));
            // The single-part call ended the operation.
            Assert.Equal(CKR.CKR_OPERATION_NOT_INITIALIZED,
                ll.C_Encrypt(s.SessionId, Message, (ulong)Message.Length, output, ref len));

            // Same rules for C_DecryptFinal of a multi-part decryption.
            Assert.Equal(CKR.CKR_OK, ll.C_DecryptInit(s.SessionId, ref mech, key.ObjectId));
            var part = new byte[expected.Length];
            ulong partLen = (ulong)part.Length;
            Assert.Equal(CKR.CKR_OK, ll.C_DecryptUpdate(s.SessionId, expected, (ulong)expected.Length, part, ref partLen));
            var got = part[..(int)partLen].ToList();
            ulong finalLen = 0;
            Assert.Equal(CKR.CKR_OK, ll.C_DecryptFinal(s.SessionId, null, ref finalLen));
            var remaining = Message.Length - got.Count;
            Assert.True(finalLen >= (ulong)remaining, $"final size {finalLen}, {remaining} bytes remain");
            if (remaining > 0)
            {
                var tiny = new byte[remaining - 1];
                ulong tinyLen = (ulong)tiny.Length;
                Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, ll.C_DecryptFinal(s.SessionId, tiny, ref tinyLen));
            }
            var final = new byte[finalLen];
            Assert.Equal(CKR.CKR_OK, ll.C_DecryptFinal(s.SessionId, final, ref finalLen));
            got.AddRange(final[..(int)finalLen]);
            Assert.Equal(Message, got.ToArray());
        }
        finally
        {
            Net.Pkcs11Interop.Common.UnmanagedMemory.Free(ref mech.Parameter);
        }
    }

    [Fact]
    public void Key_usage_and_allowed_mechanisms_are_enforced_at_init()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "usage");
        var noEncrypt = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            A(CKA.CKA_VALUE, Key), A(CKA.CKA_ENCRYPT, false), A(CKA.CKA_DECRYPT, true)));
        AssertRv(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, () => s.Encrypt(M(CKM.CKM_AES_CBC_PAD, Iv), noEncrypt, Message));

        var onlyCbcPad = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            A(CKA.CKA_VALUE, Key), A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true),
            A(CKA.CKA_ALLOWED_MECHANISMS, CKM.CKM_AES_CBC_PAD)));
        s.Encrypt(M(CKM.CKM_AES_CBC_PAD, Iv), onlyCbcPad, Message);
        AssertRv(CKR.CKR_MECHANISM_INVALID, () => s.Encrypt(M(CKM.CKM_AES_ECB), onlyCbcPad, Message[..16]));

        // A mechanism of another key type, on a key without CKA_ALLOWED_MECHANISMS.
        var plain = ImportAesKey(s, Key, "any mechanism");
        AssertRv(CKR.CKR_KEY_TYPE_INCONSISTENT, () => s.Encrypt(M(CKM.CKM_RSA_PKCS), plain, Message));
        // A wrong IV length.
        AssertRv(CKR.CKR_MECHANISM_PARAM_INVALID, () => s.Encrypt(M(CKM.CKM_AES_CBC_PAD, new byte[5]), onlyCbcPad, Message));
    }
}
