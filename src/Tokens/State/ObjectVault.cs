using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// The token's keys in memory and the sealing of secret values at rest: private objects' secrets under the master key
/// (held only while someone is logged in), public objects' under the token's object key (its key file, held for the
/// token's life); opened copies cached until the object changes or the master key is dropped. No key or opened value
/// leaves it but to a caller that asked for one.
/// </summary>
public sealed class ObjectVault(byte[] objectKey, Action<string> error)
{
    private readonly Dictionary<ulong, AttributeSet> _unsealed = new();

    /// <summary>The master key, while someone is logged in.</summary>
    public byte[]? MasterKey { get; private set; }

    /// <summary>During a rekey under way here: the new master key (objects already resealed open under it).</summary>
    public byte[]? RekeyNew { get; set; }

    public byte[] ObjectKey { get; } = objectKey;

    /// <summary>Keeps <paramref name="key"/> as the master key unless one is held already (then it is zeroed).</summary>
    public void Offer(byte[] key)
    {
        if (MasterKey is null) MasterKey = key;
        else CryptographicOperations.ZeroMemory(key);
    }

    /// <summary>Replaces the master key (a completed rekey) by a copy of <paramref name="key"/>, if one is held.</summary>
    public void Replace(byte[] key)
    {
        if (MasterKey is null) return;
        CryptographicOperations.ZeroMemory(MasterKey);
        MasterKey = (byte[])key.Clone();
    }

    /// <summary>Drops the master key and every unsealed value from memory.</summary>
    public void Forget()
    {
        if (MasterKey is not null) CryptographicOperations.ZeroMemory(MasterKey);
        MasterKey = null;
        _unsealed.Clear();
    }

    /// <summary>An object changed or went: its opened copy is dropped.</summary>
    public void Forget(ulong id) => _unsealed.Remove(id);

    /// <summary>
    /// A token object's attributes with secret values opened (for use as a key, copy, or change), cached.
    /// <paramref name="resealed"/>: during a rekey, whether the object is under the new master key already.
    /// </summary>
    public AttributeSet Open(ulong id, AttributeSet stored, bool resealed)
    {
        if (_unsealed.TryGetValue(id, out var open)) return open;
        if (!PinCrypto.HasSecrets(stored)) return stored;
        byte[] key;
        if (stored.IsTrue(CKA.PRIVATE))
        {
            key = MasterKey ?? throw new CkException(CKR.USER_NOT_LOGGED_IN);
            if (resealed) key = RekeyNew ?? throw Damaged(id, 0);
        }
        else key = ObjectKey;

        open = PinCrypto.OpenSecrets(key, id, stored, out var failed) ?? throw Damaged(id, failed);
        _unsealed[id] = open;
        return open;
    }

    /// <summary>A sealed value that does not open (damaged ciphertext): logged with the object's id; the caller gets CKR_DEVICE_ERROR.</summary>
    private CkException Damaged(ulong id, ulong type)
    {
        error($"object {id}: sealed attribute 0x{type:X} does not open (damaged ciphertext)");
        return new CkException(CKR.DEVICE_ERROR, $"token object {id}: sealed attribute does not open");
    }

    /// <summary>
    /// A token object's attributes as stored: secret values of a private object sealed under the master key, those of a
    /// public object under the object key, so that no key value is ever journaled in clear.
    /// </summary>
    public AttributeSet Seal(ulong id, AttributeSet plain) =>
        PinCrypto.SealSecrets(plain.IsTrue(CKA.PRIVATE) ? MasterKey ?? throw new CkException(CKR.USER_NOT_LOGGED_IN) : ObjectKey, id, plain);

    /// <summary>A public object's attributes with its secret values sealed under the object key (private objects: as they are).</summary>
    public AttributeSet SealPublic(ulong id, AttributeSet attrs) => attrs.IsTrue(CKA.PRIVATE) ? attrs : PinCrypto.SealSecrets(ObjectKey, id, attrs);

    /// <summary>Zeroes every key it holds (the token stops).</summary>
    public void Dispose()
    {
        Forget();
        if (RekeyNew is not null) CryptographicOperations.ZeroMemory(RekeyNew);
        CryptographicOperations.ZeroMemory(ObjectKey);
    }
}
