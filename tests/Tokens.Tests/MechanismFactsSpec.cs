using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms;
using static OpenCryptokiActors.Tokens.Tests.T;

namespace OpenCryptokiActors.Tokens.Tests;

/// <summary>
/// Mechanism facts live in the registry only: each registered mechanism states its key types, its parameter kind and
/// whether it is a message-based AEAD, and the ABI side's one CKM → parameter-kind table (Cryptoki.Wire.MechanismParams,
/// which the native marshaller switches on) agrees with it.
/// </summary>
public sealed class MechanismFactsSpec
{
    /// <summary>
    /// The registered mechanisms whose parameter structure holds pointers, from the PKCS#11 3.0 / 3.2 structure definitions
    /// (CK_GCM_PARAMS, CK_RSA_PKCS_OAEP_PARAMS, CK_ECDH1_DERIVE_PARAMS, CK_CCM_PARAMS, CK_KEY_DERIVATION_STRING_DATA, ...):
    /// a parameter passed on as the caller's bytes would send addresses of the caller's memory to the daemon.
    /// </summary>
    private static readonly ulong[] PointerParameters =
    [
        CKM.AES_GCM, CKM.AES_CCM, CKM.RSA_PKCS_OAEP, CKM.ECDH1_DERIVE, CKM.ECDH1_COFACTOR_DERIVE, CKM.RSA_AES_KEY_WRAP,
        CKM.CONCATENATE_BASE_AND_DATA, CKM.CONCATENATE_DATA_AND_BASE, CKM.XOR_BASE_AND_DATA,
        CKM.AES_ECB_ENCRYPT_DATA, CKM.AES_CBC_ENCRYPT_DATA, CKM.DES_ECB_ENCRYPT_DATA, CKM.DES_CBC_ENCRYPT_DATA,
        CKM.DES3_ECB_ENCRYPT_DATA, CKM.DES3_CBC_ENCRYPT_DATA, CKM.EDDSA, CKM.HKDF_DERIVE, CKM.HKDF_DATA, CKM.PKCS5_PBKD2,
        CKM.CHACHA20, CKM.CHACHA20_POLY1305, CKM.SP800_108_COUNTER_KDF, CKM.SP800_108_FEEDBACK_KDF, CKM.SP800_108_DOUBLE_PIPELINE_KDF,
        CKM.TLS12_MASTER_KEY_DERIVE, CKM.TLS12_MASTER_KEY_DERIVE_DH, CKM.SSL3_MASTER_KEY_DERIVE, CKM.SSL3_MASTER_KEY_DERIVE_DH,
        CKM.TLS12_KEY_AND_MAC_DERIVE, CKM.TLS12_KEY_SAFE_DERIVE, CKM.SSL3_KEY_AND_MAC_DERIVE, CKM.TLS12_KDF, CKM.TLS_KDF,
        CKM.ML_DSA, CKM.HASH_ML_DSA, CKM.SLH_DSA, CKM.HASH_SLH_DSA,
    ];

    [Fact]
    public void A_registered_mechanism_whose_parameter_holds_pointers_has_a_parameter_kind_that_holds_pointers()
    {
        foreach (var type in PointerParameters.Where(t => Registry.Find(t) is not null))
        {
            var kind = Registry.Find(type)!.Facts.Parameter;
            Assert.True(MechanismParams.HoldsPointers(kind), $"{CkNames.Mechanism(type)}: the registry gives parameter kind {kind}, which travels raw");
        }

        foreach (var e in Registry.Entries)
            if (!MechanismParams.HoldsPointers(e.Facts.Parameter))
                Assert.DoesNotContain(e.Type, PointerParameters);
    }

    [Fact]
    public void The_registry_parameter_kind_of_every_mechanism_is_the_cryptoki_table_kind()
    {
        foreach (var e in Registry.Entries)
            Assert.True(e.Facts.Parameter == MechanismParams.KindOf(e.Type),
                $"{CkNames.Mechanism(e.Type)}: registry says {e.Facts.Parameter}, Cryptoki.Wire.MechanismParams says {MechanismParams.KindOf(e.Type)}");
    }

    [Fact]
    public void Gcm_oaep_and_ecdh1_are_ordinary_kinds_of_the_table()
    {
        Assert.Equal(ParamKind.Gcm, MechanismParams.KindOf(CKM.AES_GCM));
        Assert.Equal(ParamKind.Oaep, MechanismParams.KindOf(CKM.RSA_PKCS_OAEP));
        Assert.Equal(ParamKind.Ecdh1, MechanismParams.KindOf(CKM.ECDH1_DERIVE));
        Assert.Equal(ParamKind.Ecdh1, MechanismParams.KindOf(CKM.ECDH1_COFACTOR_DERIVE));
        Assert.True(MechanismParams.HasPointers(CKM.AES_GCM));
        Assert.False(MechanismParams.HasPointers(CKM.SHA256_RSA_PKCS_PSS));
        Assert.False(MechanismParams.HasPointers(CKM.AES_CBC));
    }

