using System.Numerics;
using System.Security.Cryptography;
using OpenCryptokiActors.Tokens.Zcrypt;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>The driver's input rules, the CRT request builder and the emulator's math against .NET's RSA.</summary>
public class ZcryptEmulatorSpec
{
    private static readonly ApQueueId Q0 = new(0, 5);
    private static readonly RSAParameters Key = MakeKey();

    private static RSAParameters MakeKey()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportParameters(true);
    }

    /// <summary>EMSA-PKCS1-v1_5 of a SHA-256 hash (RFC 8017 §9.2), the block a v1.5 signature raises to d.</summary>
    private static byte[] Pkcs1Block(byte[] hash, int k)
    {
        var prefix = Convert.FromHexString("3031300d060960864801650304020105000420");
        var block = new byte[k];
        block[1] = 1;
        var t = prefix.Length + hash.Length;
        block.AsSpan(2, k - t - 3).Fill(0xff);
        prefix.CopyTo(block, k - t);
        hash.CopyTo(block, k - hash.Length);
        return block;
    }

    [Fact]
    public void Crt_request_gives_the_signature_dotnet_rsa_gives()
    {
        var hash = SHA256.HashData("zcrypt"u8);
        using var rsa = RSA.Create(Key);
        var expected = rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var emu = new ZcryptEmulator();
        var output = new byte[256];
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ZcryptRequests.Crt(Key, Pkcs1Block(hash, 256)), output));
        Assert.Equal(expected, output);
        Assert.Equal(1, emu.ExecutedByDotNet); // .NET's RSA key did the math, not the BouncyCastle fallback
    }

    [Fact]
    public void Mod_expo_request_gives_the_same_result_as_crt()
    {
        var hash = SHA256.HashData("modexpo"u8);
        using var emu = new ZcryptEmulator();
        var a = new byte[256];
        var b = new byte[256];
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ZcryptRequests.Crt(Key, Pkcs1Block(hash, 256)), a));
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ZcryptRequests.ModExpo(Pkcs1Block(hash, 256), Key.D!, Key.Modulus!), b));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Crt_fields_have_the_header_lengths_and_p_greater_than_q_even_when_the_key_has_q_greater()
    {
        var swapped = Key;
        (swapped.P, swapped.Q, swapped.DP, swapped.DQ) = (Key.Q, Key.P, Key.DQ, Key.DP);
        var r = ZcryptRequests.Crt(swapped, new byte[256]);
        Assert.Equal(128 + 8, r.Np.Length);
        Assert.Equal(128 + 8, r.Bp.Length);
        Assert.Equal(128 + 8, r.U.Length);
        Assert.Equal(128, r.Nq.Length);
        Assert.Equal(128, r.Bq.Length);
        Assert.All(r.Np.Take(8), b => Assert.Equal(0, b));
        var p = new BigInteger(r.Np, isUnsigned: true, isBigEndian: true);
        var q = new BigInteger(r.Nq, isUnsigned: true, isBigEndian: true);
        var u = new BigInteger(r.U, isUnsigned: true, isBigEndian: true);
        Assert.True(p > q);
        Assert.Equal(BigInteger.One, u * q % p);
        var hash = SHA256.HashData("swap"u8);
        using var emu = new ZcryptEmulator();
        var a = new byte[256];
        var b = new byte[256];
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ZcryptRequests.Crt(swapped, Pkcs1Block(hash, 256)), a));
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ZcryptRequests.Crt(Key, Pkcs1Block(hash, 256)), b));
        Assert.Equal(b, a);
    }

    [Fact]
    public void Driver_input_rules_answer_EINVAL()
    {
        var good = ZcryptRequests.Crt(Key, new byte[256]);
        Assert.Equal(Errno.Ok, ZcryptRules.Check(good));
        // output shorter than input
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(new CrtRequest(good.Input, good.Bp, good.Bq, good.Np, good.Nq, good.U, 255)));
        // zero-length input
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(new ModExpoRequest([], [], [], 0)));
        // odd CRT input length
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(new CrtRequest(new byte[255], good.Bp, good.Bq, good.Np, good.Nq, good.U, 256)));
        // unpadded p (no 8 leading bytes)
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(new CrtRequest(good.Input, good.Bp, good.Bq, good.Np[8..], good.Nq, good.U, 256)));
        // p < q: the primes given the wrong way round
        var swappedNp = new byte[136];
        good.Nq.CopyTo(swappedNp, 8);
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(new CrtRequest(good.Input, good.Bp, good.Bq, swappedNp, good.Np[8..], good.U, 256)));
        // input not below the modulus
        var full = Enumerable.Repeat((byte)0xff, 256).ToArray();
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(ZcryptRequests.Crt(Key, full)));
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(ZcryptRequests.ModExpo(full, Key.D!, Key.Modulus!)));
        // even modulus
        var even = (byte[])Key.Modulus!.Clone();
        even[^1] &= 0xfe;
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(ZcryptRequests.ModExpo(new byte[256], Key.D!, even)));
        // beyond 4096 bits
        Assert.Equal(Errno.EINVAL, ZcryptRules.Check(new ModExpoRequest(new byte[514], new byte[514], new byte[514], 514)));
    }

    [Fact]
    public void Emulator_refuses_bad_input_before_any_work_and_injects_faults()
    {
        using var emu = new ZcryptEmulator();
        var output = new byte[256];
        Assert.Equal(Errno.EINVAL, emu.Execute(Q0, ZcryptRequests.Crt(Key, Enumerable.Repeat((byte)0xff, 256).ToArray()), output));
        Assert.Equal(0, emu.Executed);
        var ok = ZcryptRequests.Crt(Key, Pkcs1Block(SHA256.HashData("x"u8), 256));
        emu.Queue(Q0).EioBurst(2);
        Assert.Equal(Errno.EIO, emu.Execute(Q0, ok, output));
        Assert.Equal(Errno.EIO, emu.Execute(Q0, ok, output));
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ok, output));
        emu.SetOffline(Q0, true);
        Assert.Equal(Errno.ENODEV, emu.Execute(Q0, ok, output));
        emu.SetOffline(Q0, false);
        emu.SetCheckStop(Q0, true);
        Assert.Equal(Errno.ENODEV, emu.Execute(Q0, ok, output));
        emu.SetCheckStop(Q0, false);
        emu.Remove(Q0);
        Assert.Equal(Errno.ENODEV, emu.Execute(Q0, ok, output));
        emu.Restore(Q0);
        Assert.Equal(Errno.Ok, emu.Execute(Q0, ok, output));
    }
}
