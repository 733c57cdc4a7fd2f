using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>CKM_RSA_X9_31_KEY_PAIR_GEN through the real module: the key pair signs with CKM_SHA1_RSA_X9_31; X9.31 sizes are enforced.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _44_RsaX931KeyGenTest(EndToEndFixture fx)
{
    [Fact]
    public void X9_31_key_pairs_are_generated_with_x9_31_sizes_and_sign()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "x931");
        s.GenerateKeyPair(M(CKM.CKM_RSA_X9_31_KEY_PAIR_GEN),
            T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_VERIFY, true), A(CKA.CKA_MODULUS_BITS, 2048UL), A(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 })),
            T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_SIGN, true)), out var pub, out var priv);
        Assert.Equal(2048UL, ULong(s, pub, CKA.CKA_MODULUS_BITS));
        Assert.Equal((ulong)CKM.CKM_RSA_X9_31_KEY_PAIR_GEN, ULong(s, priv, CKA.CKA_KEY_GEN_MECHANISM));
        var data = Encoding.ASCII.GetBytes("X9.31");
        var signature = s.Sign(M(CKM.CKM_SHA1_RSA_X9_31), priv, data);
        s.Verify(M(CKM.CKM_SHA1_RSA_X9_31), pub, data, signature, out var valid);
        Assert.True(valid);
        AssertRv(CKR.CKR_KEY_SIZE_RANGE, () => s.GenerateKeyPair(M(CKM.CKM_RSA_X9_31_KEY_PAIR_GEN),
            T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_MODULUS_BITS, 1100UL)), T(A(CKA.CKA_TOKEN, false)), out _, out _));
    }
}
