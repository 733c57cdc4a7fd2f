using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal: FIPS 180 known answers.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _06_DigestTest(EndToEndFixture fx)
{
    private static readonly byte[] Abc = Encoding.ASCII.GetBytes("abc");

    public static TheoryData<CKM, string> AbcVectors => new()
    {
        { CKM.CKM_SHA_1, "A9993E364706816ABA3E25717850C26C9CD0D89D" },
        { CKM.CKM_SHA224, "23097D223405D8228642A477BDA255B32AADBCE4BDA0B3F7E36C9DA7" },
        { CKM.CKM_SHA256, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD" },
        { CKM.CKM_SHA384, "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BAECA134C825A7" },
        { CKM.CKM_SHA512, "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F" },
    };

    [Theory]
    [MemberData(nameof(AbcVectors))]
    public void Single_part_digest_of_abc(CKM mechanism, string expected)
    {
        using var lib = fx.Load();
        using var s = fx.PublicSession(lib, Slots.Crypto, "digest"); // no login needed
        Assert.Equal(expected, Hex(s.Digest(M(mechanism), Abc)));
    }

    [Fact]
    public void Multi_part_SHA256_equals_single_part()
    {
        using var lib = fx.Load();
        using var s = fx.PublicSession(lib, Slots.Crypto, "digest");
        var data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 100)));
        using var stream = new MemoryStream(data);
        var multi = s.Digest(M(CKM.CKM_SHA256), stream, 7); // C_DigestUpdate in 7-byte pieces, then C_DigestFinal
        Assert.Equal(Hex(SHA256.HashData(data)), Hex(multi));
        Assert.Equal(Hex(SHA256.HashData(data)), Hex(s.Digest(M(CKM.CKM_SHA256), data)));
    }

    [Fact]
    public void Digest_with_a_too_small_buffer_keeps_the_operation()
    {
        using var lib = fx.Load();
        using var s = fx.PublicSession(lib, Slots.Crypto, "digest");
        var ll = LowLevel(fx.ModulePath);
        var mech = Net.Pkcs11Interop.LowLevelAPI80.CkmUtils.CreateMechanism(CKM.CKM_SHA256);
        Assert.Equal(CKR.CKR_OK, ll.C_DigestInit(s.SessionId, ref mech));
        ulong len = 0;
        Assert.Equal(CKR.CKR_OK, ll.C_Digest(s.SessionId, Abc, (ulong)Abc.Length, null, ref len));
        Assert.Equal(32UL, len);
        var small = new byte[16];
        len = 16;
        Assert.Equal(CKR.CKR_BUFFER_TOO_SMALL, ll.C_Digest(s.SessionId, Abc, (ulong)Abc.Length, small, ref len));
        Assert.Equal(32UL, len);
        var output = new byte[32];
        Assert.Equal(CKR.CKR_OK, ll.C_Digest(s.SessionId, Abc, (ulong)Abc.Length, output, ref len));
        Assert.Equal("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", Hex(output));
        Assert.Equal(CKR.CKR_OPERATION_NOT_INITIALIZED, ll.C_Digest(s.SessionId, Abc, (ulong)Abc.Length, output, ref len));
    }

    [Fact]
    public void DigestKey_hashes_the_keys_value()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "digest key");
        var value = RandomNumberGenerator.GetBytes(32);
        var key = ImportAesKey(s, value, "digest me", sensitive: false);
        var prefix = Encoding.ASCII.GetBytes("prefix");

        var ll = LowLevel(fx.ModulePath);
        var mech = Net.Pkcs11Interop.LowLevelAPI80.CkmUtils.CreateMechanism(CKM.CKM_SHA256);
        Assert.Equal(CKR.CKR_OK, ll.C_DigestInit(s.SessionId, ref mech));
        Assert.Equal(CKR.CKR_OK, ll.C_DigestUpdate(s.SessionId, prefix, (ulong)prefix.Length));
        Assert.Equal(CKR.CKR_OK, ll.C_DigestKey(s.SessionId, key.ObjectId));
        var output = new byte[32];
        ulong len = 32;
        Assert.Equal(CKR.CKR_OK, ll.C_DigestFinal(s.SessionId, output, ref len));
        Assert.Equal(Hex(SHA256.HashData([.. prefix, .. value])), Hex(output));
    }

    [Fact]
    public void A_second_DigestInit_while_one_is_active_is_OPERATION_ACTIVE()
    {
        using var lib = fx.Load();
        using var s = fx.PublicSession(lib, Slots.Crypto, "digest");
        var ll = LowLevel(fx.ModulePath);
        var mech = Net.Pkcs11Interop.LowLevelAPI80.CkmUtils.CreateMechanism(CKM.CKM_SHA256);
        Assert.Equal(CKR.CKR_OK, ll.C_DigestInit(s.SessionId, ref mech));
        Assert.Equal(CKR.CKR_OPERATION_ACTIVE, ll.C_DigestInit(s.SessionId, ref mech));
        var bad = Net.Pkcs11Interop.LowLevelAPI80.CkmUtils.CreateMechanism(CKM.CKM_MD2);
        s.CloseSession();
        using var s2 = fx.PublicSession(lib, Slots.Crypto, "digest");
        Assert.Equal(CKR.CKR_MECHANISM_INVALID, ll.C_DigestInit(s2.SessionId, ref bad));
    }
}
