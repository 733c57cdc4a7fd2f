using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.Policy;

/// <summary>Why the policy refused something: the return code, the rule (its HOCON key) and what was refused (no key material).</summary>
public sealed record PolicyRefusal(ulong Rv, string Rule, string What)
{
    public override string ToString() => $"{What} ({Rule})";
}

/// <summary>
/// A slot's mechanism policy (HOCON <c>policy</c> of a slot, as openCryptoki's policy.conf and strength.conf): an
/// allow or a deny list of mechanisms, a minimum strength class (<see cref="KeyStrength"/>: 112, 128, 192 or 256)
/// for the keys used and made, the curves, MGFs and KDFs allowed. Null sets and 0 mean no restriction.
/// </summary>
public sealed record MechanismPolicy
{
    /// <summary>No mechanism restriction (key-management strict, the default).</summary>
    public static MechanismPolicy None { get; } = new();

    /// <summary>policy.allow: only these mechanisms (null: all).</summary>
    public IReadOnlySet<ulong>? Allow { get; init; }

    /// <summary>policy.deny: never these mechanisms.</summary>
    public IReadOnlySet<ulong> Deny { get; init; } = new HashSet<ulong>();

    /// <summary>policy.min-strength: 0 (none), 112, 128, 192 or 256.</summary>
    public int MinStrength { get; init; }

    /// <summary>policy.curves: OIDs of the allowed curves (null: all).</summary>
    public IReadOnlySet<string>? Curves { get; init; }

    /// <summary>policy.mgfs: the allowed CKG_ values of OAEP and PSS parameters (null: all).</summary>
    public IReadOnlySet<ulong>? Mgfs { get; init; }

    /// <summary>policy.kdfs: the allowed CKD_ values of ECDH parameters (null: all).</summary>
    public IReadOnlySet<ulong>? Kdfs { get; init; }

    /// <summary>
    /// policy.legacy (off by default): offer the legacy mechanisms (MD2, MD2_RSA_PKCS, RIPEMD-128/160 and their HMACs) and
    /// admit RSA keys of 512 and 768 bits, so that old keys can still be imported and used. min-strength still applies.
    /// </summary>
    public bool Legacy { get; init; }

    /// <summary>The slot's key-management = strict | permissive (<see cref="KeyManagementPolicy"/>); strict by default.</summary>
    public KeyManagement KeyManagement { get; init; } = KeyManagement.Strict;

    /// <summary>Value equality (the sets by content), so that `ock slot reload` sees an unchanged policy as unchanged.</summary>
    public bool Equals(MechanismPolicy? other) =>
        other is not null && MinStrength == other.MinStrength && Legacy == other.Legacy && KeyManagement == other.KeyManagement
        && Same(Allow, other.Allow) && Same(Deny, other.Deny)
        && Same(Curves, other.Curves) && Same(Mgfs, other.Mgfs) && Same(Kdfs, other.Kdfs);

    public override int GetHashCode() => HashCode.Combine(MinStrength, Legacy, KeyManagement, Allow?.Count, Deny.Count, Curves?.Count, Mgfs?.Count, Kdfs?.Count);

    private static bool Same<T>(IReadOnlySet<T>? a, IReadOnlySet<T>? b) => a is null ? b is null : b is not null && a.SetEquals(b);

    /// <summary>True when the policy removes mechanisms from the slot's list.</summary>
    public bool RestrictsMechanisms => Allow is not null || Deny.Count > 0;

    /// <summary>True when the mechanism is offered (C_GetMechanismList, C_GetMechanismInfo).</summary>
    public bool Offers(ulong mechanism) => CheckMechanism(mechanism) is null;

    /// <summary>The allow/deny rule refusing <paramref name="mechanism"/> (CKR_MECHANISM_INVALID), or null.</summary>
    public PolicyRefusal? CheckMechanism(ulong mechanism)
    {
        if (Allow is not null && !Allow.Contains(mechanism)) return new(CKR.MECHANISM_INVALID, "policy.allow", $"{CkNames.Mechanism(mechanism)} not allowed");
        if (Deny.Contains(mechanism)) return new(CKR.MECHANISM_INVALID, "policy.deny", $"{CkNames.Mechanism(mechanism)} denied");
        return null;
    }

