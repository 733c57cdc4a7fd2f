using System.Numerics;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Mechanisms.Derive;
using OpenCryptokiActors.Tokens.Objects;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>CKM_RSA_X_509 on every input below the modulus, its unwrapping of fixed-length keys, CKM_CONCATENATE_BASE_AND_KEY.</summary>
public class RawRsaAndConcatenateSpec
{
    private static AttributeSet Private()
    {
        var template = Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)));
        var produced = KeyEncoding.Decode(CKO.PRIVATE_KEY, CKK.RSA, OpenSsl["rsa.p8"], template);
        return TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Unwrap, CKM.AES_KEY_WRAP_PAD, null);
    }

    private static AttributeSet Public(AttributeSet priv) => TemplateValidator.ForCreate(Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)),
        (CKA.MODULUS, priv[CKA.MODULUS]), (CKA.PUBLIC_EXPONENT, priv[CKA.PUBLIC_EXPONENT])));

    public static TheoryData<string> SmallInputs => new() { "00", "01", "0000", "0001", "02" };

    [Theory]
    [MemberData(nameof(SmallInputs))]
    public void Raw_RSA_takes_inputs_below_the_modulus_and_matches_BigInteger(string hex)
    {
        var priv = Private();
        var pub = Public(priv);
        var rsa = Mech(CKM.RSA_X_509);
        var m = H(hex);
        var k = priv[CKA.MODULUS].Length;
        var n = new BigInteger(priv[CKA.MODULUS], isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(priv[CKA.PUBLIC_EXPONENT], isUnsigned: true, isBigEndian: true);
        var d = new BigInteger(priv[CKA.PRIVATE_EXPONENT], isUnsigned: true, isBigEndian: true);
        var mi = new BigInteger(m, isUnsigned: true, isBigEndian: true);

        var c = rsa.CreateEncrypt(CKM.RSA_X_509, null, pub).OneShot(m);
        Assert.Equal(k, c.Length);
        Assert.Equal(BigInteger.ModPow(mi, e, n), new BigInteger(c, isUnsigned: true, isBigEndian: true));
        var s = rsa.CreateSign(CKM.RSA_X_509, null, priv).OneShot(m);
        Assert.Equal(BigInteger.ModPow(mi, d, n), new BigInteger(s, isUnsigned: true, isBigEndian: true));
        var r = rsa.CreateSignRecover(CKM.RSA_X_509, null, priv).OneShot(m);
        Assert.Equal(s, r);
        Assert.True(rsa.CreateVerify(CKM.RSA_X_509, null, pub).OneShot(m, s));
    }

    [Fact]
    public void Raw_RSA_of_n_minus_1_works_and_of_n_is_out_of_range()
    {
        var priv = Private();
        var pub = Public(priv);
        var n = new BigInteger(priv[CKA.MODULUS], isUnsigned: true, isBigEndian: true);
        var nMinus1 = (n - 1).ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Equal(nMinus1, Mech(CKM.RSA_X_509).CreateEncrypt(CKM.RSA_X_509, null, pub).OneShot(nMinus1));
        Assert.Equal(CKR.DATA_LEN_RANGE, Rv(() => Mech(CKM.RSA_X_509).CreateEncrypt(CKM.RSA_X_509, null, pub).OneShot(priv[CKA.MODULUS])));
    }

    [Theory]
    [InlineData(CKK.DES, 8)]
    [InlineData(CKK.DES2, 16)]
    [InlineData(CKK.DES3, 24)]
    public void Raw_RSA_unwrap_of_a_fixed_length_key_takes_the_end_of_the_block(ulong keyType, int length)
    {
        var priv = Private();
        var pub = Public(priv);
        var rsa = Mech(CKM.RSA_X_509);
        var value = Enumerable.Range(1, length).Select(i => (byte)(0x40 + i)).ToArray();
        var wrapped = rsa.Wrap(CKM.RSA_X_509, null, pub, value);
        var block = rsa.Unwrap(CKM.RSA_X_509, null, priv, wrapped);
        Assert.True(rsa.UnwrapsFromEnd(CKM.RSA_X_509));
        var template = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(keyType)));
        Assert.Equal(value, KeyEncoding.Decode(CKO.SECRET_KEY, keyType, block, template, fromEnd: true)[CKA.VALUE]);
        // The leading-bytes reading of other mechanisms does not fit a raw RSA block.
        Assert.Equal(CKR.WRAPPED_KEY_INVALID, Rv(() => KeyEncoding.Decode(CKO.SECRET_KEY, keyType, block, template)));
    }

    [Fact]
    public void Raw_RSA_unwrap_with_CKA_VALUE_LEN_takes_that_many_trailing_bytes()
    {
        var priv = Private();
        var rsa = Mech(CKM.RSA_X_509);
        var value = H("000102030405060708090a0b0c0d0e0f");
        var block = rsa.Unwrap(CKM.RSA_X_509, null, priv, rsa.Wrap(CKM.RSA_X_509, null, Public(priv), value));
        var template = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.AES)), (CKA.VALUE_LEN, U(16)));
        Assert.Equal(value, KeyEncoding.Decode(CKO.SECRET_KEY, CKK.AES, block, template, fromEnd: true)[CKA.VALUE]);
    }

    [Fact]
    public void Concatenate_base_and_key_appends_the_second_value_and_keeps_the_stricter_attributes()
    {
        Assert.True(Registry.TryGet(CKM.CONCATENATE_BASE_AND_KEY, out var info, out var impl));
        Assert.Equal(CKF.DERIVE, info.Flags & CKF.DERIVE);
        var a = SecretKey(CKK.GENERIC_SECRET, H("0102030405060708"));
        var b = SecretKey(CKK.GENERIC_SECRET, H("a1a2a3a4"), (CKA.SENSITIVE, B(true)), (CKA.EXTRACTABLE, B(false)));
        var template = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.GENERIC_SECRET)));
        var produced = impl.DeriveWithKey(CKM.CONCATENATE_BASE_AND_KEY, BitConverter.GetBytes(7UL), a, b, template);
        Assert.Equal(H("0102030405060708a1a2a3a4"), produced[CKA.VALUE]);
        var full = TemplateValidator.ForGenerated(template, produced, ObjectOrigin.Derive, CKM.CONCATENATE_BASE_AND_KEY, ConcatenateBaseAndKey.Source(a, b));
        Assert.True(full.IsTrue(CKA.SENSITIVE));
        Assert.Equal(false, full.GetBool(CKA.EXTRACTABLE));
        Assert.Equal(false, full.GetBool(CKA.ALWAYS_SENSITIVE));
        Assert.Equal(7UL, ConcatenateBaseAndKey.SecondKeyHandle(CKM.CONCATENATE_BASE_AND_KEY, BitConverter.GetBytes(7UL)));
        Assert.Null(ConcatenateBaseAndKey.SecondKeyHandle(CKM.CONCATENATE_BASE_AND_DATA, null));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, Rv(() => ConcatenateBaseAndKey.SecondKeyHandle(CKM.CONCATENATE_BASE_AND_KEY, [1, 2])));
    }
}
