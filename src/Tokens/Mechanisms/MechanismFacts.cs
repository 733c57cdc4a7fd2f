using OpenCryptokiActors.Cryptoki.Wire;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// What the registry knows of a mechanism beyond its CK_MECHANISM_INFO, stated where the family registers it: the key
/// types it works with (for key generation: the types it makes; empty: any key of a fitting class, the mechanism
/// decides), the structure of its parameter (the same kind as the ABI side's <see cref="MechanismParams.KindOf"/>) and
/// whether it is a message-based AEAD (C_EncryptMessage / C_DecryptMessage with a per-message IV and tag). A legacy
/// mechanism (MD2, RIPEMD ...) is offered only where the slot's policy enables legacy algorithms (policy.legacy);
/// <see cref="LegacyMinKeySize"/> is the smaller least key size such a policy admits (RSA: 512 bits).
/// </summary>
public sealed record MechanismFacts(IReadOnlyList<ulong> KeyTypes, ParamKind Parameter = ParamKind.Raw, bool MessageAead = false, bool Legacy = false,
    ulong? LegacyMinKeySize = null, bool UsageFlagIgnored = false)
{
    /// <summary>Works with any key of a fitting class (the generic derivations, digests, ...).</summary>
    public static MechanismFacts AnyKey { get; } = new([]);

    /// <summary>Works with keys of these types only.</summary>
    public static MechanismFacts Keys(params ulong[] keyTypes) => new(keyTypes);

    /// <summary>The same facts with a parameter of <paramref name="kind"/>.</summary>
    public MechanismFacts Taking(ParamKind kind) => this with { Parameter = kind };

    /// <summary>The same facts, marked a message-based AEAD.</summary>
    public MechanismFacts AsMessageAead() => this with { MessageAead = true };

    /// <summary>The same facts, marked legacy (offered under policy.legacy only).</summary>
    public MechanismFacts AsLegacy() => this with { Legacy = true };

    /// <summary>The same facts for a mechanism that does not need the key's usage flag (CKM_PUB_KEY_FROM_PRIV_KEY and CKA_DERIVE).</summary>
    public MechanismFacts IgnoringUsageFlag() => this with { UsageFlagIgnored = true };

    /// <summary>The same facts, admitting keys down to <paramref name="size"/> under policy.legacy.</summary>
    public MechanismFacts WithLegacyMinKeySize(ulong size) => this with { LegacyMinKeySize = size };

    public bool Equals(MechanismFacts? other) =>
        other is not null && Parameter == other.Parameter && MessageAead == other.MessageAead && Legacy == other.Legacy
        && LegacyMinKeySize == other.LegacyMinKeySize && UsageFlagIgnored == other.UsageFlagIgnored && KeyTypes.SequenceEqual(other.KeyTypes);

    public override int GetHashCode() => HashCode.Combine(Parameter, MessageAead, KeyTypes.Count);
}

/// <summary>One registered mechanism: its type, CK_MECHANISM_INFO, implementation and facts.</summary>
public sealed record RegisteredMechanism(ulong Type, MechanismInfo Info, IMechanism Implementation, MechanismFacts Facts);
