using OpenCryptokiActors.Cryptoki.Pkcs11;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>A digest operation once computed refuses more input with a PKCS#11 code (found by the random-frame client: the
/// disposed hash threw ObjectDisposedException and the request went unanswered).</summary>
public sealed class DigestOperationSpec
{
    [Fact]
    public void Update_or_final_after_the_single_part_digest_is_CKR_FUNCTION_FAILED()
    {
        var op = Mech(CKM.SHA256).CreateDigest(CKM.SHA256, null);
        Assert.Equal(32, op.OneShot("abc"u8).Length);
        Assert.Equal(CKR.FUNCTION_FAILED, Rv(() => op.Update("more"u8)));
        Assert.Equal(CKR.FUNCTION_FAILED, Rv(() => op.Final()));

        var multi = Mech(CKM.SHA256).CreateDigest(CKM.SHA256, null);
        multi.Update("ab"u8);
        multi.Update("c"u8);
        Assert.Equal(H("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), multi.Final());
        Assert.Equal(CKR.FUNCTION_FAILED, Rv(() => multi.Update("d"u8)));
    }

    [Fact]
    public void An_HMAC_signature_once_computed_refuses_more_input_with_CKR_FUNCTION_FAILED()
    {
        var key = SecretKey(CKK.GENERIC_SECRET, new byte[32], (CKA.SIGN, B(true)));
        var op = Mech(CKM.SHA256_HMAC).CreateSign(CKM.SHA256_HMAC, null, key);
        Assert.Equal(32, op.OneShot("abc"u8).Length);
        Assert.Equal(CKR.FUNCTION_FAILED, Rv(() => op.Update("more"u8)));
    }
}
