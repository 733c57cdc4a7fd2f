using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>A slot's mechanism policy (openCryptoki's policy.conf/strength.conf): which rule refuses what, with which code.</summary>
public sealed class MechanismPolicySpec
{
    private static AttributeSet Rsa(int bits)
    {
        var m = new byte[bits / 8];
        m[0] = 0x80;
        return Set((CKA.CLASS, U(CKO.PRIVATE_KEY)), (CKA.KEY_TYPE, U(CKK.RSA)), (CKA.MODULUS, m));
    }

    private static AttributeSet Ec(byte[] ecParams, ulong keyType = CKK.EC) =>
        Set((CKA.CLASS, U(CKO.PUBLIC_KEY)), (CKA.KEY_TYPE, U(keyType)), (CKA.EC_PARAMS, ecParams));

    [Fact]
    public void Names_must_resolve_through_the_constant_tables_both_ways()
    {
        Assert.Equal(CKM.AES_GCM, CkNames.ParseMechanism("CKM_AES_GCM"));
        Assert.Equal(CKM.AES_GCM, CkNames.ParseMechanism("aes_gcm"));
        Assert.Equal(0x1087UL, CkNames.ParseMechanism("0x1087"));
        Assert.Null(CkNames.ParseMechanism("CKM_NO_SUCH_THING"));
        Assert.Equal(CKG.MGF1_SHA256, CkNames.ParseMgf("CKG_MGF1_SHA256"));
        Assert.Equal(CKD.SHA256_KDF, CkNames.ParseKdf("CKD_SHA256_KDF"));
        Assert.Equal("CKM_RSA_PKCS", CkNames.Mechanism(CKM.RSA_PKCS));
        Assert.Equal(EcCurves.P256.Oid, MechanismPolicy.CurveOid("prime256v1"));
        Assert.Equal(EcCurves.P384.Oid, MechanismPolicy.CurveOid("secp384r1"));
        Assert.Equal(EdwardsMontgomery.Ed25519.Oid, MechanismPolicy.CurveOid("ed25519"));
        Assert.Null(MechanismPolicy.CurveOid("prime999v9"));
    }

    [Fact]
    public void Deny_and_allow_lists_must_refuse_with_CKR_MECHANISM_INVALID_naming_the_rule()
    {
        var deny = new MechanismPolicy { Deny = new HashSet<ulong> { CKM.RSA_PKCS } };
        Assert.True(deny.RestrictsMechanisms);
        var r = deny.CheckMechanism(CKM.RSA_PKCS);
        Assert.NotNull(r);
        Assert.Equal(CKR.MECHANISM_INVALID, r.Rv);
        Assert.Equal("CKM_RSA_PKCS denied (policy.deny)", r.ToString());
        Assert.Null(deny.CheckMechanism(CKM.AES_GCM));

        var allow = new MechanismPolicy { Allow = new HashSet<ulong> { CKM.AES_GCM } };
        Assert.True(allow.Offers(CKM.AES_GCM));
        Assert.False(allow.Offers(CKM.SHA256));
        Assert.Equal("policy.allow", allow.CheckMechanism(CKM.SHA256)!.Rule);

        Assert.False(MechanismPolicy.None.RestrictsMechanisms);
        Assert.Null(MechanismPolicy.None.CheckMechanism(CKM.MD5));
        Assert.Null(MechanismPolicy.None.CheckKey(Rsa(1024)));
    }

    [Fact]
    public void Min_strength_must_refuse_weaker_keys_with_CKR_KEY_SIZE_RANGE()
    {
        var p = new MechanismPolicy { MinStrength = 112 };
        var r = p.CheckKey(Rsa(1024));
        Assert.NotNull(r);
        Assert.Equal(CKR.KEY_SIZE_RANGE, r.Rv);
        Assert.Equal("policy.min-strength", r.Rule);
        Assert.Equal("CKK_RSA key of strength 0 below 112 (policy.min-strength)", r.ToString());
        Assert.Null(p.CheckKey(Rsa(2048)));
        Assert.Equal(CKR.KEY_SIZE_RANGE, p.CheckKey(SecretKey(CKK.DES2, new byte[16]))!.Rv);
        Assert.Null(p.CheckKey(Aes(new byte[16])));
        Assert.Equal(CKR.KEY_SIZE_RANGE, p.CheckKey(Ec(EcCurves.P192.EcParams))!.Rv);
        Assert.Equal(CKR.KEY_SIZE_RANGE, new MechanismPolicy { MinStrength = 192 }.CheckKey(Ec(EcCurves.P256.EcParams))!.Rv);
        Assert.Null(new MechanismPolicy { MinStrength = 192 }.CheckKey(Ec(EcCurves.P384.EcParams)));
    }

