using System.Text;
using Net.Pkcs11Interop.Common;
using OpenCryptokiActors.EndToEnd.Tests.Infrastructure;
using static OpenCryptokiActors.EndToEnd.Tests.Infrastructure.P11;

namespace OpenCryptokiActors.EndToEnd.Tests;

/// <summary>
/// C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue,
/// C_FindObjects*; template rules, sensitivity, visibility of private and session objects.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class _05_ObjectTest(EndToEndFixture fx)
{
    [Fact]
    public void Create_a_data_object_and_read_its_attributes()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "objects");
        var value = Encoding.ASCII.GetBytes("hello, token");
        var o = s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_PRIVATE, false),
            A(CKA.CKA_LABEL, "data 1"), A(CKA.CKA_APPLICATION, "e2e"), A(CKA.CKA_VALUE, value)));

        var attrs = s.GetAttributeValue(o, [CKA.CKA_CLASS, CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_LABEL,
            CKA.CKA_APPLICATION, CKA.CKA_VALUE, CKA.CKA_MODIFIABLE]);
        Assert.Equal((ulong)CKO.CKO_DATA, attrs[0].GetValueAsUlong());
        Assert.True(attrs[1].GetValueAsBool());
        Assert.False(attrs[2].GetValueAsBool());
        Assert.Equal("data 1", attrs[3].GetValueAsString());
        Assert.Equal("e2e", attrs[4].GetValueAsString());
        Assert.Equal(value, attrs[5].GetValueAsByteArray());
        Assert.True(attrs[6].GetValueAsBool()); // CKA_MODIFIABLE defaults to TRUE
        Assert.True(s.GetObjectSize(o) > 0);
    }

    [Fact]
    public void Create_a_secret_key_whose_sensitive_value_is_never_returned()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "sensitive");
        var key = ImportAesKey(s, new byte[32], "sensitive aes", token: true, sensitive: true);

        var ll = LowLevel(fx.ModulePath);
        var (rv, len) = AttributeLength(ll, s.SessionId, key.ObjectId, CKA.CKA_VALUE);
        Assert.Equal(CKR.CKR_ATTRIBUTE_SENSITIVE, rv);
        Assert.Equal(CK_UNAVAILABLE_INFORMATION, len);
        Assert.True(s.GetAttributeValue(key, [CKA.CKA_VALUE])[0].CannotBeRead);

        // The other attributes are readable, and the token keeps the key's history.
        Assert.Equal((ulong)CKK.CKK_AES, ULong(s, key, CKA.CKA_KEY_TYPE));
        Assert.Equal(32UL, ULong(s, key, CKA.CKA_VALUE_LEN));
        Assert.True(Bool(s, key, CKA.CKA_SENSITIVE));
        Assert.False(Bool(s, key, CKA.CKA_LOCAL));
        Assert.False(Bool(s, key, CKA.CKA_ALWAYS_SENSITIVE)); // imported, so never "always" sensitive
        Assert.NotEmpty(Bytes(s, key, CKA_UNIQUE_ID));

        // A non-sensitive, extractable key's value can be read.
        var plain = ImportAesKey(s, Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), "plain aes", sensitive: false);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), Bytes(s, plain, CKA.CKA_VALUE));
    }

    [Fact]
    public void Unreadable_attributes_in_one_call_mark_only_themselves()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "mixed read");
        var key = ImportAesKey(s, new byte[16], "mixed", sensitive: true);
        var ll = LowLevel(fx.ModulePath);
        var template = new[]
        {
            Net.Pkcs11Interop.LowLevelAPI80.CkaUtils.CreateAttribute(CKA.CKA_LABEL),
            Net.Pkcs11Interop.LowLevelAPI80.CkaUtils.CreateAttribute(CKA.CKA_VALUE),
            Net.Pkcs11Interop.LowLevelAPI80.CkaUtils.CreateAttribute((CKA)0x80001234UL), // vendor, unknown
        };
        var rv = ll.C_GetAttributeValue(s.SessionId, key.ObjectId, template, (ulong)template.Length);
        Assert.True(rv is CKR.CKR_ATTRIBUTE_SENSITIVE or CKR.CKR_ATTRIBUTE_TYPE_INVALID, $"rv {rv}");
        Assert.Equal((ulong)"mixed".Length, template[0].valueLen);
        Assert.Equal(CK_UNAVAILABLE_INFORMATION, template[1].valueLen);
        Assert.Equal(CK_UNAVAILABLE_INFORMATION, template[2].valueLen);
    }

    [Fact]
    public void Template_errors_are_reported_with_their_codes()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "templates");
        AssertRv(CKR.CKR_TEMPLATE_INCOMPLETE, () => s.CreateObject(T(A(CKA.CKA_LABEL, "no class"))));
        AssertRv(CKR.CKR_TEMPLATE_INCOMPLETE, () => s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES)))); // no CKA_VALUE
        AssertRv(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_VALUE, new byte[15]))));
        AssertRv(CKR.CKR_ATTRIBUTE_TYPE_INVALID, () => s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_DATA), F.ObjectAttributeFactory.Create(0x80001234UL, true))));
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), A(CKA.CKA_KEY_TYPE, CKK.CKK_AES), A(CKA.CKA_VALUE, new byte[16]),
            A(CKA.CKA_LOCAL, true)))); // CKA_LOCAL is set by the token only
    }

    [Fact]
    public void SetAttributeValue_follows_the_change_rules()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "set rules");
        var key = ImportAesKey(s, new byte[16], "before", sensitive: false, extractable: true);

        s.SetAttributeValue(key, T(A(CKA.CKA_LABEL, "after")));
        Assert.Equal("after", Str(s, key, CKA.CKA_LABEL));

        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(key, T(A(CKA.CKA_CLASS, CKO.CKO_DATA))));
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(key, T(A(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET))));

        s.SetAttributeValue(key, T(A(CKA.CKA_SENSITIVE, true)));      // FALSE -> TRUE allowed
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(key, T(A(CKA.CKA_SENSITIVE, false))));
        s.SetAttributeValue(key, T(A(CKA.CKA_EXTRACTABLE, false)));   // TRUE -> FALSE allowed
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(key, T(A(CKA.CKA_EXTRACTABLE, true))));
        Assert.True(Bool(s, key, CKA.CKA_SENSITIVE));
        Assert.False(Bool(s, key, CKA.CKA_EXTRACTABLE));

        var locked = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_LABEL, "fixed"), A(CKA.CKA_MODIFIABLE, false)));
        // PKCS#11 2.40 §5.7: CKR_ACTION_PROHIBITED (older tokens answer CKR_ATTRIBUTE_READ_ONLY).
        Assert.Contains(Rv(() => s.SetAttributeValue(locked, T(A(CKA.CKA_LABEL, "changed")))),
            new[] { CKR.CKR_ACTION_PROHIBITED, CKR.CKR_ATTRIBUTE_READ_ONLY });
        Assert.Equal("fixed", Str(s, locked, CKA.CKA_LABEL));
    }

    [Fact]
    public void CopyObject_makes_an_independent_object_with_changes_from_the_template()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "copy");
        var original = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true),
            A(CKA.CKA_LABEL, "original"), A(CKA.CKA_VALUE, new byte[] { 1, 2, 3 })));
        var copy = s.CopyObject(original, T(A(CKA.CKA_LABEL, "copy"), A(CKA.CKA_TOKEN, false)));

        Assert.NotEqual(original.ObjectId, copy.ObjectId);
        Assert.Equal("copy", Str(s, copy, CKA.CKA_LABEL));
        Assert.False(Bool(s, copy, CKA.CKA_TOKEN));
        Assert.Equal(new byte[] { 1, 2, 3 }, Bytes(s, copy, CKA.CKA_VALUE));
        Assert.Equal("original", Str(s, original, CKA.CKA_LABEL));
        Assert.NotEqual(Bytes(s, original, CKA_UNIQUE_ID), Bytes(s, copy, CKA_UNIQUE_ID));

        // A copy cannot undo sensitivity.
        var key = ImportAesKey(s, new byte[16], "sensitive original", sensitive: true);
        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.CopyObject(key, T(A(CKA.CKA_SENSITIVE, false))));
    }

    [Fact]
    public void DestroyObject_removes_it()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "destroy");
        var o = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true), A(CKA.CKA_LABEL, "to destroy")));
        s.DestroyObject(o);
        Assert.Empty(FindByLabel(s, "to destroy"));
        AssertRv(CKR.CKR_OBJECT_HANDLE_INVALID, () => s.GetAttributeValue(o, [CKA.CKA_LABEL]));
        AssertRv(CKR.CKR_OBJECT_HANDLE_INVALID, () => s.DestroyObject(o));
    }

    [Fact]
    public void FindObjects_matches_on_the_template_and_pages_through_results()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "find");
        for (var i = 0; i < 5; i++)
        {
            s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, i % 2 == 0),
                A(CKA.CKA_LABEL, "findme"), A(CKA.CKA_APPLICATION, "app" + i)));
        }
        ImportAesKey(s, new byte[16], "findme");

        Assert.Equal(6, FindByLabel(s, "findme").Count);
        Assert.Equal(5, s.FindAllObjects([A(CKA.CKA_LABEL, "findme"), A(CKA.CKA_CLASS, CKO.CKO_DATA)]).Count);
        Assert.Equal(3, s.FindAllObjects([A(CKA.CKA_LABEL, "findme"), A(CKA.CKA_TOKEN, true)]).Count);
        Assert.Single(s.FindAllObjects([A(CKA.CKA_APPLICATION, "app3")]));
        Assert.Empty(FindByLabel(s, "nothing has this label"));

        s.FindObjectsInit([A(CKA.CKA_LABEL, "findme")]);
        var seen = new List<ulong>();
        List<Net.Pkcs11Interop.HighLevelAPI.IObjectHandle> page;
        while ((page = s.FindObjects(4)).Count > 0)
        {
            Assert.True(page.Count <= 4);
            seen.AddRange(page.Select(p => p.ObjectId));
        }
        AssertRv(CKR.CKR_OPERATION_ACTIVE, () => s.FindObjectsInit([A(CKA.CKA_LABEL, "findme")]));
        s.FindObjectsFinal();
        Assert.Equal(6, seen.Distinct().Count());
    }

    [Fact]
    public void Private_objects_are_hidden_before_login()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Objects, "private");
        using var s = slot.OpenSession(SessionType.ReadWrite);

        AssertRv(CKR.CKR_USER_NOT_LOGGED_IN, () => s.CreateObject(T(
            A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_PRIVATE, true), A(CKA.CKA_LABEL, "secret"))));

        s.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
        var priv = s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true),
            A(CKA.CKA_PRIVATE, true), A(CKA.CKA_LABEL, "visibility")));
        s.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, true),
            A(CKA.CKA_PRIVATE, false), A(CKA.CKA_LABEL, "visibility")));
        Assert.Equal(2, FindByLabel(s, "visibility").Count);
        s.Logout();

        Assert.Single(FindByLabel(s, "visibility"));
        Assert.Contains(Rv(() => s.GetAttributeValue(priv, [CKA.CKA_LABEL])),
            new[] { CKR.CKR_OBJECT_HANDLE_INVALID, CKR.CKR_USER_NOT_LOGGED_IN });

        s.Login(CKU.CKU_USER, EndToEndFixture.UserPin);
        Assert.Equal(2, FindByLabel(s, "visibility").Count);
        s.Logout();
    }

    [Fact]
    public void A_session_object_is_shared_by_the_applications_sessions_and_gone_when_its_session_closes()
    {
        using var lib = fx.Load();
        var slot = fx.FreshToken(lib, Slots.Objects, "session objects");
        var owner = slot.OpenSession(SessionType.ReadWrite);
        using var other = slot.OpenSession(SessionType.ReadOnly);
        var o = owner.CreateObject(T(A(CKA.CKA_CLASS, CKO.CKO_DATA), A(CKA.CKA_TOKEN, false), A(CKA.CKA_LABEL, "ephemeral")));

        Assert.Single(FindByLabel(other, "ephemeral"));
        Assert.Equal("ephemeral", Str(other, o, CKA.CKA_LABEL));

        owner.CloseSession();
        Assert.Empty(FindByLabel(other, "ephemeral"));
        AssertRv(CKR.CKR_OBJECT_HANDLE_INVALID, () => other.GetAttributeValue(o, [CKA.CKA_LABEL]));
    }

    [Fact]
    public void Generated_keys_carry_the_attributes_the_token_keeps()
    {
        using var lib = fx.Load();
        using var s = fx.UserSession(lib, Slots.Objects, "generated");
        var key = s.GenerateKey(M(CKM.CKM_AES_KEY_GEN), T(
            A(CKA.CKA_VALUE_LEN, 32UL), A(CKA.CKA_TOKEN, true), A(CKA.CKA_LABEL, "gen"),
            A(CKA.CKA_SENSITIVE, true), A(CKA.CKA_EXTRACTABLE, false), A(CKA.CKA_ENCRYPT, true)));
        Assert.Equal((ulong)CKO.CKO_SECRET_KEY, ULong(s, key, CKA.CKA_CLASS));
        Assert.Equal((ulong)CKK.CKK_AES, ULong(s, key, CKA.CKA_KEY_TYPE));
        Assert.True(Bool(s, key, CKA.CKA_LOCAL));
        Assert.Equal((ulong)CKM.CKM_AES_KEY_GEN, ULong(s, key, CKA.CKA_KEY_GEN_MECHANISM));
        Assert.True(Bool(s, key, CKA.CKA_ALWAYS_SENSITIVE));
        Assert.True(Bool(s, key, CKA.CKA_NEVER_EXTRACTABLE));
        Assert.True(Bool(s, key, CKA.CKA_PRIVATE)); // secret keys are private by default
        Assert.Equal(32UL, ULong(s, key, CKA.CKA_VALUE_LEN));

        AssertRv(CKR.CKR_ATTRIBUTE_READ_ONLY, () => s.SetAttributeValue(key, T(A(CKA.CKA_LOCAL, false))));
        AssertRv(CKR.CKR_TEMPLATE_INCOMPLETE, () => s.GenerateKey(M(CKM.CKM_AES_KEY_GEN), T(A(CKA.CKA_LABEL, "no length"))));
        Assert.Contains(Rv(() => s.GenerateKey(M(CKM.CKM_AES_KEY_GEN), T(A(CKA.CKA_VALUE_LEN, 20UL)))),
            new[] { CKR.CKR_ATTRIBUTE_VALUE_INVALID, CKR.CKR_KEY_SIZE_RANGE, CKR.CKR_TEMPLATE_INCONSISTENT });
    }
}
