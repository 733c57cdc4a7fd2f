using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Mechanisms.Rsa;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// The zcrypt token's RSA private-key operations run on the emulator (blinded request, card answer, completion) give
/// what the soft token gives: the same v1.5 signatures, PSS signatures the soft token verifies, the same plaintexts.
/// </summary>
public class DeviceRsaSpec
{
    private static readonly RSAParameters Params = Make();
    private static readonly AttributeSet Private = RsaKeys.PrivateAttributes(Params);
    private static readonly AttributeSet Public = PublicOf(Params);
    private static readonly MechanismRegistry Soft = MechanismRegistry.CreateDefault();
    private static readonly MechanismRegistry Zcrypt = DeviceRsaMechanisms.Registry(Soft, softwareFallback: true);
    private static readonly byte[] Data = "the quick brown fox jumps over the lazy dog"u8.ToArray();

    private static RSAParameters Make()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportParameters(true);
    }

    private static AttributeSet PublicOf(RSAParameters p)
    {
        var a = new AttributeSet();
        a.SetULong(CKA.CLASS, CKO.PUBLIC_KEY);
        a.SetULong(CKA.KEY_TYPE, CKK.RSA);
        a.Set(CKA.MODULUS, RsaKeys.Trim(p.Modulus!));
        a.Set(CKA.PUBLIC_EXPONENT, RsaKeys.Trim(p.Exponent!));
        return a;
    }

    private static IMechanism Impl(MechanismRegistry r, ulong m) => r.TryGet(m, out _, out var impl) ? impl : throw new InvalidOperationException();

    /// <summary>The hand-off as the session does it: Finish, the emulator runs the request, Complete.</summary>
    private static byte[] OnDevice(object op, byte[] input)
    {
        var call = ((IDeviceRsaOperation)op).Finish(input);
        using var emu = new ZcryptEmulator();
        var output = new byte[call.Request.OutputLength];
        Assert.Equal(Errno.Ok, emu.Execute(new ApQueueId(0, 0), call.Request, output));
        return call.Complete(output);
    }

    private static byte[] Pss(ulong hash, ulong mgf, ulong sLen) => Attr.ULongs([hash, mgf, sLen]);

    [Theory]
    [InlineData(CKM.SHA256_RSA_PKCS)]
    [InlineData(CKM.SHA1_RSA_PKCS)]
    [InlineData(CKM.SHA3_256_RSA_PKCS)]
    [InlineData(CKM.RSA_X_509)]
    public void Deterministic_signatures_equal_the_soft_tokens(ulong mechanism)
    {
        var data = Data;
        var soft = Impl(Soft, mechanism).CreateSign(mechanism, null, Private).OneShot(data);
        var device = OnDevice(Impl(Zcrypt, mechanism).CreateSign(mechanism, null, Private), data);
        Assert.Equal(soft, device);
        Assert.True(Impl(Soft, mechanism).CreateVerify(mechanism, null, Public).OneShot(data, device));
    }

    [Fact]
    public void Rsa_pkcs_signs_a_digest_info_as_the_soft_token_does()
    {
        byte[] digestInfo = [.. Hashes.Sha256.DigestInfoPrefix, .. SHA256.HashData(Data)];
        var soft = Impl(Soft, CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, Private).OneShot(digestInfo);
        Assert.Equal(soft, OnDevice(Impl(Zcrypt, CKM.RSA_PKCS).CreateSign(CKM.RSA_PKCS, null, Private), digestInfo));
    }

    [Fact]
    public void Pss_signatures_verify_with_the_soft_token()
    {
        var p = Pss(CKM.SHA256, CKG.MGF1_SHA256, 32);
        var sig = OnDevice(Impl(Zcrypt, CKM.SHA256_RSA_PKCS_PSS).CreateSign(CKM.SHA256_RSA_PKCS_PSS, p, Private), Data);
        Assert.True(Impl(Soft, CKM.SHA256_RSA_PKCS_PSS).CreateVerify(CKM.SHA256_RSA_PKCS_PSS, p, Public).OneShot(Data, sig));
        var hash = SHA384.HashData(Data);
        var p384 = Pss(CKM.SHA384, CKG.MGF1_SHA1, 20);
        var raw = OnDevice(Impl(Zcrypt, CKM.RSA_PKCS_PSS).CreateSign(CKM.RSA_PKCS_PSS, p384, Private), hash);
        Assert.True(Impl(Soft, CKM.RSA_PKCS_PSS).CreateVerify(CKM.RSA_PKCS_PSS, p384, Public).OneShot(hash, raw));
    }

    [Fact]
    public void Multi_part_signing_hashes_every_part()
    {
        var op = Impl(Zcrypt, CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, Private);
        ((ISignOperation)op).Update(Data.AsSpan(0, 10));
        var sig = OnDevice(op, Data[10..]);
        Assert.Equal(Impl(Soft, CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, Private).OneShot(Data), sig);
    }

    [Fact]
    public void Decryption_gives_the_plaintext_for_pkcs1_oaep_and_raw()
    {
        var c1 = Impl(Soft, CKM.RSA_PKCS).CreateEncrypt(CKM.RSA_PKCS, null, Public).OneShot(Data);
        Assert.Equal(Data, OnDevice(Impl(Zcrypt, CKM.RSA_PKCS).CreateDecrypt(CKM.RSA_PKCS, null, Private), c1));
        var oaep = new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, "label"u8.ToArray()).Encode();
        var c2 = Impl(Soft, CKM.RSA_PKCS_OAEP).CreateEncrypt(CKM.RSA_PKCS_OAEP, oaep, Public).OneShot(Data);
        Assert.Equal(Data, OnDevice(Impl(Zcrypt, CKM.RSA_PKCS_OAEP).CreateDecrypt(CKM.RSA_PKCS_OAEP, oaep, Private), c2));
        var block = RsaKeys.Pad(Data, 256);
        var c3 = Impl(Soft, CKM.RSA_X_509).CreateEncrypt(CKM.RSA_X_509, null, Public).OneShot(block);
        Assert.Equal(block, OnDevice(Impl(Zcrypt, CKM.RSA_X_509).CreateDecrypt(CKM.RSA_X_509, null, Private), c3));
    }

    [Fact]
    public void Bad_input_gets_the_soft_tokens_codes_before_any_device_work()
    {
        var big = Enumerable.Repeat((byte)0xff, 256).ToArray();
        var e1 = Assert.Throws<CkException>(() => ((IDeviceRsaOperation)Impl(Zcrypt, CKM.RSA_X_509).CreateSign(CKM.RSA_X_509, null, Private)).Finish(big));
        Assert.Equal(CKR.DATA_LEN_RANGE, e1.Rv);
        var e2 = Assert.Throws<CkException>(() => ((IDeviceRsaOperation)Impl(Zcrypt, CKM.RSA_PKCS).CreateDecrypt(CKM.RSA_PKCS, null, Private)).Finish(new byte[100]));
        Assert.Equal(CKR.ENCRYPTED_DATA_LEN_RANGE, e2.Rv);
        var e3 = Assert.Throws<CkException>(() => OnDevice(Impl(Zcrypt, CKM.RSA_PKCS).CreateDecrypt(CKM.RSA_PKCS, null, Private), RsaKeys.Pad([1, 2, 3], 256)));
        Assert.Equal(CKR.ENCRYPTED_DATA_INVALID, e3.Rv);
        var e4 = Assert.Throws<CkException>(() => Impl(Zcrypt, CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, Public));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, e4.Rv);
    }

    [Fact]
    public void The_card_sees_a_blinded_input_and_a_wrong_card_result_is_refused()
    {
        var op = (IDeviceRsaOperation)Impl(Zcrypt, CKM.RSA_X_509).CreateSign(CKM.RSA_X_509, null, Private);
        var block = RsaKeys.Pad(Data, 256);
        var call = op.Finish(block);
        Assert.NotEqual(block, call.Request.Input);
        var wrong = new byte[256];
        wrong[^1] = 5;
        Assert.Equal(CKR.DEVICE_ERROR, Assert.Throws<CkException>(() => call.Complete(wrong)).Rv);
    }

    [Fact]
    public void Synchronous_paths_and_the_fallback_compute_in_software_with_the_same_result()
    {
        var soft = Impl(Soft, CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, Private).OneShot(Data);
        Assert.Equal(soft, Impl(Zcrypt, CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, Private).OneShot(Data));
        Assert.Equal(soft, ((IDeviceRsaOperation)Impl(Zcrypt, CKM.SHA256_RSA_PKCS).CreateSign(CKM.SHA256_RSA_PKCS, null, Private)).Finish(Data).Software());
        Assert.False(((IDeviceRsaOperation)DeviceRsaMechanisms.Registry(Soft, softwareFallback: false).TryGetOp(CKM.SHA256_RSA_PKCS, Private)).SoftwareFallback);
    }
}

internal static class RegistryTestExtensions
{
    public static ISignOperation TryGetOp(this MechanismRegistry r, ulong m, AttributeSet key) =>
        r.TryGet(m, out _, out var impl) ? impl.CreateSign(m, null, key) : throw new InvalidOperationException();
}
