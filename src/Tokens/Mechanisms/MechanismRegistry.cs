using OpenCryptokiActors.Cryptoki.Pkcs11;

namespace OpenCryptokiActors.Tokens.Mechanisms;

/// <summary>
/// The mechanisms a token offers: type → (info, implementation). Built once from each family's Register;
/// filtered per token from configuration.
/// </summary>
public sealed class MechanismRegistry
{
    private readonly SortedDictionary<ulong, (MechanismInfo Info, IMechanism Mechanism)> _entries = new();

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
        return r;
    }

    public void Add(ulong type, MechanismInfo info, IMechanism mechanism) =>
        _entries[type] = (info with { Flags = info.Flags | MessageFlags(type, info.Flags) }, mechanism);

    /// <summary>
    /// The PKCS#11 3.0 message-based functions a mechanism serves, derived from its single-message flags: the AEAD
    /// ciphers (AES-GCM, AES-CCM, ChaCha20-Poly1305) encrypt and decrypt messages, single- and multi-part; every
    /// signature and MAC mechanism signs and verifies messages.
    /// </summary>
    public static ulong MessageFlags(ulong type, ulong flags)
    {
        ulong message = 0;
        if (IsMessageAead(type))
        {
            if ((flags & CKF.ENCRYPT) != 0) message |= CKF.MESSAGE_ENCRYPT | CKF.MULTI_MESSAGE;
            if ((flags & CKF.DECRYPT) != 0) message |= CKF.MESSAGE_DECRYPT | CKF.MULTI_MESSAGE;
        }

        if ((flags & CKF.SIGN) != 0) message |= CKF.MESSAGE_SIGN | CKF.MULTI_MESSAGE;
        if ((flags & CKF.VERIFY) != 0) message |= CKF.MESSAGE_VERIFY | CKF.MULTI_MESSAGE;
        return message;
    }

    /// <summary>The mechanisms whose per-message parameters carry an IV or nonce and a tag (CK_*_MESSAGE_PARAMS).</summary>
    public static bool IsMessageAead(ulong type) =>
        type is CKM.AES_GCM or CKM.AES_CCM or CKM.CHACHA20_POLY1305;

    public IReadOnlyCollection<ulong> Types => _entries.Keys;

    public bool TryGet(ulong type, out MechanismInfo info, out IMechanism mechanism)
    {
        if (_entries.TryGetValue(type, out var e))
        {
            info = e.Info;
            mechanism = e.Mechanism;
            return true;
        }

        info = default;
        mechanism = null!;
        return false;
    }

    /// <summary>A registry holding only the mechanisms <paramref name="allow"/> accepts.</summary>
    public MechanismRegistry Filter(Func<ulong, bool> allow)
    {
        var r = new MechanismRegistry();
        foreach (var (type, e) in _entries)
            if (allow(type)) r.Add(type, e.Info, e.Mechanism);
        return r;
    }
}
