using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>The strength classes of ock stats (openCryptoki's default strength.conf).</summary>
public sealed class KeyStrengthSpec
{
    private static AttributeSet Secret(ulong keyType, int bytes) =>
        Set((CKA.CLASS, Attr.ULong(CKO.SECRET_KEY)), (CKA.KEY_TYPE, Attr.ULong(keyType)), (CKA.VALUE, new byte[bytes]));

    private static AttributeSet Public(ulong keyType, ulong attribute, byte[] value) =>
        Set((CKA.CLASS, Attr.ULong(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, Attr.ULong(keyType)), (attribute, value));

    private static byte[] Modulus(int bits)
    {
        var m = new byte[bits / 8];
        m[0] = 0x80;
        return m;
    }

    [Theory]
    [InlineData(CKK.AES, 16, 128)]
    [InlineData(CKK.AES, 24, 192)]
    [InlineData(CKK.AES, 32, 256)]
    [InlineData(CKK.DES, 8, 0)]
    [InlineData(CKK.DES2, 16, 0)]
    [InlineData(CKK.DES3, 24, 112)]
    [InlineData(CKK.GENERIC_SECRET, 13, 0)]
    [InlineData(CKK.GENERIC_SECRET, 14, 112)]
    [InlineData(CKK.CHACHA20, 32, 256)]
    public void KeyStrength_must_classify_secret_keys_by_their_length(ulong keyType, int bytes, int expected) =>
        Assert.Equal(expected, KeyStrength.Class(Secret(keyType, bytes)));

    [Theory]
    [InlineData(1024, 0)]
    [InlineData(2048, 112)]
    [InlineData(3072, 128)]
    [InlineData(4096, 128)]
    [InlineData(7680, 192)]
    [InlineData(15360, 256)]
    public void KeyStrength_must_classify_RSA_keys_by_modulus_size(int bits, int expected) =>
        Assert.Equal(expected, KeyStrength.Class(Public(CKK.RSA, CKA.MODULUS, Modulus(bits))));

    [Fact]
    public void KeyStrength_must_classify_curves_by_their_size()
    {
        Assert.Equal(0, KeyStrength.Class(Public(CKK.EC, CKA.EC_PARAMS, EcCurves.P192.EcParams)));
        Assert.Equal(112, KeyStrength.Class(Public(CKK.EC, CKA.EC_PARAMS, EcCurves.P224.EcParams)));
        Assert.Equal(128, KeyStrength.Class(Public(CKK.EC, CKA.EC_PARAMS, EcCurves.P256.EcParams)));
        Assert.Equal(192, KeyStrength.Class(Public(CKK.EC, CKA.EC_PARAMS, EcCurves.P384.EcParams)));
        Assert.Equal(256, KeyStrength.Class(Public(CKK.EC, CKA.EC_PARAMS, EcCurves.P521.EcParams)));
        Assert.Equal(128, KeyStrength.Class(Public(CKK.EC_EDWARDS, CKA.EC_PARAMS, EdwardsMontgomery.Ed25519.EcParams)));
        Assert.Equal(192, KeyStrength.Class(Public(CKK.EC_EDWARDS, CKA.EC_PARAMS, EdwardsMontgomery.Ed448.EcParams)));
    }

    [Fact]
    public void KeyStrength_must_classify_no_key_as_0_and_post_quantum_keys_by_parameter_set()
    {
        Assert.Equal(0, KeyStrength.ClassIndex(null));
        Assert.Equal(192, KeyStrength.Class(Public(CKK.ML_DSA, CKA.PARAMETER_SET, Attr.ULong(CKP.ML_DSA_65))));
        Assert.Equal(256, KeyStrength.Class(Public(CKK.ML_KEM, CKA.PARAMETER_SET, Attr.ULong(CKP.ML_KEM_1024))));
        Assert.Equal(128, KeyStrength.Class(Public(CKK.SLH_DSA, CKA.PARAMETER_SET, Attr.ULong(CKP.SLH_DSA_SHAKE_128F))));
    }
}
