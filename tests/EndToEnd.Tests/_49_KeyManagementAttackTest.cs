using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// The key-management attacks on PKCS#11 tokens (Tookan set: Bortolozzo, Centenaro, Focardi, Steel, CCS 2010) through
/// the real module and daemon: on a key-management = strict slot (the default) each attack is refused where it would
/// leak the key, and on a permissive slot the same calls succeed and the sensitive key comes out in the clear.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _49_KeyManagementAttackTest(EndToEndFixture fx)
{
    private static IObjectHandle Generate(ISession s, CKM mechanism, string label, params IObjectAttribute[] attrs) =>
        s.GenerateKey(M(mechanism), T([A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_TOKEN, false), A(CKA.CKA_LABEL, label), .. attrs]));

    /// <summary>The key to protect: a sensitive, extractable 3DES key (extractable: it may be wrapped, never read).</summary>
    private static IObjectHandle Secret3Des(ISession s) =>
        Generate(s, CKM.CKM_DES3_KEY_GEN, "secret", A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, true), A(CKA.CKA_ENCRYPT, true));

    private static byte[] Ciphertext(ISession s, IObjectHandle key) => s.Encrypt(M(CKM.CKM_DES3_ECB), key, new byte[8]);

    /// <summary>On the permissive slot the attack gives the key: 3DES-ECB under the recovered value equals the token's.</summary>
    private static void Leaked(ISession s, IObjectHandle secret, byte[] recovered)
    {
        using var des = TripleDES.Create();
        des.Key = recovered;
        Assert.Equal(Ciphertext(s, secret), des.EncryptEcb(new byte[8], PaddingMode.None));
    }

    [Fact]
    public void Wrap_then_decrypt_under_a_3DES_key_with_CKA_WRAP_and_CKA_DECRYPT()
    {
        foreach (var (slot, strict) in new[] { (Slots.KeyManagement, true), (Slots.KeyManagementPermissive, false) })
        {
            using var lib = fx.Load();
            using var s = fx.UserSession(lib, slot, "wrapdecrypt");
            var secret = Secret3Des(s);
            Assert.True(s.GetAttributeValue(secret, [CKA.CKA_VALUE])[0].CannotBeRead);
            var dual = Generate(s, CKM.CKM_DES3_KEY_GEN, "dual", A(CKA.CKA_WRAP, true), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_SENSITIVE, true),
                A(CKA.CKA_EXTRACTABLE, false));
            if (strict)
            {
                AssertRv(CKR.CKR_KEY_NOT_WRAPPABLE, () => s.WrapKey(M(CKM.CKM_DES3_ECB), dual, secret));
                continue;
            }

            var wrapped = s.WrapKey(M(CKM.CKM_DES3_ECB), dual, secret);
            Leaked(s, secret, s.Decrypt(M(CKM.CKM_DES3_ECB), dual, wrapped));
        }
    }

    [Fact]
    public void Wrap_under_an_RSA_public_key_then_decrypt_with_its_private_key()
    {
        foreach (var (slot, strict) in new[] { (Slots.KeyManagement, true), (Slots.KeyManagementPermissive, false) })
        {
            using var lib = fx.Load();
            using var s = fx.UserSession(lib, slot, "rsawrap");
            var secret = Secret3Des(s);
            s.GenerateKeyPair(M(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
                T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_MODULUS_BITS, 2048UL), A(CKA.CKA_WRAP, true)),
                T(A(CKA.CKA_TOKEN, false), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_SENSITIVE, true)), out var pub, out var priv);
            if (strict)
            {
                AssertRv(CKR.CKR_KEY_NOT_WRAPPABLE, () => s.WrapKey(M(CKM.CKM_RSA_PKCS), pub, secret));
                continue;
            }

            var wrapped = s.WrapKey(M(CKM.CKM_RSA_PKCS), pub, secret);
            Leaked(s, secret, s.Decrypt(M(CKM.CKM_RSA_PKCS), priv, wrapped));
        }
    }

    [Fact]
    public void Wrap_under_a_known_imported_key_then_decrypt_offline()
    {
        foreach (var (slot, strict) in new[] { (Slots.KeyManagement, true), (Slots.KeyManagementPermissive, false) })
        {
            using var lib = fx.Load();
            using var s = fx.UserSession(lib, slot, "trojan");
            var secret = Secret3Des(s);
            var known = RandomNumberGenerator.GetBytes(32);
            var trojan = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_TOKEN, false),
                A(CKA.CKA_VALUE, known), A(CKA.CKA_WRAP, true), A(CKA.CKA_DECRYPT, false)));
            if (strict)
            {
                AssertRv(CKR.CKR_KEY_NOT_WRAPPABLE, () => s.WrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), trojan, secret));
                continue;
            }

            var wrapped = s.WrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), trojan, secret);
            using var aes = Aes.Create();
            aes.Key = known;
            Leaked(s, secret, aes.DecryptKeyWrapPadded(wrapped));
        }
    }

    [Fact]
    public void Wrap_then_unwrap_as_a_readable_key()
    {
        foreach (var (slot, strict) in new[] { (Slots.KeyManagement, true), (Slots.KeyManagementPermissive, false) })
        {
            using var lib = fx.Load();
            using var s = fx.UserSession(lib, slot, "wrapunwrap");
            var secret = Secret3Des(s);
            var kek = Generate(s, CKM.CKM_AES_KEY_GEN, "kek", A(CKA.CKA_VALUE_LEN, 32UL), A(CKA.CKA_WRAP, true), A(CKA.CKA_UNWRAP, true),
                A(CKA.CKA_DECRYPT, false), A(CKA.CKA_ENCRYPT, false), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, false));
            if (strict)
            {
                AssertRv(CKR.CKR_KEY_NOT_WRAPPABLE, () => s.WrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, secret));
                continue;
            }

            var wrapped = s.WrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, secret);
            var readable = s.UnwrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, wrapped, T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                A(CKA.CKA_KEY_TYPE, CKK.CKK_DES3), A(CKA.CKA_TOKEN, false), A(CKA.CKA_SENSITIVE, false), A(CKA.CKA_EXTRACTABLE, true)));
            Leaked(s, secret, Bytes(s, readable, CKA.CKA_VALUE));
        }
    }

    [Fact]
    public void Wrap_under_a_weaker_key()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.KeyManagement, "weaker");
        var strong = Generate(s, CKM.CKM_AES_KEY_GEN, "aes256", A(CKA.CKA_VALUE_LEN, 32UL), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, true));
        var weak = Generate(s, CKM.CKM_AES_KEY_GEN, "aes128", A(CKA.CKA_VALUE_LEN, 16UL), A(CKA.CKA_WRAP, true), A(CKA.CKA_UNWRAP, false),
            A(CKA.CKA_DECRYPT, false), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, false));
        AssertRv(CKR.CKR_KEY_NOT_WRAPPABLE, () => s.WrapKey(M(CKM.CKM_AES_KEY_WRAP), weak, strong));
        // The same wrapping key wraps a key of its own strength; the result unwraps elsewhere only as a sensitive key.
        Assert.Equal(32, s.WrapKey(M(CKM.CKM_AES_KEY_WRAP), weak, Secret3Des(s)).Length);
    }

    [Fact]
    public void A_wrap_only_kek_gains_no_decrypt_afterwards_and_dual_roles_cannot_be_set()
    {
        foreach (var (slot, strict) in new[] { (Slots.KeyManagement, true), (Slots.KeyManagementPermissive, false) })
        {
            using var lib = fx.Load();
            using var s = fx.UserSession(lib, slot, "toggle");
            var secret = Secret3Des(s);
            var kek = Generate(s, CKM.CKM_AES_KEY_GEN, "kek", A(CKA.CKA_VALUE_LEN, 32UL), A(CKA.CKA_WRAP, true), A(CKA.CKA_UNWRAP, false),
                A(CKA.CKA_DECRYPT, false), A(CKA.CKA_ENCRYPT, false), A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, false));
            var wrapped = s.WrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, secret);
            s.SetAttributeValue(kek, T(A(CKA.CKA_WRAP, false)));
            var toDecrypt = Rv(() => s.SetAttributeValue(kek, T(A(CKA.CKA_DECRYPT, true))));
            var copyDecrypt = Rv(() => s.CopyObject(kek, T(A(CKA.CKA_DECRYPT, true))));
            var toUnwrap = Rv(() => s.SetAttributeValue(kek, T(A(CKA.CKA_UNWRAP, true))));

            // Any key: CKA_WRAP and CKA_DECRYPT together, or CKA_UNWRAP and CKA_ENCRYPT, are not set after creation.
            var data = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_TOKEN, false),
                A(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(16)), A(CKA.CKA_WRAP, false), A(CKA.CKA_DECRYPT, true), A(CKA.CKA_UNWRAP, false),
                A(CKA.CKA_ENCRYPT, true)));
            var wrapDecrypt = Rv(() => s.SetAttributeValue(data, T(A(CKA.CKA_WRAP, true))));
            var unwrapEncrypt = Rv(() => s.CopyObject(data, T(A(CKA.CKA_UNWRAP, true))));
            if (strict)
            {
                Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, toDecrypt);
                Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, copyDecrypt);
                Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, toUnwrap);
                Assert.Equal(CKR.CKR_TEMPLATE_INCONSISTENT, wrapDecrypt);
                Assert.Equal(CKR.CKR_TEMPLATE_INCONSISTENT, unwrapEncrypt);
                AssertRv(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, () => s.Decrypt(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, wrapped));
                continue;
            }

            Assert.Equal([CKR.CKR_OK, CKR.CKR_OK, CKR.CKR_OK, CKR.CKR_OK, CKR.CKR_OK], new[] { toDecrypt, copyDecrypt, toUnwrap, wrapDecrypt, unwrapEncrypt });
            var readable = s.UnwrapKey(M(CKM.CKM_AES_KEY_WRAP_PAD), kek, wrapped, T(A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                A(CKA.CKA_KEY_TYPE, CKK.CKK_DES3), A(CKA.CKA_TOKEN, false), A(CKA.CKA_SENSITIVE, false)));
            Leaked(s, secret, Bytes(s, readable, CKA.CKA_VALUE));
        }
    }

    [Fact]
    public void Sensitive_and_extractable_cannot_be_toggled_back()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.KeyManagementPermissive, "sticky");
        var secret = Secret3Des(s);
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(secret, T(A(CKA.CKA_SENSITIVE, false))));
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.CopyObject(secret, T(A(CKA.CKA_SENSITIVE, false))));
        s.SetAttributeValue(secret, T(A(CKA.CKA_EXTRACTABLE, false)));
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(secret, T(A(CKA.CKA_EXTRACTABLE, true))));
        Assert.True(s.GetAttributeValue(secret, [CKA.CKA_VALUE])[0].CannotBeRead);
    }
}
