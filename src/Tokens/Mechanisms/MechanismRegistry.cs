using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;
using OpenCryptokiActors.Tokens.Policy;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// The mechanisms a token offers: type → (info, implementation, facts). Built once from each family's Register;
/// filtered per token from configuration. The one place mechanism facts live: key types, parameter kind,
/// message-based AEAD.
/// </summary>
public sealed class MechanismRegistry
{
    private readonly SortedDictionary<ulong, RegisteredMechanism> _entries = new();

    /// <summary>Every mechanism family of the soft token, each registered by its own folder.</summary>
    public static MechanismRegistry CreateDefault()
    {
        var r = new MechanismRegistry();
        Digest.DigestMechanisms.Register(r);
        Hmac.HmacMechanisms.Register(r);
        Generic.GenericSecretMechanisms.Register(r);
        Aes.AesMechanisms.Register(r);
        Des.DesMechanisms.Register(r);
        ChaCha.ChaChaMechanisms.Register(r);
        Rsa.RsaMechanisms.Register(r);
        Rsa.RsaX931Mechanisms.Register(r);
        Rsa.RsaAesKeyWrapMechanism.Register(r);
        Dsa.DsaMechanisms.Register(r);
        Dh.DhMechanisms.Register(r);
        Ec.EcMechanisms.Register(r);
        Ec.EdwardsMontgomery.Register(r);
        Pqc.MlDsaMechanisms.Register(r);
        Pqc.SlhDsaMlKemMechanisms.Register(r);
        Derive.KeyDerivationMechanisms.Register(r);
        Derive.ConcatenateBaseAndKey.Register(r);
        Derive.Sp800108Kdf.Register(r);
        Derive.TlsMechanisms.Register(r);
        Derive.PublicFromPrivate.Register(r);
        return r;
    }

    public void Add(ulong type, MechanismInfo info, IMechanism mechanism, MechanismFacts facts) =>
        _entries[type] = new(type, info with { Flags = info.Flags | MessageFlags(facts.MessageAead, info.Flags) }, mechanism, facts);

    /// <summary>
    /// The PKCS#11 3.0 message-based functions a mechanism serves, derived from its single-message flags: the message
    /// AEADs (AES-GCM, AES-CCM, ChaCha20-Poly1305: their facts say so) encrypt and decrypt messages, single- and
    /// multi-part; every signature and MAC mechanism signs and verifies messages.
    /// </summary>
    private static ulong MessageFlags(bool messageAead, ulong flags)
    {
        ulong message = 0;
        if (messageAead)
        {
            if ((flags & CKF.ENCRYPT) != 0) message |= CKF.MESSAGE_ENCRYPT | CKF.MULTI_MESSAGE;
            if ((flags & CKF.DECRYPT) != 0) message |= CKF.MESSAGE_DECRYPT | CKF.MULTI_MESSAGE;
        }

        if ((flags & CKF.SIGN) != 0) message |= CKF.MESSAGE_SIGN | CKF.MULTI_MESSAGE;
        if ((flags & CKF.VERIFY) != 0) message |= CKF.MESSAGE_VERIFY | CKF.MULTI_MESSAGE;
        return message;
    }

    public IReadOnlyCollection<ulong> Types => _entries.Keys;

    /// <summary>Every registered mechanism in type order.</summary>
    public IEnumerable<RegisteredMechanism> Entries => _entries.Values;

    public bool TryGet(ulong type, out MechanismInfo info, out IMechanism mechanism)
    {
        if (_entries.TryGetValue(type, out var e))
        {
            info = e.Info;
            mechanism = e.Implementation;
            return true;
        }

        info = default;
        mechanism = null!;
        return false;
    }

    /// <summary>The registered mechanism of <paramref name="type"/>, or null.</summary>
    public RegisteredMechanism? Find(ulong type) => _entries.GetValueOrDefault(type);

    /// <summary>True for a registered message-based AEAD (its per-message parameters carry an IV or nonce and a tag).</summary>
    public bool IsMessageAead(ulong type) => Find(type)?.Facts.MessageAead == true;

    /// <summary>
    /// The choices in a mechanism's parameter that a policy rules on (its MGF, its KDF), read by the parameter kind the
    /// registry states for it; none for an unregistered mechanism or a parameter that does not parse.
    /// </summary>
    public ParameterChoices ParameterChoices(ulong type, byte[]? parameter) =>
        Find(type) is { } e ? MechanismParams.Choices(e.Facts.Parameter, parameter) : Cryptoki.Wire.ParameterChoices.None;

    /// <summary>
    /// The pre-init checks of an operation with a registered mechanism (<see cref="KeyCheck.Check"/>); an unregistered
    /// mechanism is CKR_MECHANISM_INVALID.
    /// </summary>
    public void CheckKey(AttributeSet key, ulong usageAttribute, ulong type) =>
        KeyCheck.Check(key, usageAttribute, Find(type) ?? throw new CkException(CKR.MECHANISM_INVALID));

    /// <summary>
    /// The mechanisms a slot with <paramref name="policy"/> offers: those its allow/deny lists admit, the legacy ones only
    /// under policy.legacy, which also lowers the least key size where a mechanism's facts name a legacy one.
    /// </summary>
    public MechanismRegistry ForPolicy(MechanismPolicy policy)
    {
        var r = new MechanismRegistry();
        foreach (var (type, e) in _entries)
        {
            if ((e.Facts.Legacy && !policy.Legacy) || !policy.Offers(type)) continue;
            r._entries[type] = policy.Legacy && e.Facts.LegacyMinKeySize is { } min ? e with { Info = e.Info with { MinKeySize = min } } : e;
        }

        return r;
    }

    /// <summary>A registry holding only the mechanisms <paramref name="allow"/> accepts.</summary>
    public MechanismRegistry Filter(Func<ulong, bool> allow)
    {
        var r = new MechanismRegistry();
        foreach (var (type, e) in _entries)
            if (allow(type)) r._entries[type] = e;
        return r;
    }
}
