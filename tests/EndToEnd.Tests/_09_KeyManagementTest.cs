using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>RSA-OAEP, C_WrapKey/C_UnwrapKey (AES key wrap RFC 3394 / RFC 5649), C_DeriveKey (ECDH1), random.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _09_KeyManagementTest(EndToEndFixture fx)
{
    [Fact]
    public void RSA_OAEP_SHA256_encrypts_and_decrypts_and_interoperates_with_dotnet()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "oaep");
        var (pub, priv) = _08_SignVerifyTest.GenerateRsa(s, 2048);
        var message = Encoding.ASCII.GetBytes("a 32-byte session key, roughly.");
        Net.Pkcs11Interop.HighLevelAPI.IMechanism Oaep(byte[]? label) => M(CKM.CKM_RSA_PKCS_OAEP,
            MP.CreateCkRsaPkcsOaepParams((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, (ulong)CKZ.CKZ_DATA_SPECIFIED, label));

        var cipher = s.Encrypt(Oaep(null), pub, message);
        Assert.Equal(256, cipher.Length);
        Assert.Equal(message, s.Decrypt(Oaep(null), priv, cipher));

        // Encrypted by .NET with the token's public key, decrypted by the token.
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Bytes(s, pub, CKA.CKA_MODULUS),
            Exponent = Bytes(s, pub, CKA.CKA_PUBLIC_EXPONENT),
        });
        var fromDotnet = rsa.Encrypt(message, RSAEncryptionPadding.OaepSHA256);
        Assert.Equal(message, s.Decrypt(Oaep(null), priv, fromDotnet));

        // With a label: the same label is needed to decrypt.
        var labelled = s.Encrypt(Oaep(Encoding.ASCII.GetBytes("label")), pub, message);
        Assert.Equal(message, s.Decrypt(Oaep(Encoding.ASCII.GetBytes("label")), priv, labelled));
        var rv = Rv(() => s.Decrypt(Oaep(Encoding.ASCII.GetBytes("other")), priv, labelled));
        Assert.Equal(CKR.CKR_ENCRYPTED_DATA_INVALID, rv);
    }

    [Fact]
    public void AES_KEY_WRAP_matches_RFC3394_and_unwraps_to_the_same_key()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "wrap");
        var kek = ImportAesKey(s, Convert.FromHexString("000102030405060708090A0B0C0D0E0F"), "kek");
        var keyData = Convert.FromHexString("00112233445566778899AABBCCDDEEFF");
        // Not sensitive: under key-management = strict a sensitive key is never wrapped by a known (imported) key (_49).
        var toWrap = ImportAesKey(s, keyData, "wrapped", sensitive: false, extractable: true);

        var wrapped = s.WrapKey(M(CKM.CKM_AES_KEY_WRAP), kek, toWrap);
        Assert.Equal("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", Hex(wrapped)); // RFC 3394 §4.1

        var unwrapped = s.UnwrapKey(M(CKM.CKM_AES_KEY_WRAP), kek, wrapped, T(
            A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_LABEL, "unwrapped"),
            A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true)));
        Assert.Equal(Hex(keyData), Hex(Bytes(s, unwrapped, CKA.CKA_VALUE)));
        Assert.False(Bool(s, unwrapped, CKA.CKA_LOCAL));
        Assert.Equal(16UL, ULong(s, unwrapped, CKA.CKA_VALUE_LEN));

        var corrupt = (byte[])wrapped.Clone();
        corrupt[5] ^= 1;
        var rv = Rv(() => s.UnwrapKey(M(CKM.CKM_AES_KEY_WRAP), kek, corrupt,
            T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES))));
        Assert.True(rv is CKR.CKR_WRAPPED_KEY_INVALID or CKR.CKR_ENCRYPTED_DATA_INVALID, $"corrupt wrapped key: {rv}");
    }

    [Fact]
    public void AES_KEY_WRAP_PAD_matches_RFC5649()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "kwp");
        var kek = ImportAesKey(s, Convert.FromHexString("5840DF6E29B02AF1AB493B705BF16EA1AE8338F4DCC176A8"), "kek192");
        var keyData = Convert.FromHexString("C37B7E6492584340BED12207808941155068F738");
        var secret = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
            A(CKA.CKA_VALUE, keyData), A(CKA.CKA_EXTRACTABLE, true)));
        var wrapped = s.WrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, secret);
        Assert.Equal("138BDEAA9B8FA7FC61F97742E72248EE5AE6AE5360D1AE6A5F54F373FA543B6A", Hex(wrapped)); // RFC 5649 §6

        var back = s.UnwrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, wrapped, T(
            A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
            A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true)));
        Assert.Equal(Hex(keyData), Hex(Bytes(s, back, CKA.CKA_VALUE)));
    }

    [Fact]
    public void Unextractable_keys_are_never_wrapped()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "unextractable");
        var kek = ImportAesKey(s, RandomNumberGenerator.GetBytes(32), "kek");
        var locked = ImportAesKey(s, RandomNumberGenerator.GetBytes(32), "locked", extractable: false);
        AssertRv(CKR.CKR_KEY_UNEXTRACTABLE, () => s.WrapKey(M(CKM.CKM_AES_KEY_WRAP), kek, locked));

        var noWrap = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            A(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(16)), A(CKA.CKA_WRAP, false)));
        var extractable = ImportAesKey(s, RandomNumberGenerator.GetBytes(16), "extractable");
        AssertRv(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, () => s.WrapKey(M(CKM.CKM_AES_KEY_WRAP), noWrap, extractable));

        // CKA_WRAP_WITH_TRUSTED: only a CKA_TRUSTED wrapping key may wrap it, and plain kek is not trusted.
        var trustedOnly = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            A(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(16)), A(CKA.CKA_EXTRACTABLE, true), A(CKA.CKA_WRAP_WITH_TRUSTED, true)));
        AssertRv(CKR.CKR_KEY_NOT_WRAPPABLE, () => s.WrapKey(M(CKM.CKM_AES_KEY_WRAP), kek, trustedOnly));
    }

    [Fact]
    public void ECDH1_derive_agrees_with_the_peer_and_with_dotnet()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "ecdh");
        var (pubA, privA) = _08_SignVerifyTest.GenerateP256(s, derive: true);
        var (pubB, privB) = _08_SignVerifyTest.GenerateP256(s, derive: true);
        var pointA = _08_SignVerifyTest.EcPoint(Bytes(s, pubA, CKA.CKA_EC_POINT));
        var pointB = _08_SignVerifyTest.EcPoint(Bytes(s, pubB, CKA.CKA_EC_POINT));

        byte[] Derive(Net.Pkcs11Interop.HighLevelAPI.IObjectHandle priv, byte[] peerPoint)
        {
            var mech = M(CKM.CKM_ECDH1_DERIVE, MP.CreateCkEcdh1DeriveParams((ulong)CKD.CKD_NULL, null, peerPoint));
            var derived = s.DeriveKey(mech, priv, T(
                A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
                A(CKA.CKA_VALUE_LEN, 32UL), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true)));
            Assert.Equal((ulong)CKO.CKO_SECRET_KEY, ULong(s, derived, CKA.CKA_CLASS));
            return Bytes(s, derived, CKA.CKA_VALUE);
        }

        var ab = Derive(privA, pointB);
        var ba = Derive(privB, pointA);
        Assert.Equal(32, ab.Length);
        Assert.Equal(Hex(ab), Hex(ba));

        using var dotnet = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = dotnet.ExportParameters(false).Q;
        var withDotnet = Derive(privA, [0x04, .. q.X!, .. q.Y!]);
        using var peerA = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = pointA[1..33], Y = pointA[33..] },
        });
        Assert.Equal(Hex(dotnet.DeriveRawSecretAgreement(peerA.PublicKey)), Hex(withDotnet));

        // A key without CKA_DERIVE may not derive.
        var (_, noDerive) = _08_SignVerifyTest.GenerateP256(s, derive: false);
        AssertRv(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, () => s.DeriveKey(
            M(CKM.CKM_ECDH1_DERIVE, MP.CreateCkEcdh1DeriveParams((ulong)CKD.CKD_NULL, null, pointB)), noDerive,
            T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET), A(CKA.CKA_VALUE_LEN, 32UL))));
    }

    [Fact]
    public void GenerateRandom_and_SeedRandom()
    {
        using var lib = fx.Load();
        using var s = fx.PublicSession(lib, Slots.Crypto, "random");
        var a = s.GenerateRandom(64);
        var b = s.GenerateRandom(64);
        Assert.Equal(64, a.Length);
        Assert.NotEqual(Hex(a), Hex(b));
        Assert.NotEqual(new byte[64], a);
        Assert.Equal(4096, s.GenerateRandom(4096).Length);
        s.SeedRandom(Encoding.ASCII.GetBytes("more entropy, maybe"));
        Assert.NotEqual(Hex(a), Hex(s.GenerateRandom(64)));
    }
}
