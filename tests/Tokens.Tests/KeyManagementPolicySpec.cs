using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// key-management = strict against the Tookan attack set (Bortolozzo et al., CCS 2010): each attack's wrap or
/// attribute change is refused under strict and allowed under permissive (the plain PKCS#11 rules).
/// </summary>
public sealed class KeyManagementPolicySpec
{
    private static readonly byte[] True = B(true);
    private static readonly byte[] False = B(false);

    /// <summary>A secret key made by C_GenerateKey (CKA_LOCAL, ALWAYS_SENSITIVE and NEVER_EXTRACTABLE follow the template).</summary>
    private static AttributeSet Generated(ulong mechanism, ulong keyType, int valueLen, params (ulong Type, byte[] Value)[] attrs)
    {
        var template = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(keyType)));
        if (valueLen > 0) template.Set(CKA.VALUE_LEN, U((ulong)valueLen));
        foreach (var (t, v) in attrs) template.Set(t, v);
        var produced = Mech(mechanism).GenerateKey(mechanism, null, template);
        return TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Generate, mechanism, null);
    }

    /// <summary>A generated AES-256 key wrapping only: the strict rules' good wrapping key.</summary>
    private static AttributeSet Kek(params (ulong Type, byte[] Value)[] attrs) =>
        Generated(CKM.AES_KEY_GEN, CKK.AES, 32, [(CKA.WRAP, True), (CKA.UNWRAP, False), (CKA.DECRYPT, False), (CKA.ENCRYPT, False),
            (CKA.SENSITIVE, True), (CKA.EXTRACTABLE, False), .. attrs]);

    /// <summary>A sensitive, extractable key to protect.</summary>
    private static AttributeSet Sensitive(ulong mechanism = CKM.AES_KEY_GEN, ulong keyType = CKK.AES, int valueLen = 32) =>
        Generated(mechanism, keyType, valueLen, (CKA.SENSITIVE, True), (CKA.EXTRACTABLE, True));

    private static ulong Wrap(KeyManagement mode, AttributeSet wrapping, AttributeSet key) =>
        Rv(() => KeyManagementPolicy.CheckWrap(mode, wrapping, key));

    private static void StrictRefusesPermissiveAllows(AttributeSet wrapping, AttributeSet key)
    {
        Assert.Equal(CKR.KEY_NOT_WRAPPABLE, Wrap(KeyManagement.Strict, wrapping, key));
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Permissive, wrapping, key));
    }

    private static byte[] Nested(params (ulong Type, byte[] Value)[] attrs)
    {
        using var w = new WireWriter();
        w.WriteUInt32((uint)attrs.Length);
        foreach (var (t, v) in attrs)
        {
            w.WriteULong(t);
            w.WriteBytes(v);
        }

        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_generated_wrap_only_key_wraps_a_sensitive_key_in_strict_mode()
    {
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Strict, Kek(), Sensitive()));
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Strict, Kek(), Sensitive(CKM.DES3_KEY_GEN, CKK.DES3, 0)));
    }

    [Fact]
    public void Wrap_then_decrypt_3DES_under_a_3DES_key_with_CKA_WRAP_and_CKA_DECRYPT_is_refused()
    {
        // The example: the attacker wraps the sensitive key and decrypts the result with the same key.
        var dual = Generated(CKM.DES3_KEY_GEN, CKK.DES3, 0, (CKA.WRAP, True), (CKA.DECRYPT, True), (CKA.SENSITIVE, True), (CKA.EXTRACTABLE, False));
        StrictRefusesPermissiveAllows(dual, Sensitive(CKM.DES3_KEY_GEN, CKK.DES3, 0));
    }

    [Fact]
    public void Wrap_under_an_untrusted_RSA_public_key_is_refused_and_a_trusted_one_is_allowed()
    {
        // The RSA-PKCS form: wrap under the public key, C_Decrypt with its private key (or the attacker's own, off-token).
        using var rsa = RSA.Create(3072);
        var p = rsa.ExportParameters(false);
        var pub = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)), (CKA.MODULUS, p.Modulus!),
            (CKA.PUBLIC_EXPONENT, p.Exponent!), (CKA.WRAP, True)));
        var des3 = Sensitive(CKM.DES3_KEY_GEN, CKK.DES3, 0);
        StrictRefusesPermissiveAllows(pub, des3);
        var trusted = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)), (CKA.MODULUS, p.Modulus!),
            (CKA.PUBLIC_EXPONENT, p.Exponent!), (CKA.WRAP, True), (CKA.TRUSTED, True)), soSession: true);
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Strict, trusted, des3));
    }

    [Fact]
    public void Wrap_under_an_imported_key_whose_value_the_caller_knows_is_refused()
    {
        // Trojan wrapping key: created with C_CreateObject, so the caller decrypts the wrapped key offline.
        var imported = SecretKey(CKK.AES, RandomNumberGenerator.GetBytes(32), (CKA.WRAP, True), (CKA.SENSITIVE, True), (CKA.EXTRACTABLE, False));
        StrictRefusesPermissiveAllows(imported, Sensitive());
        // An extractable wrapping key could be wrapped out and come back (unwrapped) with CKA_DECRYPT.
        StrictRefusesPermissiveAllows(Kek((CKA.EXTRACTABLE, True)), Sensitive());
    }

    [Fact]
    public void Wrap_under_a_key_that_unwraps_into_readable_keys_is_refused()
    {
        // Wrap/unwrap: wrap the sensitive key, unwrap it with CKA_SENSITIVE FALSE, read CKA_VALUE.
        StrictRefusesPermissiveAllows(Kek((CKA.UNWRAP, True)), Sensitive());
        var guarded = Kek((CKA.UNWRAP, True), (CKA.UNWRAP_TEMPLATE, Nested((CKA.SENSITIVE, True))));
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Strict, guarded, Sensitive()));
    }

    [Fact]
    public void Wrap_under_a_weaker_key_is_refused()
    {
        // Re-import under a weaker key: AES-256 wrapped by AES-128 (or by two-key 3DES) is as strong as the wrapper.
        var aes128 = Generated(CKM.AES_KEY_GEN, CKK.AES, 16, (CKA.WRAP, True), (CKA.DECRYPT, False), (CKA.UNWRAP, False), (CKA.SENSITIVE, True), (CKA.EXTRACTABLE, False));
        StrictRefusesPermissiveAllows(aes128, Sensitive());
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Strict, aes128, Sensitive(valueLen: 16)));
    }

    [Fact]
    public void Keys_that_are_not_sensitive_are_wrapped_by_the_plain_rules()
    {
        var dual = Generated(CKM.AES_KEY_GEN, CKK.AES, 16, (CKA.WRAP, True), (CKA.DECRYPT, True));
        var readable = Generated(CKM.AES_KEY_GEN, CKK.AES, 32, (CKA.SENSITIVE, False), (CKA.EXTRACTABLE, True));
        Assert.Equal(CKR.OK, Wrap(KeyManagement.Strict, dual, readable));
    }

    [Fact]
    public void Setting_attributes_cannot_make_a_key_both_a_wrapping_and_a_decrypting_key()
    {
        var wrapOnly = SecretKey(CKK.AES, RandomNumberGenerator.GetBytes(16), (CKA.WRAP, True), (CKA.DECRYPT, False));
        var both = TemplateValidator.ForSet(wrapOnly.Clone(), Set((CKA.DECRYPT, True)));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, wrapOnly, both)));
        Assert.Equal(CKR.OK, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Permissive, wrapOnly, both)));

        var unwrapOnly = SecretKey(CKK.AES, RandomNumberGenerator.GetBytes(16), (CKA.UNWRAP, True), (CKA.ENCRYPT, False));
        var encrypting = TemplateValidator.ForSet(unwrapOnly.Clone(), Set((CKA.ENCRYPT, True)));
        Assert.Equal(CKR.TEMPLATE_INCONSISTENT, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, unwrapOnly, encrypting)));

        // A key created dual-use stays changeable in its other attributes (a label).
        var dual = SecretKey(CKK.AES, RandomNumberGenerator.GetBytes(16), (CKA.WRAP, True), (CKA.DECRYPT, True));
        var relabelled = TemplateValidator.ForSet(dual.Clone(), Set((CKA.LABEL, S("new"))));
        Assert.Equal(CKR.OK, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, dual, relabelled)));
    }

    [Fact]
    public void A_key_that_may_wrap_sensitive_keys_never_gains_decrypt_or_unwrap_even_in_steps()
    {
        // Toggling: wrap with CKA_WRAP, then CKA_WRAP FALSE and CKA_DECRYPT TRUE, then decrypt what was wrapped.
        var kek = Kek();
        var offWrap = TemplateValidator.ForSet(kek.Clone(), Set((CKA.WRAP, False)));
        Assert.Equal(CKR.OK, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, kek, offWrap)));
        var onDecrypt = TemplateValidator.ForSet(offWrap.Clone(), Set((CKA.DECRYPT, True)));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, offWrap, onDecrypt)));
        var onUnwrap = TemplateValidator.ForSet(offWrap.Clone(), Set((CKA.UNWRAP, True)));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, offWrap, onUnwrap)));
        Assert.Equal(CKR.OK, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Permissive, offWrap, onDecrypt)));

        // C_CopyObject: a copy with CKA_DECRYPT would decrypt what the original wraps.
        var copy = TemplateValidator.ForCopy(kek.Clone(), Set((CKA.WRAP, False), (CKA.DECRYPT, True)));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, kek, copy)));

        // Its unwrap template is kept: dropping CKA_SENSITIVE from it would let it unwrap into readable keys.
        var guarded = Kek((CKA.UNWRAP, True), (CKA.UNWRAP_TEMPLATE, Nested((CKA.SENSITIVE, True))));
        var loosened = TemplateValidator.ForSet(guarded.Clone(), Set((CKA.UNWRAP_TEMPLATE, Nested((CKA.SIGN, True)))));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => KeyManagementPolicy.CheckChange(KeyManagement.Strict, guarded, loosened)));
    }

    [Fact]
    public void Sensitive_and_extractable_toggling_is_refused_in_either_mode()
    {
        var key = Sensitive();
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForSet(key.Clone(), Set((CKA.SENSITIVE, False)))));
        var locked = Kek();
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForSet(locked.Clone(), Set((CKA.EXTRACTABLE, True)))));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForCopy(key.Clone(), Set((CKA.SENSITIVE, False)))));
    }

    [Fact]
    public void The_configuration_values_are_strict_and_permissive()
    {
        Assert.Equal(KeyManagement.Strict, KeyManagementPolicy.Parse("strict"));
        Assert.Equal(KeyManagement.Permissive, KeyManagementPolicy.Parse(" Permissive "));
        Assert.Null(KeyManagementPolicy.Parse("lax"));
        Assert.Equal(KeyManagement.Strict, MechanismPolicy.None.KeyManagement);
    }
}
