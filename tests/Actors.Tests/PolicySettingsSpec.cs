using Akka.Configuration;
using OpenCryptokiActors.Actors.Configuration;
using OpenCryptokiActors.Cryptoki.Configuration;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Mechanisms;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;

namespace OpenCryptokiActors.Actors.Tests;

/// <summary>A slot's policy block in HOCON: parsed through the constant tables, wrong names refused at start.</summary>
public sealed class PolicySettingsSpec
{
    private static IReadOnlyList<SlotSettings> Slots(string slots) =>
        OpenCryptokiSettings.ParseSlots(ConfigurationFactory.ParseString($"slots = [ {slots} ]"));

    [Fact]
    public void Key_management_must_be_strict_by_default_and_permissive_when_a_slot_says_so()
    {
        var slots = Slots("{ id = 0, token-name = a }, { id = 1, token-name = b, key-management = permissive }, " +
                          "{ id = 2, token-name = c, key-management = strict, policy { min-strength = 112 } }");
        Assert.Equal(KeyManagement.Strict, slots[0].Policy.KeyManagement);
        Assert.Equal(KeyManagement.Permissive, slots[1].Policy.KeyManagement);
        Assert.Equal((KeyManagement.Strict, 112), (slots[2].Policy.KeyManagement, slots[2].Policy.MinStrength));
        Assert.NotEqual(slots[0].Policy, slots[1].Policy);
        var e = Assert.Throws<ConfigurationException>(() => Slots("{ id = 3, token-name = d, key-management = lax }"));
        Assert.Contains("key-management", e.Message);
        // reference.conf's slot says it, with its comment.
        Assert.Equal("strict", OpenCryptokiSettings.Reference.GetValue("opencryptoki.slots").GetArray()[0].GetObject().Items["key-management"].GetString());
    }

    [Fact]
    public void A_policy_block_must_parse_into_the_slot_policy()
    {
        var slots = Slots("""
            { id = 0, token-name = a, policy { deny = [CKM_RSA_PKCS, MD5], min-strength = 112, curves = [prime256v1, ed25519],
              mgfs = [CKG_MGF1_SHA256], kdfs = [CKD_NULL, CKD_SHA256_KDF] } },
            { id = 1, token-name = b }
            """);
        var p = slots[0].Policy;
        Assert.Equal(new HashSet<ulong> { CKM.RSA_PKCS, CKM.MD5 }, p.Deny.ToHashSet());
        Assert.Null(p.Allow);
        Assert.Equal(112, p.MinStrength);
        Assert.Equal(new HashSet<string> { EcCurves.P256.Oid, "1.3.101.112" }, p.Curves!.ToHashSet());
        Assert.Equal(new HashSet<ulong> { CKG.MGF1_SHA256 }, p.Mgfs!.ToHashSet());
        Assert.Equal(new HashSet<ulong> { CKD.NULL, CKD.SHA256_KDF }, p.Kdfs!.ToHashSet());
        Assert.Same(MechanismPolicy.None, slots[1].Policy);

        // The same block parsed again is the same policy (ock slot reload leaves such a slot alone).
        Assert.Equal(slots[0], Slots("{ id = 0, token-name = a, policy { deny = [MD5, CKM_RSA_PKCS], min-strength = 112, curves = [ed25519, secp256r1], " +
                                     "mgfs = [CKG_MGF1_SHA256], kdfs = [CKD_SHA256_KDF, CKD_NULL] } }")[0]);
        Assert.NotEqual(slots[0], Slots("{ id = 0, token-name = a, policy { deny = [MD5], min-strength = 112, curves = [ed25519, secp256r1], " +
                                        "mgfs = [CKG_MGF1_SHA256], kdfs = [CKD_SHA256_KDF, CKD_NULL] } }")[0]);

        var offered = MechanismRegistry.CreateDefault().Filter(p.Offers);
        Assert.DoesNotContain(CKM.RSA_PKCS, offered.Types);
        Assert.Contains(CKM.RSA_PKCS_PSS, offered.Types);
    }

    [Fact]
    public void Policy_legacy_must_offer_the_legacy_mechanisms_and_small_rsa_keys_only_where_it_is_on()
    {
        var slots = Slots("{ id = 0, token-name = a, policy { legacy = on } }, { id = 1, token-name = b, policy { legacy = off } }, { id = 2, token-name = c }");
        Assert.True(slots[0].Policy.Legacy);
        Assert.False(slots[1].Policy.Legacy);
        Assert.NotEqual(slots[0].Policy, slots[1].Policy);
        var registry = MechanismRegistry.CreateDefault();
        var on = registry.ForPolicy(slots[0].Policy);
        Assert.Contains(CKM.MD2, on.Types);
        Assert.Equal(512UL, on.Find(CKM.SHA256_RSA_PKCS)!.Info.MinKeySize);
        foreach (var off in new[] { registry.ForPolicy(slots[1].Policy), registry.ForPolicy(slots[2].Policy) })
        {
            Assert.DoesNotContain(CKM.MD2, off.Types);
            Assert.DoesNotContain(CKM.RIPEMD160_HMAC, off.Types);
            Assert.Equal(1024UL, off.Find(CKM.SHA256_RSA_PKCS)!.Info.MinKeySize);
        }
    }

    [Fact]
    public void Every_curve_name_of_opencryptokis_policy_conf_converts_to_a_curve_the_policy_knows()
    {
        foreach (var (theirs, ours) in OpenCryptokiPolicy.CurveNames)
            Assert.True(MechanismPolicy.CurveOid(ours) is not null, $"{theirs} -> {ours}");
        Assert.Equal(OpenCryptokiPolicy.CurveNames.Count, OpenCryptokiPolicy.CurveNames.Values.Select(n => MechanismPolicy.CurveOid(n)).Distinct().Count());
    }

    [Fact]
    public void A_policy_given_as_text_parses_as_a_block_or_its_body()
    {
        var block = OpenCryptokiSettings.ParsePolicyText(8, "policy { deny = [CKM_AES_GCM], min-strength = 192 }");
        var body = OpenCryptokiSettings.ParsePolicyText(8, "deny = [CKM_AES_GCM]\nmin-strength = 192\n");
        Assert.Equal(block, body);
        Assert.Equal(192, block.MinStrength);
        Assert.Contains(CKM.AES_GCM, block.Deny);
        Assert.Contains("slot 8: policy.min-strength: 100", Assert.Throws<ConfigurationException>(() => OpenCryptokiSettings.ParsePolicyText(8, "min-strength = 100")).Message);
        Assert.Contains("slot 8: policy:", Assert.Throws<ConfigurationException>(() => OpenCryptokiSettings.ParsePolicyText(8, "policy = 5")).Message);
    }

    [Theory]
    [InlineData("policy { deny = [CKM_NOPE] }", "policy.deny: unknown name 'CKM_NOPE'")]
    [InlineData("policy { allow = [CKM_AES_GCM], deny = [CKM_MD5] }", "allow or deny, not both")]
    [InlineData("policy { min-strength = 100 }", "policy.min-strength: 100")]
    [InlineData("policy { curves = [prime999v9] }", "unknown curve 'prime999v9'")]
    [InlineData("policy { mgf = [CKG_MGF1_SHA256] }", "policy.mgf: unknown key")]
    public void A_wrong_policy_must_stop_the_configuration_naming_the_slot_and_key(string policy, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => Slots($"{{ id = 3, token-name = c, {policy} }}"));
        Assert.Contains("slot 3", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