    [Fact]
    public void Curves_must_refuse_other_curves_with_CKR_CURVE_NOT_SUPPORTED()
    {
        var p = new MechanismPolicy { Curves = new HashSet<string> { EcCurves.P256.Oid, EdwardsMontgomery.Ed25519.Oid } };
        Assert.Null(p.CheckKey(Ec(EcCurves.P256.EcParams)));
        Assert.Null(p.CheckKey(Ec(EdwardsMontgomery.Ed25519.EcParams, CKK.EC_EDWARDS)));
        var r = p.CheckKey(Ec(EcCurves.P384.EcParams));
        Assert.NotNull(r);
        Assert.Equal(CKR.CURVE_NOT_SUPPORTED, r.Rv);
        Assert.Equal("curve P-384 not allowed (policy.curves)", r.ToString());
        Assert.Equal(CKR.CURVE_NOT_SUPPORTED, p.CheckKey(Ec(EdwardsMontgomery.X448.EcParams, CKK.EC_MONTGOMERY))!.Rv);
        Assert.Null(p.CheckKey(Rsa(1024)));
    }

    [Fact]
    public void Mgfs_and_kdfs_must_refuse_other_parameters_with_CKR_MECHANISM_PARAM_INVALID()
    {
        var p = new MechanismPolicy { Mgfs = new HashSet<ulong> { CKG.MGF1_SHA256 }, Kdfs = new HashSet<ulong> { CKD.NULL } };
        Assert.Null(p.CheckParameter(CKM.RSA_PKCS_OAEP, Choices(CKM.RSA_PKCS_OAEP, new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, []).Encode())));
        var oaep = p.CheckParameter(CKM.RSA_PKCS_OAEP, Choices(CKM.RSA_PKCS_OAEP, new OaepParams(CKM.SHA_1, CKG.MGF1_SHA1, CKZ.DATA_SPECIFIED, []).Encode()));
        Assert.NotNull(oaep);
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, oaep.Rv);
        Assert.Equal("policy.mgfs", oaep.Rule);

        byte[] Pss(ulong hash, ulong mgf) => [.. BitConverter.GetBytes(hash), .. BitConverter.GetBytes(mgf), .. BitConverter.GetBytes(32UL)];
        Assert.Null(p.CheckParameter(CKM.SHA256_RSA_PKCS_PSS, Choices(CKM.SHA256_RSA_PKCS_PSS, Pss(CKM.SHA256, CKG.MGF1_SHA256))));
        Assert.Equal("policy.mgfs", p.CheckParameter(CKM.RSA_PKCS_PSS, Choices(CKM.RSA_PKCS_PSS, Pss(CKM.SHA256, CKG.MGF1_SHA384)))!.Rule);

        Assert.Null(p.CheckParameter(CKM.ECDH1_DERIVE, Choices(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.NULL, [], [4, 1, 2]).Encode())));
        var ecdh = p.CheckParameter(CKM.ECDH1_DERIVE, Choices(CKM.ECDH1_DERIVE, new Ecdh1DeriveParams(CKD.SHA256_KDF, [], [4, 1, 2]).Encode()));
        Assert.Equal(CKR.MECHANISM_PARAM_INVALID, ecdh!.Rv);
        Assert.Equal("policy.kdfs", ecdh.Rule);
        // A parameter that does not parse is the mechanism's to refuse.
        Assert.Null(p.CheckParameter(CKM.RSA_PKCS_OAEP, Choices(CKM.RSA_PKCS_OAEP, [1, 2, 3])));
    }

    private static ParameterChoices Choices(ulong mechanism, byte[] parameter) => Registry.ParameterChoices(mechanism, parameter);
}
