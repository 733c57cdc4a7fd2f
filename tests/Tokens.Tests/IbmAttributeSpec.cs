using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>openCryptoki's IBM vendor attributes on the soft token's keys (usr/lib/common/key.c rules).</summary>
public class IbmAttributeSpec
{
    private static readonly byte[] Aes128 = H("2b7e151628aed2a6abf7158809cf4f3c");

    private static AttributeSet AesTemplate() => Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE, Aes128));

    private static AttributeSet Generated(AttributeSet template, AttributeSet? baseKey = null, ObjectOrigin origin = ObjectOrigin.Generate) =>
        TemplateValidator.ForGenerated(template, Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE, Aes128), (CKA.VALUE_LEN, U(16))),
            origin, origin == ObjectOrigin.Derive ? CKM.SHA256_KEY_DERIVATION : CKM.AES_KEY_GEN, baseKey);

    [Fact]
    public void An_AES_template_with_CKA_IBM_PROTKEY_EXTRACTABLE_is_accepted_and_kept()
    {
        var key = TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_PROTKEY_EXTRACTABLE, B(true)));
        Assert.True(key.IsTrue(CKA.IBM_PROTKEY_EXTRACTABLE));
        Assert.False(key.IsTrue(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        Assert.Equal(CKR.OK, TemplateValidator.Read(key, CKA.IBM_PROTKEY_EXTRACTABLE).Rv);
    }

    [Fact]
    public void Defaults_follow_openCryptoki()
    {
        var key = TemplateValidator.ForCreate(AesTemplate());
        Assert.Equal(false, key.GetBool(CKA.IBM_PROTKEY_EXTRACTABLE));
        Assert.Equal(true, key.GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        Assert.Equal(false, key.GetBool(CKA.IBM_ATTRBOUND));
        Assert.Equal(false, key.GetBool(CKA.IBM_USE_AS_DATA));
    }

    [Fact]
    public void PROTKEY_EXTRACTABLE_can_only_become_FALSE_and_NEVER_EXTRACTABLE_keeps_the_history()
    {
        var on = TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_PROTKEY_EXTRACTABLE, B(true)));
        Assert.Equal(CKR.OK, Rv(() => TemplateValidator.ForSet(on, Set((CKA.IBM_PROTKEY_EXTRACTABLE, B(false))))));
        var off = TemplateValidator.ForSet(on, Set((CKA.IBM_PROTKEY_EXTRACTABLE, B(false))));
        Assert.Equal(false, off.GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForSet(off, Set((CKA.IBM_PROTKEY_EXTRACTABLE, B(true))))));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForCopy(off, Set((CKA.IBM_PROTKEY_EXTRACTABLE, B(true))))));
    }

    [Fact]
    public void PROTKEY_NEVER_EXTRACTABLE_is_the_tokens_to_set()
    {
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE, B(true)))));
        var key = TemplateValidator.ForCreate(AesTemplate());
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForSet(key, Set((CKA.IBM_PROTKEY_NEVER_EXTRACTABLE, B(false))))));
    }

    [Fact]
    public void Generated_and_derived_keys_keep_the_protected_key_history()
    {
        Assert.Equal(true, Generated(Set()).GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        Assert.Equal(false, Generated(Set((CKA.IBM_PROTKEY_EXTRACTABLE, B(true)))).GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        var exported = TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_PROTKEY_EXTRACTABLE, B(true)));
        Assert.Equal(false, Generated(Set(), exported, ObjectOrigin.Derive).GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        Assert.Equal(true, Generated(Set(), TemplateValidator.ForCreate(AesTemplate()), ObjectOrigin.Derive).GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
        // The unwrapping key's history is not the unwrapped key's.
        Assert.Equal(true, Generated(Set(), exported, ObjectOrigin.Unwrap).GetBool(CKA.IBM_PROTKEY_NEVER_EXTRACTABLE));
    }

    [Fact]
    public void ATTRBOUND_and_USE_AS_DATA_are_chosen_when_the_key_is_made()
    {
        var key = TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_ATTRBOUND, B(true)).With(CKA.IBM_USE_AS_DATA, B(true)));
        Assert.True(key.IsTrue(CKA.IBM_ATTRBOUND));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForSet(key, Set((CKA.IBM_ATTRBOUND, B(false))))));
        Assert.Equal(CKR.ATTRIBUTE_READ_ONLY, Rv(() => TemplateValidator.ForSet(key, Set((CKA.IBM_USE_AS_DATA, B(false))))));
        Assert.Equal(CKR.ATTRIBUTE_VALUE_INVALID, Rv(() => TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_ATTRBOUND, [1, 0]))));
    }

    [Fact]
    public void EP11_only_attributes_stay_refused_as_in_openCryptokis_soft_token()
    {
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, Rv(() => TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_NEVER_MODIFIABLE, B(true)))));
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, Rv(() => TemplateValidator.ForCreate(AesTemplate().With(CKA.IBM_STD_COMPLIANCE1, U(1)))));
        // Not on data objects: openCryptoki's rules are those of key objects.
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, Rv(() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DATA)), (CKA.IBM_PROTKEY_EXTRACTABLE, B(false))))));
    }
}
