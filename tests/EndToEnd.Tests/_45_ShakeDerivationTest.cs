using System.Security.Cryptography;
using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>CKM_SHAKE_128/256_KEY_DERIVATION (PKCS#11 3.0, not in Pkcs11Interop's enum) through the real module, against .NET's SHAKE.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class _45_ShakeDerivationTest(EndToEndFixture fx)
{
    private const CKM Shake128KeyDerivation = (CKM)0x39B;
    private const CKM Shake256KeyDerivation = (CKM)0x39C;

    [Fact]
    public void Shake_key_derivations_make_keys_of_the_requested_length()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Crypto, "shake");
        var secret = Encoding.ASCII.GetBytes("a base key for shake derivation");
        var baseKey = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET), A(CKA.CKA_VALUE, secret),
            A(CKA.CKA_DERIVE, true), A(CKA.CKA_TOKEN, false)));
        foreach (var (mechanism, length) in new[] { (Shake128KeyDerivation, 24UL), (Shake256KeyDerivation, 50UL) })
        {
            var key = s.DeriveKey(M(mechanism), baseKey, T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
                A(CKA.CKA_VALUE_LEN, length), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_TOKEN, false)));
            var expected = mechanism == Shake128KeyDerivation ? Shake128.HashData(secret, (int)length) : Shake256.HashData(secret, (int)length);
            Assert.Equal(Hex(expected), Hex(Bytes(s, key, CKA.CKA_VALUE)));
        }

        AssertRv(CKR.CKR_TEMPLATE_INCOMPLETE, () => s.DeriveKey(M(Shake128KeyDerivation), baseKey,
            T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET), A(CKA.CKA_TOKEN, false))));
    }
}