    /// <summary>
    /// The choices in a mechanism's parameter (its MGF, its KDF: the registry reads them by the parameter kind it states)
    /// against policy.mgfs and policy.kdfs (CKR_MECHANISM_PARAM_INVALID), or null.
    /// </summary>
    public PolicyRefusal? CheckParameter(ulong mechanism, ParameterChoices choices)
    {
        if (Mgfs is not null && choices.Mgf is { } mgf && !Mgfs.Contains(mgf))
            return new(CKR.MECHANISM_PARAM_INVALID, "policy.mgfs", $"{CkNames.Mgf(mgf)} of {CkNames.Mechanism(mechanism)} not allowed");
        if (Kdfs is not null && choices.Kdf is { } kdf && !Kdfs.Contains(kdf))
            return new(CKR.MECHANISM_PARAM_INVALID, "policy.kdfs", $"{CkNames.Kdf(kdf)} of {CkNames.Mechanism(mechanism)} not allowed");
        return null;
    }

    /// <summary>
    /// A key used or made against policy.min-strength (CKR_KEY_SIZE_RANGE) and policy.curves
    /// (CKR_CURVE_NOT_SUPPORTED), or null. Keys <see cref="KeyStrength"/> has no class for are not rated.
    /// </summary>
    public PolicyRefusal? CheckKey(AttributeSet key)
    {
        var kt = key.GetULong(CKA.KEY_TYPE);
        if (Curves is not null && kt is CKK.EC or CKK.EC_EDWARDS or CKK.EC_MONTGOMERY)
        {
            var p = key.Get(CKA.EC_PARAMS) ?? [];
            var oid = EcCurves.TryFromParams(p)?.Oid ?? CfrgCurves.TryFromParams(p)?.Oid;
            if (oid is null || !Curves.Contains(oid))
                return new(CKR.CURVE_NOT_SUPPORTED, "policy.curves", $"curve {CurveName(oid)} not allowed");
        }

        if (MinStrength > 0 && Rated(key) && KeyStrength.Class(key) is var strength && strength < MinStrength)
            return new(CKR.KEY_SIZE_RANGE, "policy.min-strength", $"{KeyKind(key)} of strength {strength} below {MinStrength}");
        return null;
    }

    /// <summary>The curve of an OpenSSL, NIST or RFC 8410 name (prime256v1, secp384r1, P-521, ed25519, x448 ...); null when unknown.</summary>
    public static string? CurveOid(string name) =>
        EcCurves.FromName(name)?.Oid
        ?? EcCurves.FromOid(name)?.Oid
        ?? CfrgCurves.All.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
                                                 || c.ParamsName.Equals(name, StringComparison.OrdinalIgnoreCase) || c.Oid == name)?.Oid;

    private static string CurveName(string? oid) =>
        oid is null ? "(unknown)" : EcCurves.FromOid(oid)?.Name ?? CfrgCurves.All.FirstOrDefault(c => c.Oid == oid)?.Name ?? oid;

    private static string KeyKind(AttributeSet key) => $"{CkNames.KeyType(key.GetULong(CKA.KEY_TYPE) ?? CK.UNAVAILABLE_INFORMATION)} key";

    /// <summary>The key types <see cref="KeyStrength.Class"/> rates: every secret key and the asymmetric families it names.</summary>
    private static bool Rated(AttributeSet key) =>
        key.GetULong(CKA.CLASS) == CKO.SECRET_KEY
        || key.GetULong(CKA.KEY_TYPE) is CKK.RSA or CKK.DSA or CKK.DH or CKK.EC or CKK.EC_EDWARDS or CKK.EC_MONTGOMERY
            or CKK.ML_DSA or CKK.ML_KEM or CKK.SLH_DSA;
}
