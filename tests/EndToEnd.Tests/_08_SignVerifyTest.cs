using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;
using LL = Net.Pkcs11Interop.LowLevelAPI80;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_Sign*/C_Verify* with HMAC, RSA PKCS#1 v1.5 and PSS, ECDSA; signatures checked by .NET as well.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _08_SignVerifyTest(EndToEndFixture fx)
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("sign me, verify me, 1234567890");

    [Fact]
    public void HMAC_SHA256_matches_an_independent_implementation()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "hmac");
        var secret = RandomNumberGenerator.GetBytes(32);
        var key = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
            A(CKA.CKA_VALUE, secret), A(CKA.CKA_SIGN, true), A(CKA.CKA_VERIFY, true)));

        var mac = s.Sign(M(CKM.CKM_SHA256_HMAC), key, Data);
        Assert.Equal(Hex(HMACSHA256.HashData(secret, Data)), Hex(mac));

        using var stream = new MemoryStream(Data);
        Assert.Equal(Hex(mac), Hex(s.Sign(M(CKM.CKM_SHA256_HMAC), key, stream, 4)));

        s.Verify(M(CKM.CKM_SHA256_HMAC), key, Data, mac, out var valid);
        Assert.True(valid);
        var bad = (byte[])mac.Clone();
        bad[0] ^= 0x80;
        s.Verify(M(CKM.CKM_SHA256_HMAC), key, Data, bad, out valid);
        Assert.False(valid);

        // HMAC_GENERAL: truncated MAC of the requested length.
        var general = s.Sign(M(CKM.CKM_SHA256_HMAC_GENERAL, MP.CreateCkMacGeneralParams(16)), key, Data);
        Assert.Equal(Hex(mac[..16]), Hex(general));
    }

    [Fact]
    public void Sign_with_a_too_small_buffer_keeps_the_operation_alive()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "hmac small");
        var secret = RandomNumberGenerator.GetBytes(32);
        var key = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
            A(CKA.CKA_VALUE, secret), A(CKA.CKA_SIGN, true)));
        var ll = LowLevel(fx.ModulePath);
        var mech = LL.CkmUtils.CreateMechanism(CKM.CKM_SHA512_HMAC);
        Assert.Equal(CKR.CKR_OK, ll.C_SignInit(s.SessionId, ref mech, key.ObjectId));
        Assert.Equal(CKR.CKR_OK, ll.C_SignUpdate(s.SessionId, Data, (ulong)Data.Length));
        ulong len = 10;
        Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, ll.C_SignFinal(s.SessionId, new byte[10], ref len));
        Assert.Equal(64UL, len);
        var mac = new byte[64];
        Assert.Equal(CKR.CKR_OK, ll.C_SignFinal(s.SessionId, mac, ref len));
        Assert.Equal(Hex(HMACSHA512.HashData(secret, Data)), Hex(mac));
    }

    [Fact]
    public void RSA_2048_SHA256_RSA_PKCS_signature_verifies_on_the_token_and_in_dotnet()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "rsa sign");
        var (pub, priv) = GenerateRsa(s, 2048);

        var modulus = Bytes(s, pub, CKA.CKA_MODULUS);
        var exponent = Bytes(s, pub, CKA.CKA_PUBLIC_EXPONENT);
        Assert.Equal(256, modulus.Length);
        Assert.Equal(2048UL, ULong(s, pub, CKA.CKA_MODULUS_BITS));
        Assert.Equal(Hex(modulus), Hex(Bytes(s, priv, CKA.CKA_MODULUS)));
        Assert.True(s.GetAttributeValue(priv, [CKA.CKA_PRIVATE_EXPONENT])[0].CannotBeRead);
        Assert.True(Bool(s, priv, CKA.CKA_LOCAL));
        Assert.Equal((ulong)CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, ULong(s, priv, CKA.CKA_KEY_GEN_MECHANISM));

        var signature = s.Sign(M(CKM.CKM_SHA256_RSA_PKCS), priv, Data);
        Assert.Equal(256, signature.Length);

        s.Verify(M(CKM.CKM_SHA256_RSA_PKCS), pub, Data, signature, out var valid);
        Assert.True(valid);

        using var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = exponent });
        Assert.True(rsa.VerifyData(Data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "the token's signature does not verify with .NET's RSA");

        var tampered = (byte[])Data.Clone();
        tampered[0] ^= 1;
        s.Verify(M(CKM.CKM_SHA256_RSA_PKCS), pub, tampered, signature, out valid);
        Assert.False(valid);

        // A signature made by .NET with another key does not verify on the token.
        using var other = RSA.Create(2048);
        s.Verify(M(CKM.CKM_SHA256_RSA_PKCS), pub, Data, other.SignData(Data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), out valid);
        Assert.False(valid);
    }

    [Fact]
    public void RSA_PSS_signature_verifies_in_dotnet()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "rsa pss");
        var (pub, priv) = GenerateRsa(s, 2048);
        var pss = M(CKM.CKM_SHA256_RSA_PKCS_PSS,
            MP.CreateCkRsaPkcsPssParams((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, 32));
        var signature = s.Sign(pss, priv, Data);
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Bytes(s, pub, CKA.CKA_MODULUS),
            Exponent = Bytes(s, pub, CKA.CKA_PUBLIC_EXPONENT),
        });
        Assert.True(rsa.VerifyData(Data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        s.Verify(pss, pub, Data, signature, out var valid);
        Assert.True(valid);
    }

    [Fact]
    public void EC_P256_keypair_and_ECDSA_verify_on_the_token_and_in_dotnet()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "ecdsa");
        var (pub, priv) = GenerateP256(s);
        Assert.Equal(Hex(P256Params), Hex(Bytes(s, pub, CKA.CKA_EC_PARAMS)));
        Assert.True(s.GetAttributeValue(priv, [CKA.CKA_VALUE])[0].CannotBeRead);

        var point = EcPoint(Bytes(s, pub, CKA.CKA_EC_POINT));
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });

        // CKM_ECDSA signs a hash; the signature is r || s.
        var hash = SHA256.HashData(Data);
        var raw = s.Sign(M(CKM.CKM_ECDSA), priv, hash);
        Assert.Equal(64, raw.Length);
        Assert.True(ecdsa.VerifyHash(hash, raw, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        s.Verify(M(CKM.CKM_ECDSA), pub, hash, raw, out var valid);
        Assert.True(valid);

        // CKM_ECDSA_SHA256 hashes on the token.
        var sig = s.Sign(M(CKM.CKM_ECDSA_SHA256), priv, Data);
        Assert.True(ecdsa.VerifyData(Data, sig, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        s.Verify(M(CKM.CKM_ECDSA_SHA256), pub, Data, sig, out valid);
        Assert.True(valid);

        var bad = (byte[])sig.Clone();
        bad[10] ^= 1;
        s.Verify(M(CKM.CKM_ECDSA_SHA256), pub, Data, bad, out valid);
        Assert.False(valid);
    }

    [Fact]
    public void A_key_without_CKA_SIGN_cannot_sign()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "no sign");
        s.GenerateKeyPair(M(CKM.CKM_EC_KEY_PAIR_GEN),
            T(A(CKA.CKA_EC_PARAMS, P256Params), A(CKA.CKA_VERIFY, true)),
            T(A(CKA.CKA_SIGN, false), A(CKA.CKA_SENSITIVE, true)), out _, out var priv);
        AssertRv(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, () => s.Sign(M(CKM.CKM_ECDSA_SHA256), priv, Data));
    }

    internal static (IObjectHandle Pub, IObjectHandle Priv) GenerateRsa(ISession s, ulong bits, bool token = false)
    {
        s.GenerateKeyPair(M(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
            T(A(CKA.CKA_TOKEN, token), A(CKA.CKA_MODULUS_BITS, bits), A(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 }),
                A(CKA.CKA_VERIFY, true), A(CKA.CKA_ENCRYPT, true), A(CKA.CKA_WRAP, true)),
            T(A(CKA.CKA_TOKEN, token), A(CKA.CKA_PRIVATE, true), A(CKA.CKA_SENSITIVE, true),
                A(CKA.CKA_SIGN, true), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_UNWRAP, true)),
            out var pub, out var priv);
        return (pub, priv);
    }

    internal static (IObjectHandle Pub, IObjectHandle Priv) GenerateP256(ISession s, bool derive = false)
    {
        s.GenerateKeyPair(M(CKM.CKM_EC_KEY_PAIR_GEN),
            T(A(CKA.CKA_EC_PARAMS, P256Params), A(CKA.CKA_VERIFY, true)),
            T(A(CKA.CKA_PRIVATE, true), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_SIGN, true), A(CKA.CKA_DERIVE, derive)),
            out var pub, out var priv);
        return (pub, priv);
    }

    /// <summary>CKA_EC_POINT is a DER OCTET STRING holding 04 || X || Y; accept the raw point as well.</summary>
    internal static byte[] EcPoint(byte[] attribute)
    {
        if (attribute.Length == 65 && attribute[0] == 0x04)
            return attribute;
        Assert.True(attribute.Length == 67 && attribute[0] == 0x04 && attribute[1] == 0x41 && attribute[2] == 0x04,
            $"CKA_EC_POINT is not a DER OCTET STRING of an uncompressed P-256 point: {Hex(attribute)}");
        return attribute[2..];
    }
}
