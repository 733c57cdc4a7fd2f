using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>One row per template rule (AttrFlags footnote), each able to fail.</summary>
public class TemplateValidatorSpec
{
    private static readonly byte[] Aes128 = H("2b7e151628aed2a6abf7158809cf4f3c");

    private static AttributeSet AesTemplate() => Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE, Aes128));

    private static AttributeSet RsaPublicTemplate() => Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)),
        (CKA.MODULUS, H("c5062b58d8539c765e1e5dbaf14cf75dd56c2e13105fecfd1a930bbb5948ff328f126abe779359ca59bca752c308d281573bc6178b6c0fef7dc445e4f826430437b9f9d790581de5749c2cb9cb26d42b2fee15b6b26f09c99670336423b86bc5bec71113157be2d944d7ff3eebffb28413143ea36755db0ae62ff5b724eecb3d316b6bac67e89cacd8171937e2ab19bd353a89acea8c36f81c89a620d5fd2effea896601c7f9daca7f033f635a3a943331d1b1b4f5288790b53af352f1121ca1bef205f40dc012c412b40bdd27585b946466d75f7ee0a7f9d549b4bece6f43ac3ee65fe7fd37123359d9f1a850ad450aaf5c94eb11dea3fc0fc6e9856b1805ef")),
        (CKA.PUBLIC_EXPONENT, H("010001")));

    private static readonly Dictionary<string, (Func<object?> Act, ulong Rv)> Rows = new()
    {
        // C_CreateObject
        ["create: valid AES key"] = (() => TemplateValidator.ForCreate(AesTemplate()), CKR.OK),
        ["create: footnote 1 CKA_CLASS missing"] = (() => TemplateValidator.ForCreate(Set((CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE, Aes128))), CKR.TEMPLATE_INCOMPLETE),
        ["create: footnote 1 CKA_KEY_TYPE missing"] = (() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.VALUE, Aes128))), CKR.TEMPLATE_INCOMPLETE),
        ["create: footnote 1 CKA_VALUE missing"] = (() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)))), CKR.TEMPLATE_INCOMPLETE),
        ["create: footnote 1 RSA modulus missing"] = (() => { var t = RsaPublicTemplate(); t.Remove(CKA.MODULUS); return TemplateValidator.ForCreate(t); }, CKR.TEMPLATE_INCOMPLETE),
        ["create: footnote 1 certificate CKA_SUBJECT missing"] = (() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.CERTIFICATE)), (CKA.CERTIFICATE_TYPE, U(CKC.X_509)), (CKA.VALUE, [0x30, 0]))), CKR.TEMPLATE_INCOMPLETE),
        ["create: footnote 2 CKA_LOCAL"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.LOCAL, B(true))), CKR.ATTRIBUTE_READ_ONLY),
        ["create: footnote 2 CKA_ALWAYS_SENSITIVE"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.ALWAYS_SENSITIVE, B(true))), CKR.ATTRIBUTE_READ_ONLY),
        ["create: footnote 2 CKA_NEVER_EXTRACTABLE"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.NEVER_EXTRACTABLE, B(true))), CKR.ATTRIBUTE_READ_ONLY),
        ["create: footnote 2 CKA_KEY_GEN_MECHANISM"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.KEY_GEN_MECHANISM, U(CKM.AES_KEY_GEN))), CKR.ATTRIBUTE_READ_ONLY),
        ["create: footnote 2 CKA_UNIQUE_ID"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.UNIQUE_ID, S("1"))), CKR.ATTRIBUTE_READ_ONLY),
        ["create: computed CKA_VALUE_LEN that agrees"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.VALUE_LEN, U(16))), CKR.OK),
        ["create: computed CKA_VALUE_LEN that disagrees"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.VALUE_LEN, U(32))), CKR.TEMPLATE_INCONSISTENT),
        ["create: computed CKA_MODULUS_BITS that disagrees"] = (() => TemplateValidator.ForCreate(RsaPublicTemplate().With(CKA.MODULUS_BITS, U(1024))), CKR.TEMPLATE_INCONSISTENT),
        ["create: attribute of another class"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.MODULUS, [1])), CKR.ATTRIBUTE_TYPE_INVALID),
        ["create: private-key attribute on a public key"] = (() => TemplateValidator.ForCreate(RsaPublicTemplate().With(CKA.SIGN, B(true))), CKR.ATTRIBUTE_TYPE_INVALID),
        ["create: CK_BBOOL of two bytes"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.TOKEN, [1, 0])), CKR.ATTRIBUTE_VALUE_INVALID),
        ["create: CK_ULONG of four bytes"] = (() => TemplateValidator.ForCreate(Set((CKA.CLASS, [4, 0, 0, 0]), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE, Aes128))), CKR.ATTRIBUTE_VALUE_INVALID),
        ["create: CK_DATE malformed"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.START_DATE, S("2024-1-1"))), CKR.ATTRIBUTE_VALUE_INVALID),
        ["create: CK_DATE well formed"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.START_DATE, S("20240101"))), CKR.OK),
        ["create: CKA_ALLOWED_MECHANISMS not a ulong array"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.ALLOWED_MECHANISMS, [1, 2, 3])), CKR.ATTRIBUTE_VALUE_INVALID),
        ["create: AES value of 15 bytes"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.VALUE, new byte[15])), CKR.ATTRIBUTE_VALUE_INVALID),
        ["create: unsupported class"] = (() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.HW_FEATURE)))), CKR.ATTRIBUTE_VALUE_INVALID),
        ["create: footnote 10 CKA_TRUSTED by a user"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.TRUSTED, B(true))), CKR.ATTRIBUTE_READ_ONLY),
        ["create: footnote 10 CKA_TRUSTED by the SO"] = (() => TemplateValidator.ForCreate(AesTemplate().With(CKA.TRUSTED, B(true)), soSession: true), CKR.OK),
        ["create: data object"] = (() => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DATA)), (CKA.VALUE, S("x")))), CKR.OK),

        // C_GenerateKey(Pair) / C_UnwrapKey / C_DeriveKey
        ["generate: AES"] = (() => Generated(Set((CKA.VALUE_LEN, U(16)))), CKR.OK),
        ["generate: footnote 4 CKA_VALUE in the template"] = (() => Generated(Set((CKA.VALUE_LEN, U(16)), (CKA.VALUE, new byte[16]))), CKR.TEMPLATE_INCONSISTENT),
        ["generate: footnote 4 CKA_LOCAL in the template"] = (() => Generated(Set((CKA.VALUE_LEN, U(16)), (CKA.LOCAL, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["generate: template CKA_KEY_TYPE conflicts"] = (() => Generated(Set((CKA.VALUE_LEN, U(16)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)))), CKR.TEMPLATE_INCONSISTENT),
        ["generate: footnote 3 CKA_MODULUS_BITS missing"] = (() => TemplateValidator.ForGenerated(Set(), Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)), (CKA.MODULUS, [0xC5]), (CKA.PUBLIC_EXPONENT, [3])), ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null), CKR.TEMPLATE_INCOMPLETE),
        ["generate: footnote 4 CKA_MODULUS in the public template"] = (() => TemplateValidator.ForGenerated(Set((CKA.MODULUS_BITS, U(8)), (CKA.MODULUS, [0xC4])), Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)), (CKA.PUBLIC_EXPONENT, [3])), ObjectOrigin.GenerateKeyPair, CKM.RSA_PKCS_KEY_PAIR_GEN, null), CKR.ATTRIBUTE_READ_ONLY),
        ["unwrap: footnote 6 CKA_VALUE in the template"] = (() => TemplateValidator.ForGenerated(Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE, Aes128)), Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES))), ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP, null), CKR.ATTRIBUTE_READ_ONLY),
        ["unwrap: footnote 6 CKA_NEVER_EXTRACTABLE in the template"] = (() => TemplateValidator.ForGenerated(Set((CKA.NEVER_EXTRACTABLE, B(true))), KeyEncoding.Decode(CKO.SECRET_KEY, CKK.AES, Aes128, Set()), ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP, null), CKR.ATTRIBUTE_READ_ONLY),
        ["generate: footnote 10 CKA_TRUSTED by a user"] = (() => Generated(Set((CKA.VALUE_LEN, U(16)), (CKA.TRUSTED, B(true)))), CKR.ATTRIBUTE_READ_ONLY),

        // C_CopyObject
        ["copy: CKA_COPYABLE FALSE"] = (() => TemplateValidator.ForCopy(Created((CKA.COPYABLE, B(false))), Set()), CKR.ACTION_PROHIBITED),
        ["copy: change CKA_TOKEN and CKA_LABEL"] = (() => TemplateValidator.ForCopy(Created(), Set((CKA.TOKEN, B(true)), (CKA.LABEL, S("copy")))), CKR.OK),
        ["copy: CKA_MODIFIABLE to FALSE"] = (() => TemplateValidator.ForCopy(Created(), Set((CKA.MODIFIABLE, B(false)))), CKR.OK),
        ["copy: CKA_MODIFIABLE back to TRUE"] = (() => TemplateValidator.ForCopy(Created((CKA.MODIFIABLE, B(false))), Set((CKA.MODIFIABLE, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["copy: CKA_VALUE changed"] = (() => TemplateValidator.ForCopy(Created(), Set((CKA.VALUE, new byte[16]))), CKR.ATTRIBUTE_READ_ONLY),
        ["copy: footnote 11 CKA_SENSITIVE TRUE to FALSE"] = (() => TemplateValidator.ForCopy(Created((CKA.SENSITIVE, B(true))), Set((CKA.SENSITIVE, B(false)))), CKR.ATTRIBUTE_READ_ONLY),
        ["copy: footnote 11 CKA_SENSITIVE FALSE to TRUE"] = (() => TemplateValidator.ForCopy(Created(), Set((CKA.SENSITIVE, B(true)))), CKR.OK),
        ["copy: footnote 12 CKA_EXTRACTABLE FALSE to TRUE"] = (() => TemplateValidator.ForCopy(Created((CKA.EXTRACTABLE, B(false))), Set((CKA.EXTRACTABLE, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["copy: unknown attribute"] = (() => TemplateValidator.ForCopy(Created(), Set((CKA.MODULUS, [1]))), CKR.ATTRIBUTE_TYPE_INVALID),

        // C_SetAttributeValue
        ["set: CKA_LABEL"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.LABEL, S("new")))), CKR.OK),
        ["set: CKA_MODIFIABLE FALSE"] = (() => TemplateValidator.ForSet(Created((CKA.MODIFIABLE, B(false))), Set((CKA.LABEL, S("new")))), CKR.ACTION_PROHIBITED),
        ["set: read-only CKA_CLASS"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.CLASS, U(CKO.SECRET_KEY)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: read-only CKA_VALUE"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.VALUE, Aes128))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: read-only CKA_TOKEN (copy only)"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.TOKEN, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: token-set CKA_LOCAL"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.LOCAL, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: footnote 11 CKA_SENSITIVE TRUE to FALSE"] = (() => TemplateValidator.ForSet(Created((CKA.SENSITIVE, B(true))), Set((CKA.SENSITIVE, B(false)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: footnote 11 CKA_SENSITIVE FALSE to TRUE"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.SENSITIVE, B(true)))), CKR.OK),
        ["set: footnote 11 CKA_WRAP_WITH_TRUSTED TRUE to FALSE"] = (() => TemplateValidator.ForSet(Created((CKA.WRAP_WITH_TRUSTED, B(true))), Set((CKA.WRAP_WITH_TRUSTED, B(false)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: footnote 12 CKA_EXTRACTABLE FALSE to TRUE"] = (() => TemplateValidator.ForSet(Created((CKA.EXTRACTABLE, B(false))), Set((CKA.EXTRACTABLE, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: footnote 12 CKA_EXTRACTABLE TRUE to FALSE"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.EXTRACTABLE, B(false)))), CKR.OK),
        ["set: footnote 10 CKA_TRUSTED by a user"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.TRUSTED, B(true)))), CKR.ATTRIBUTE_READ_ONLY),
        ["set: footnote 10 CKA_TRUSTED by the SO"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.TRUSTED, B(true))), soSession: true), CKR.OK),
        ["set: unknown attribute"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.EC_POINT, [4]))), CKR.ATTRIBUTE_TYPE_INVALID),
        ["set: malformed CK_BBOOL"] = (() => TemplateValidator.ForSet(Created(), Set((CKA.ENCRYPT, []))), CKR.ATTRIBUTE_VALUE_INVALID),

        // KeyUsage
        ["usage: permitted"] = (() => { CheckKey(Created(), CKA.ENCRYPT, CKM.AES_CBC, Info(CKM.AES_CBC)); return null; }, CKR.OK),
        ["usage: CKA_ENCRYPT FALSE"] = (() => { CheckKey(Created((CKA.ENCRYPT, B(false))), CKA.ENCRYPT, CKM.AES_CBC, Info(CKM.AES_CBC)); return null; }, CKR.KEY_FUNCTION_NOT_PERMITTED),
        ["usage: not in CKA_ALLOWED_MECHANISMS"] = (() => { CheckKey(Created((CKA.ALLOWED_MECHANISMS, Attr.ULongs([CKM.AES_GCM]))), CKA.ENCRYPT, CKM.AES_CBC, Info(CKM.AES_CBC)); return null; }, CKR.MECHANISM_INVALID),
        ["usage: in CKA_ALLOWED_MECHANISMS"] = (() => { CheckKey(Created((CKA.ALLOWED_MECHANISMS, Attr.ULongs([CKM.AES_GCM, CKM.AES_CBC]))), CKA.ENCRYPT, CKM.AES_CBC, Info(CKM.AES_CBC)); return null; }, CKR.OK),
        ["usage: key size out of range"] = (() => { CheckKey(Created(), CKA.SIGN, CKM.AES_CMAC, new MechanismInfo(64, 128, CKF.SIGN)); return null; }, CKR.KEY_SIZE_RANGE),
        ["usage: mechanism lacks the function"] = (() => { CheckKey(Created(), CKA.SIGN, CKM.AES_CBC, Info(CKM.AES_CBC)); return null; }, CKR.MECHANISM_INVALID),
        ["usage: public key used to sign"] = (() => { CheckKey(TemplateValidator.ForCreate(RsaPublicTemplate()), CKA.SIGN, CKM.RSA_PKCS, Info(CKM.RSA_PKCS)); return null; }, CKR.KEY_TYPE_INCONSISTENT),
        ["usage: RSA key size in bits"] = (() => { CheckKey(TemplateValidator.ForCreate(RsaPublicTemplate()), CKA.VERIFY, CKM.RSA_PKCS, Info(CKM.RSA_PKCS)); return null; }, CKR.OK),
        ["wrap: unextractable key"] = (() => { KeyUsage.CheckWrap(Created(), Created((CKA.EXTRACTABLE, B(false)))); return null; }, CKR.KEY_UNEXTRACTABLE),
        ["wrap: CKA_WRAP_WITH_TRUSTED with an untrusted key"] = (() => { KeyUsage.CheckWrap(Created(), Created((CKA.WRAP_WITH_TRUSTED, B(true)))); return null; }, CKR.KEY_NOT_WRAPPABLE),
        ["wrap: CKA_WRAP_WITH_TRUSTED with a trusted key"] = (() => { KeyUsage.CheckWrap(TemplateValidator.ForCreate(AesTemplate().With(CKA.TRUSTED, B(true)), true), Created((CKA.WRAP_WITH_TRUSTED, B(true)))); return null; }, CKR.OK),
        ["unwrap: garbage PKCS#8"] = (() => KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.RSA, [0x30, 0x03, 0x02, 0x01, 0x00], Set()), CKR.WRAPPED_KEY_INVALID),
        ["unwrap: AES value of 20 bytes"] = (() => KeyEncoding.Decode(CKO.SECRET_KEY, CKK.AES, new byte[20], Set()), CKR.WRAPPED_KEY_INVALID),
        ["unwrap: CKA_VALUE_LEN selects leading bytes"] = (() => KeyEncoding.Decode(CKO.SECRET_KEY, CKK.AES, new byte[32], Set((CKA.VALUE_LEN, U(16)))), CKR.OK),
    };

    public static TheoryData<string> RowNames => new(Rows.Keys);

    [Theory]
    [MemberData(nameof(RowNames))]
    public void Template_rule_gives_expected_rv(string row)
    {
        var (act, rv) = Rows[row];
        Assert.Equal(CkRvNames.Name(rv), CkRvNames.Name(Rv(() => act())));
    }

    private static AttributeSet Created(params (ulong Type, byte[] Value)[] extra)
    {
        var t = AesTemplate();
        foreach (var (ty, v) in extra) t.Set(ty, v);
        return TemplateValidator.ForCreate(t);
    }

    private static AttributeSet Generated(AttributeSet template)
    {
        var produced = Mech(CKM.AES_KEY_GEN).GenerateKey(CKM.AES_KEY_GEN, null, template);
        return TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Generate, CKM.AES_KEY_GEN, null);
    }

    private static MechanismInfo Info(ulong m) => Registry.TryGet(m, out var i, out _) ? i : default;

    [Fact]
    public void Create_fills_the_defaults()
    {
        var o = TemplateValidator.ForCreate(AesTemplate());
        Assert.False(o.IsTrue(CKA.TOKEN));
        Assert.True(o.IsTrue(CKA.PRIVATE));
        Assert.True(o.IsTrue(CKA.MODIFIABLE));
        Assert.True(o.IsTrue(CKA.COPYABLE));
        Assert.True(o.IsTrue(CKA.DESTROYABLE));
        Assert.False(o.IsTrue(CKA.SENSITIVE));
        Assert.True(o.IsTrue(CKA.EXTRACTABLE));
        Assert.True(o.IsTrue(CKA.ENCRYPT));
        Assert.False(o.IsTrue(CKA.DERIVE));
        Assert.False(o.IsTrue(CKA.LOCAL));
        Assert.False(o.IsTrue(CKA.ALWAYS_SENSITIVE));
        Assert.False(o.IsTrue(CKA.NEVER_EXTRACTABLE));
        Assert.Equal(CK.UNAVAILABLE_INFORMATION, o.GetULong(CKA.KEY_GEN_MECHANISM));
        Assert.Equal(16UL, o.GetULong(CKA.VALUE_LEN));
        Assert.Empty(o[CKA.LABEL]);
        Assert.Empty(o[CKA.ID]);

        var pub = TemplateValidator.ForCreate(RsaPublicTemplate());
        Assert.False(pub.IsTrue(CKA.PRIVATE));
        Assert.Equal(2048UL, pub.GetULong(CKA.MODULUS_BITS));
        var data = TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.DATA))));
        Assert.False(data.IsTrue(CKA.PRIVATE));
    }

    [Fact]
    public void Generated_keys_record_their_history()
    {
        var g = Generated(Set((CKA.VALUE_LEN, U(32)), (CKA.SENSITIVE, B(true)), (CKA.EXTRACTABLE, B(false))));
        Assert.True(g.IsTrue(CKA.LOCAL));
        Assert.Equal(CKM.AES_KEY_GEN, g.GetULong(CKA.KEY_GEN_MECHANISM));
        Assert.True(g.IsTrue(CKA.ALWAYS_SENSITIVE));
        Assert.True(g.IsTrue(CKA.NEVER_EXTRACTABLE));
        Assert.Equal(32, g[CKA.VALUE].Length);

        var plain = Generated(Set((CKA.VALUE_LEN, U(16))));
        Assert.False(plain.IsTrue(CKA.ALWAYS_SENSITIVE));
        Assert.False(plain.IsTrue(CKA.NEVER_EXTRACTABLE));

        var unwrapped = TemplateValidator.ForGenerated(Set((CKA.SENSITIVE, B(true))), KeyEncoding.Decode(CKO.SECRET_KEY, CKK.AES, Aes128, Set()),
            ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP, null);
        Assert.False(unwrapped.IsTrue(CKA.LOCAL));
        Assert.False(unwrapped.IsTrue(CKA.ALWAYS_SENSITIVE));
        Assert.Equal(CK.UNAVAILABLE_INFORMATION, unwrapped.GetULong(CKA.KEY_GEN_MECHANISM));

        var produced = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)), (CKA.VALUE, new byte[20]));
        var derivedFromSensitive = TemplateValidator.ForGenerated(Set((CKA.SENSITIVE, B(true)), (CKA.EXTRACTABLE, B(false))), produced, ObjectOrigin.Derive, CKM.ECDH1_DERIVE, g);
        Assert.False(derivedFromSensitive.IsTrue(CKA.LOCAL));
        Assert.True(derivedFromSensitive.IsTrue(CKA.ALWAYS_SENSITIVE));
        Assert.True(derivedFromSensitive.IsTrue(CKA.NEVER_EXTRACTABLE));
        var derivedFromPlain = TemplateValidator.ForGenerated(Set((CKA.SENSITIVE, B(true))), produced, ObjectOrigin.Derive, CKM.ECDH1_DERIVE, plain);
        Assert.False(derivedFromPlain.IsTrue(CKA.ALWAYS_SENSITIVE));
    }

    [Fact]
    public void Copy_drops_the_unique_id_and_keeps_the_rest()
    {
        var src = Created();
        src.Set(CKA.UNIQUE_ID, S("42"));
        var copy = TemplateValidator.ForCopy(src, Set((CKA.LABEL, S("c"))));
        Assert.False(copy.Has(CKA.UNIQUE_ID));
        Assert.Equal(Aes128, copy[CKA.VALUE]);
        Assert.Equal(S("c"), copy[CKA.LABEL]);
        Assert.Equal(S("42"), src[CKA.UNIQUE_ID]);
    }

    [Fact]
    public void Read_hides_sensitive_values()
    {
        var open = Created();
        Assert.Equal(CKR.OK, TemplateValidator.Read(open, CKA.VALUE).Rv);
        Assert.Equal(Aes128, TemplateValidator.Read(open, CKA.VALUE).Value);
        var sensitive = Created((CKA.SENSITIVE, B(true)));
        Assert.Equal(new AttributeRead(CKR.ATTRIBUTE_SENSITIVE, null), TemplateValidator.Read(sensitive, CKA.VALUE));
        Assert.Equal(CKR.OK, TemplateValidator.Read(sensitive, CKA.VALUE_LEN).Rv);
        var unextractable = Created((CKA.EXTRACTABLE, B(false)));
        Assert.Equal(CKR.ATTRIBUTE_SENSITIVE, TemplateValidator.Read(unextractable, CKA.VALUE).Rv);
        Assert.Equal(CKR.ATTRIBUTE_TYPE_INVALID, TemplateValidator.Read(open, CKA.MODULUS).Rv);
        Assert.Equal(CKR.OK, TemplateValidator.Read(open, CKA.UNIQUE_ID).Rv);
        Assert.Empty(TemplateValidator.Read(open, CKA.ALLOWED_MECHANISMS).Value!);

        Assert.True(TemplateValidator.IsSecretAtRest(open, CKA.VALUE));
        Assert.False(TemplateValidator.IsSecretAtRest(open, CKA.LABEL));
        var pub = TemplateValidator.ForCreate(RsaPublicTemplate());
        Assert.False(TemplateValidator.IsSecretAtRest(pub, CKA.MODULUS));
        Assert.Equal(CKR.OK, TemplateValidator.Read(pub, CKA.MODULUS).Rv);
    }

    [Fact]
    public void Matches_compares_bytes_and_size_counts_values()
    {
        var o = Created((CKA.LABEL, S("k1")));
        Assert.True(TemplateValidator.Matches(o, Set()));
        Assert.True(TemplateValidator.Matches(o, Set((CKA.LABEL, S("k1")), (CKA.CLASS, U(CKO.SECRET_KEY)))));
        Assert.False(TemplateValidator.Matches(o, Set((CKA.LABEL, S("k2")))));
        Assert.False(TemplateValidator.Matches(o, Set((CKA.MODULUS, [1]))));
        Assert.True(TemplateValidator.Size(o) > 16);
    }
}