    [Fact]
    public void The_message_based_aeads_are_the_ones_the_registry_marks_and_only_they_encrypt_messages()
    {
        var aeads = Registry.Entries.Where(e => e.Facts.MessageAead).Select(e => e.Type).ToHashSet();
        Assert.Equal(new HashSet<ulong> { CKM.AES_GCM, CKM.AES_CCM, CKM.CHACHA20_POLY1305 }, aeads);
        foreach (var e in Registry.Entries)
        {
            Assert.Equal(e.Facts.MessageAead, (e.Info.Flags & CKF.MESSAGE_ENCRYPT) != 0);
            Assert.Equal(e.Facts.MessageAead, Registry.IsMessageAead(e.Type));
        }
    }

    [Fact]
    public void Every_key_using_mechanism_names_its_key_types_except_the_generic_derivations_and_digests()
    {
        var any = Registry.Entries.Where(e => e.Facts.KeyTypes.Count == 0).ToList();
        foreach (var e in any)
            Assert.True((e.Info.Flags & (CKF.DIGEST | CKF.DERIVE | CKF.GENERATE)) != 0 && (e.Info.Flags & (CKF.ENCRYPT | CKF.SIGN | CKF.WRAP)) == 0,
                $"{CkNames.Mechanism(e.Type)} uses keys but names no key type");
    }

    [Fact]
    public void A_key_of_a_type_the_registry_does_not_name_is_refused_with_the_code_of_the_function()
    {
        var des = Set((CKA.CLASS, U(CKO.SECRET_KEY)), (CKA.KEY_TYPE, U(CKK.DES)), (CKA.VALUE, new byte[8]), (CKA.ENCRYPT, B(true)),
            (CKA.WRAP, B(true)), (CKA.UNWRAP, B(true)));
        Assert.Equal(CKR.KEY_TYPE_INCONSISTENT, Rv(() => Registry.CheckKey(des, CKA.ENCRYPT, CKM.AES_CBC)));
        // PKCS#11 3.0 §5.18.6 / §5.18.7: C_WrapKey and C_UnwrapKey name their own code for a key that does not fit.
        Assert.Equal(CKR.WRAPPING_KEY_TYPE_INCONSISTENT, Rv(() => Registry.CheckKey(des, CKA.WRAP, CKM.AES_KEY_WRAP)));
        Assert.Equal(CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT, Rv(() => Registry.CheckKey(des, CKA.UNWRAP, CKM.AES_KEY_WRAP)));
        Assert.Equal(CKR.OK, Rv(() => Registry.CheckKey(des, CKA.ENCRYPT, CKM.DES_CBC)));
        Assert.Equal(CKR.MECHANISM_INVALID, Rv(() => Registry.CheckKey(des, CKA.ENCRYPT, 0x7FFF_FFFFUL)));
    }

    [Fact]
    public void The_policy_rules_on_the_choices_the_registry_reads_by_parameter_kind()
    {
        var oaep = new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, []).Encode();
        Assert.Equal(CKG.MGF1_SHA256, Registry.ParameterChoices(CKM.RSA_PKCS_OAEP, oaep).Mgf);
        Assert.Equal(CKG.MGF1_SHA256, Registry.ParameterChoices(CKM.RSA_AES_KEY_WRAP, new RsaAesKeyWrapParams(256, new OaepParams(CKM.SHA256, CKG.MGF1_SHA256, CKZ.DATA_SPECIFIED, [])).Encode()).Mgf);
        Assert.Equal(CKD.SHA256_KDF, Registry.ParameterChoices(CKM.ECDH1_COFACTOR_DERIVE, new Ecdh1DeriveParams(CKD.SHA256_KDF, [], [4]).Encode()).Kdf);
        Assert.Equal(ParameterChoices.None, Registry.ParameterChoices(CKM.AES_CBC, new byte[16]));
        Assert.Equal(ParameterChoices.None, Registry.ParameterChoices(CKM.RSA_PKCS_OAEP, [1, 2, 3]));
    }

    [Theory]
    [InlineData("Objects")]
    [InlineData("Policy")]
    public void Objects_and_policy_do_not_depend_on_the_mechanisms(string folder)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenCryptokiActors.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var files = Directory.GetFiles(Path.Combine(dir!.FullName, "src", "Tokens", folder), "*.cs");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var code = string.Join('\n', File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith("///", StringComparison.Ordinal)));
            Assert.False(code.Contains("Tokens.Mechanisms", StringComparison.Ordinal) || code.Contains("Mechanisms.", StringComparison.Ordinal),
                $"{Path.GetFileName(file)} refers to Tokens.Mechanisms");
        }
    }
}
