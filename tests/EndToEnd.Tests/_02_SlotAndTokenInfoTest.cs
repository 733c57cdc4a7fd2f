using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _02_SlotAndTokenInfoTest(EndToEndFixture fx)
{
    [Fact]
    public void SlotList_holds_every_configured_slot()
    {
        using var lib = fx.Load();
        var all = lib.GetSlotList(SlotsType.WithOrWithoutTokenPresent).Select(s => s.SlotId).ToList();
        var present = lib.GetSlotList(SlotsType.WithTokenPresent).Select(s => s.SlotId).ToList();
        Assert.Equal(Slots.All.Select(s => s.Id).OrderBy(i => i), all.OrderBy(i => i));
        Assert.Equal(all.OrderBy(i => i), present.OrderBy(i => i)); // soft tokens are always present
    }

    [Fact]
    public void SlotInfo_reports_the_configured_description_and_a_present_token()
    {
        using var lib = fx.Load();
        var info = fx.Slot(lib, Slots.Crypto).GetSlotInfo();
        Assert.Equal("Crypto test token", info.SlotDescription.TrimEnd());
        Assert.True(info.SlotFlags.TokenPresent);
        Assert.False(info.SlotFlags.RemovableDevice);
        Assert.False(string.IsNullOrWhiteSpace(info.ManufacturerId));
    }

    [Fact]
    public void SlotInfo_of_an_unknown_slot_is_SLOT_ID_INVALID()
    {
        using var lib = fx.Load();
        var ll = P11.LowLevel(fx.ModulePath);
        var info = new Net.Pkcs11Interop.LowLevelAPI80.CK_SLOT_INFO();
        Assert.Equal(CKR.CKR_SLOT_ID_INVALID, ll.C_GetSlotInfo(4242, ref info));
        var tokenInfo = new Net.Pkcs11Interop.LowLevelAPI80.CK_TOKEN_INFO();
        Assert.Equal(CKR.CKR_SLOT_ID_INVALID, ll.C_GetTokenInfo(4242, ref tokenInfo));
    }

    [Fact]
    public void TokenInfo_of_a_never_initialised_token()
    {
        using var lib = fx.Load();
        var info = fx.Slot(lib, Slots.NeverInitialized).GetTokenInfo();
        Assert.False(info.TokenFlags.TokenInitialized);
        Assert.False(info.TokenFlags.UserPinInitialized);
        Assert.True(info.TokenFlags.Rng);
        Assert.False(string.IsNullOrWhiteSpace(info.SerialNumber));
        Assert.False(string.IsNullOrWhiteSpace(info.ManufacturerId));
        Assert.False(string.IsNullOrWhiteSpace(info.Model));
    }

    [Fact]
    public void TokenInfo_of_an_initialised_token()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.InitToken, "info token");
        var info = slot.GetTokenInfo();
        Assert.Equal("info token", info.Label.TrimEnd());
        Assert.True(info.TokenFlags.TokenInitialized);
        Assert.True(info.TokenFlags.UserPinInitialized);
        Assert.True(info.TokenFlags.LoginRequired);
        Assert.True(info.TokenFlags.Rng);
        Assert.False(info.TokenFlags.WriteProtected);
        Assert.Equal(0UL, info.SessionCount);
        Assert.Equal(0UL, info.RwSessionCount);
        Assert.True(info.MinPinLen >= 1 && info.MinPinLen <= (ulong)EndToEndFixture.UserPin.Length, $"ulMinPinLen {info.MinPinLen}");
        Assert.True(info.MaxPinLen >= (ulong)EndToEndFixture.SoPin.Length, $"ulMaxPinLen {info.MaxPinLen}");
        // (ulMaxSessionCount may be any limit or CK_EFFECTIVELY_INFINITE = 0: not asserted.)
        using (slot.OpenSession(SessionType.ReadWrite))
        {
            var open = slot.GetTokenInfo();
            Assert.Equal((1UL, 1UL), (open.SessionCount, open.RwSessionCount));
        }
    }

    public static TheoryData<CKM> RequiredMechanisms => new()
    {
        CKM.CKM_SHA_1, CKM.CKM_SHA224, CKM.CKM_SHA256, CKM.CKM_SHA384, CKM.CKM_SHA512,
        CKM.CKM_SHA_1_HMAC, CKM.CKM_SHA224_HMAC, CKM.CKM_SHA256_HMAC, CKM.CKM_SHA384_HMAC, CKM.CKM_SHA512_HMAC,
        CKM.CKM_SHA_1_HMAC_GENERAL, CKM.CKM_SHA256_HMAC_GENERAL, CKM.CKM_SHA512_HMAC_GENERAL,
        CKM.CKM_GENERIC_SECRET_KEY_GEN, CKM.CKM_AES_KEY_GEN, CKM.CKM_AES_ECB, CKM.CKM_AES_CBC, CKM.CKM_AES_CBC_PAD,
        CKM.CKM_AES_CTR, CKM.CKM_AES_GCM, CKM.CKM_AES_KEY_WRAP, CKM.CKM_AES_KEY_WRAP_PAD,
        CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, CKM.CKM_RSA_PKCS, CKM.CKM_RSA_X_509, CKM.CKM_RSA_PKCS_OAEP, CKM.CKM_RSA_PKCS_PSS,
        CKM.CKM_SHA1_RSA_PKCS, CKM.CKM_SHA224_RSA_PKCS, CKM.CKM_SHA256_RSA_PKCS, CKM.CKM_SHA384_RSA_PKCS, CKM.CKM_SHA512_RSA_PKCS,
        CKM.CKM_SHA1_RSA_PKCS_PSS, CKM.CKM_SHA256_RSA_PKCS_PSS, CKM.CKM_SHA512_RSA_PKCS_PSS,
        CKM.CKM_EC_KEY_PAIR_GEN, CKM.CKM_ECDSA, CKM.CKM_ECDSA_SHA1, CKM.CKM_ECDSA_SHA256, CKM.CKM_ECDSA_SHA384,
        CKM.CKM_ECDSA_SHA512, CKM.CKM_ECDH1_DERIVE,
    };

    [Theory]
    [MemberData(nameof(RequiredMechanisms))]
    public void MechanismList_holds_the_soft_token_core(CKM mechanism)
    {
        using var lib = fx.Load();
        Assert.Contains(mechanism, fx.Slot(lib, Slots.Crypto).GetMechanismList());
    }

    [Fact]
    public void MechanismInfo_gives_true_key_sizes_and_flags()
    {
        using var lib = fx.Load();
        var slot = fx.Slot(lib, Slots.Crypto);

        var aes = slot.GetMechanismInfo(CKM.CKM_AES_CBC_PAD);
        Assert.Equal((16UL, 32UL), (aes.MinKeySize, aes.MaxKeySize)); // AES key sizes are in bytes
        Assert.True(aes.MechanismFlags.Encrypt && aes.MechanismFlags.Decrypt);
        Assert.False(aes.MechanismFlags.Sign);

        var gcm = slot.GetMechanismInfo(CKM.CKM_AES_GCM);
        Assert.True(gcm.MechanismFlags.Encrypt && gcm.MechanismFlags.Decrypt);

        var wrap = slot.GetMechanismInfo(CKM.CKM_AES_KEY_WRAP);
        Assert.True(wrap.MechanismFlags.Wrap && wrap.MechanismFlags.Unwrap);

        var aesGen = slot.GetMechanismInfo(CKM.CKM_AES_KEY_GEN);
        Assert.True(aesGen.MechanismFlags.Generate);
        Assert.Equal((16UL, 32UL), (aesGen.MinKeySize, aesGen.MaxKeySize));

        var rsaGen = slot.GetMechanismInfo(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        Assert.Equal((1024UL, 16384UL), (rsaGen.MinKeySize, rsaGen.MaxKeySize)); // RSA sizes are in bits
        Assert.True(rsaGen.MechanismFlags.GenerateKeyPair);

        var rsaSign = slot.GetMechanismInfo(CKM.CKM_SHA256_RSA_PKCS);
        Assert.True(rsaSign.MechanismFlags.Sign && rsaSign.MechanismFlags.Verify);
        Assert.False(rsaSign.MechanismFlags.Encrypt);

        var oaep = slot.GetMechanismInfo(CKM.CKM_RSA_PKCS_OAEP);
        Assert.True(oaep.MechanismFlags.Encrypt && oaep.MechanismFlags.Decrypt);

        var ecGen = slot.GetMechanismInfo(CKM.CKM_EC_KEY_PAIR_GEN);
        Assert.Equal((160UL, 521UL), (ecGen.MinKeySize, ecGen.MaxKeySize)); // brainpoolP160 … P-521, in bits
        Assert.True(ecGen.MechanismFlags.GenerateKeyPair);

        var ecdsa = slot.GetMechanismInfo(CKM.CKM_ECDSA);
        Assert.True(ecdsa.MechanismFlags.Sign && ecdsa.MechanismFlags.Verify);

        var ecdh = slot.GetMechanismInfo(CKM.CKM_ECDH1_DERIVE);
        Assert.True(ecdh.MechanismFlags.Derive);

        var sha = slot.GetMechanismInfo(CKM.CKM_SHA256);
        Assert.True(sha.MechanismFlags.Digest);

        var hmac = slot.GetMechanismInfo(CKM.CKM_SHA256_HMAC);
        Assert.True(hmac.MechanismFlags.Sign && hmac.MechanismFlags.Verify);
    }

    [Fact]
    public void MechanismInfo_of_an_unsupported_mechanism_is_MECHANISM_INVALID()
    {
        using var lib = fx.Load();
        P11.AssertRv(CKR.CKR_MECHANISM_INVALID, () => fx.Slot(lib, Slots.Crypto).GetMechanismInfo(CKM.CKM_MD2));
    }
}
