using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Mechanisms.Ec;
using OpenCryptokiActors.Tokens.Mechanisms.Rsa;
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

    /// <summary>The slot's key-management = strict | permissive (<see cref="KeyManagementPolicy"/>); strict by default.</summary>
    public KeyManagement KeyManagement { get; init; } = KeyManagement.Strict;

    /// <summary>Value equality (the sets by content), so that `ock slot reload` sees an unchanged policy as unchanged.</summary>
    public bool Equals(MechanismPolicy? other) =>
        other is not null && MinStrength == other.MinStrength && KeyManagement == other.KeyManagement && Same(Allow, other.Allow) && Same(Deny, other.Deny)
        && Same(Curves, other.Curves) && Same(Mgfs, other.Mgfs) && Same(Kdfs, other.Kdfs);

    public override int GetHashCode() => HashCode.Combine(MinStrength, KeyManagement, Allow?.Count, Deny.Count, Curves?.Count, Mgfs?.Count, Kdfs?.Count);

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
    /// The MGF of OAEP/PSS parameters and the KDF of ECDH parameters against policy.mgfs and policy.kdfs
    /// (CKR_MECHANISM_PARAM_INVALID), or null. A parameter that does not parse is left to the mechanism to refuse.
    /// </summary>
    public PolicyRefusal? CheckParameter(ulong mechanism, byte[]? parameter)
    {
        if (parameter is null) return null;
        if (Mgfs is not null && Mgf(mechanism, parameter) is { } mgf && !Mgfs.Contains(mgf))
            return new(CKR.MECHANISM_PARAM_INVALID, "policy.mgfs", $"{CkNames.Mgf(mgf)} of {CkNames.Mechanism(mechanism)} not allowed");
        if (Kdfs is not null && mechanism is CKM.ECDH1_DERIVE or CKM.ECDH1_COFACTOR_DERIVE && Kdf(parameter) is { } kdf && !Kdfs.Contains(kdf))
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
            var oid = EcCurves.TryFromParams(p)?.Oid ?? EdwardsMontgomery.TryFromParams(p)?.Oid;
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
        ?? EdwardsMontgomery.All.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)
                                                 || c.ParamsName.Equals(name, StringComparison.OrdinalIgnoreCase) || c.Oid == name)?.Oid;

    private static string CurveName(string? oid) =>
        oid is null ? "(unknown)" : EcCurves.FromOid(oid)?.Name ?? EdwardsMontgomery.All.FirstOrDefault(c => c.Oid == oid)?.Name ?? oid;

    private static string KeyKind(AttributeSet key) => $"{CkNames.KeyType(key.GetULong(CKA.KEY_TYPE) ?? CK.UNAVAILABLE_INFORMATION)} key";

    /// <summary>The key types <see cref="KeyStrength.Class"/> rates: every secret key and the asymmetric families it names.</summary>
    private static bool Rated(AttributeSet key) =>
        key.GetULong(CKA.CLASS) == CKO.SECRET_KEY
        || key.GetULong(CKA.KEY_TYPE) is CKK.RSA or CKK.DSA or CKK.DH or CKK.EC or CKK.EC_EDWARDS or CKK.EC_MONTGOMERY
            or CKK.ML_DSA or CKK.ML_KEM or CKK.SLH_DSA;

    /// <summary>The mgf of CK_RSA_PKCS_OAEP_PARAMS (canonical form) or CK_RSA_PKCS_PSS_PARAMS (three CK_ULONGs).</summary>
    private static ulong? Mgf(ulong mechanism, byte[] parameter)
    {
        try
        {
            if (mechanism == CKM.RSA_PKCS_OAEP) return OaepParams.Decode(parameter).Mgf;
            if ((mechanism == CKM.RSA_PKCS_PSS || RsaMechanisms.IsPssHashed(mechanism)) && parameter.Length == 24) return MechanismParams.ULongAt(parameter, 8);
        }
        catch (Exception e) when (e is WireFormatException or ArgumentException or InvalidOperationException)
        {
        }

        return null;
    }

    private static ulong? Kdf(byte[] parameter)
    {
        try
        {
            return Ecdh1DeriveParams.Decode(parameter).Kdf;
        }
        catch (Exception e) when (e is WireFormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
