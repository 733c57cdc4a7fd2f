using OpenCryptokiActors.Cli.Core;

namespace OpenCryptokiActors.Cli.Tests;

/// <summary>RFC 7512 parsing and printing, in-process.</summary>
public sealed class Pkcs11UriSpec
{
    [Fact]
    public void Parses_path_and_query_attributes_with_percent_encoding()
    {
        var uri = Pkcs11Uri.Parse("pkcs11:token=my%20token;object=k1;type=private;id=%01%ff?module-path=/usr/lib/x.so&pin-source=file:/p");
        Assert.Equal("my token", uri.Token);
        Assert.Equal("k1", uri.Object);
        Assert.Equal("private", uri.Type);
        Assert.Equal(new byte[] { 0x01, 0xff }, uri.Id);
        Assert.Equal("/usr/lib/x.so", uri.Query("module-path"));
        Assert.Equal("file:/p", uri.Query("pin-source"));
        Assert.True(uri.SelectsToken);
        Assert.True(uri.SelectsObject);
    }

    [Fact]
    public void Prints_canonical_form_that_parses_back()
    {
        var uri = new Pkcs11Uri().Set("token", "a;b c").Set("serial", "0123").Set("object", "key/1").Set("type", "secret-key")
            .SetBytes("id", [0x0a, 0x41]);
        var text = uri.ToString();
        Assert.Equal("pkcs11:serial=0123;token=a%3bb%20c;object=key%2f1;type=secret-key;id=%0a%41", text);
        var back = Pkcs11Uri.Parse(text);
        Assert.Equal("a;b c", back.Token);
        Assert.Equal("key/1", back.Object);
        Assert.Equal(new byte[] { 0x0a, 0x41 }, back.Id);
    }

    [Theory]
    [InlineData("token=x")]
    [InlineData("pkcs11:token")]
    [InlineData("pkcs11:colour=red")]
    [InlineData("pkcs11:type=banana")]
    [InlineData("pkcs11:id=%0")]
    [InlineData("pkcs11:slot-id=abc")]
    [InlineData("pkcs11:token=a;token=b")]
    public void Rejects_malformed_uris(string text) => Assert.Throws<UsageException>(() => Pkcs11Uri.Parse(text));

    [Fact]
    public void A_refused_uri_is_shown_without_its_pin_value()
    {
        var e = Assert.Throws<UsageException>(() => Pkcs11Uri.Parse("pkcs11:token=t;bogus=1?pin-value=s3cr3t-pin&module-name=m"));
        Assert.DoesNotContain("s3cr3t-pin", e.Message);
        Assert.Contains("pin-value=***", e.Message);
    }

    [Fact]
    public void Attribute_flags_parse_names_negations_and_values()
    {
        var flags = Attrs.ParseFlags(["sign,!extractable", "private=false", "CKA_WRAP"]);
        Assert.Equal(
            [(Net.Pkcs11Interop.Common.CKA.CKA_SIGN, true), (Net.Pkcs11Interop.Common.CKA.CKA_EXTRACTABLE, false),
             (Net.Pkcs11Interop.Common.CKA.CKA_PRIVATE, false), (Net.Pkcs11Interop.Common.CKA.CKA_WRAP, true)],
            flags);
        Assert.Throws<UsageException>(() => Attrs.ParseFlags(["bogus"]));
    }
}
