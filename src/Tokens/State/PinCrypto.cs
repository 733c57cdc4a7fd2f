using System.Security.Cryptography;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>
/// A PIN's record: the token master key wrapped (AES-256-GCM) under a key derived from the PIN with
/// PBKDF2-HMAC-SHA512 and a per-record salt. Holds no PIN and nothing that reveals the key without it.
/// </summary>
public sealed record PinRecord(byte[] Salt, int Iterations, byte[] WrappedMasterKey);

/// <summary>Master-key wrapping under PINs and sealing of secret attribute values at rest.</summary>
public static class PinCrypto
{
    public const int MasterKeyLength = 32;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    public static byte[] NewMasterKey() => RandomNumberGenerator.GetBytes(MasterKeyLength);

    public static PinRecord Wrap(byte[] masterKey, ReadOnlySpan<byte> pin, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var kek = Derive(pin, salt, iterations);
        try
        {
            return new PinRecord(salt, iterations, Seal(kek, masterKey, "ock-master-key"u8));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>Unwraps the master key with a PIN; null when the PIN is wrong.</summary>
    public static byte[]? TryUnwrap(PinRecord record, ReadOnlySpan<byte> pin)
    {
        var kek = Derive(pin, record.Salt, record.Iterations);
        try
        {
            return TryOpen(kek, record.WrappedMasterKey, "ock-master-key"u8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private static byte[] Derive(ReadOnlySpan<byte> pin, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(pin, salt, iterations, HashAlgorithmName.SHA512, 32);

    /// <summary>AES-256-GCM: nonce || ciphertext || tag, with associated data.</summary>
    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var blob = new byte[NonceLength + plaintext.Length + TagLength];
        var nonce = blob.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagLength);
        gcm.Encrypt(nonce, plaintext, blob.AsSpan(NonceLength, plaintext.Length), blob.AsSpan(NonceLength + plaintext.Length), associatedData);
        return blob;
    }

    public static byte[]? TryOpen(byte[] key, ReadOnlySpan<byte> blob, ReadOnlySpan<byte> associatedData)
    {
        if (blob.Length < NonceLength + TagLength) return null;
        var plaintext = new byte[blob.Length - NonceLength - TagLength];
        using var gcm = new AesGcm(key, TagLength);
        try
        {
            gcm.Decrypt(blob[..NonceLength], blob.Slice(NonceLength, plaintext.Length), blob[^TagLength..], plaintext, associatedData);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="obj"/> has a value that is sealed at rest (<see cref="TemplateValidator.IsSecretAtRest"/>).</summary>
    public static bool HasSecrets(AttributeSet obj)
    {
        foreach (var (type, _) in obj)
            if (TemplateValidator.IsSecretAtRest(obj, type)) return true;
        return false;
    }

    /// <summary>
    /// Object <paramref name="id"/>'s attributes with every value that is secret at rest sealed under <paramref name="key"/>
    /// (associated data: <see cref="AttributeAad"/>); the same set when it has none.
    /// </summary>
    public static AttributeSet SealSecrets(byte[] key, ulong id, AttributeSet plain)
    {
        if (!HasSecrets(plain)) return plain;
        var stored = new AttributeSet();
        foreach (var (type, value) in plain)
            stored.Set(type, TemplateValidator.IsSecretAtRest(plain, type) ? Seal(key, value, AttributeAad(id, type)) : value);
        return stored;
    }

    /// <summary>
    /// Object <paramref name="id"/>'s stored attributes with every sealed value opened with <paramref name="key"/>; null when one does not
    /// open (damaged ciphertext, another key), <paramref name="failedType"/> naming it.
    /// </summary>
    public static AttributeSet? OpenSecrets(byte[] key, ulong id, AttributeSet stored, out ulong failedType)
    {
        failedType = 0;
        var open = new AttributeSet();
        foreach (var (type, value) in stored)
        {
            if (!TemplateValidator.IsSecretAtRest(stored, type))
            {
                open.Set(type, value);
                continue;
            }

            var plain = TryOpen(key, value, AttributeAad(id, type));
            if (plain is null)
            {
                failedType = type;
                return null;
            }

            open.Set(type, plain);
        }

        return open;
    }

    /// <summary>
    /// Object <paramref name="id"/>'s stored attributes with every sealed value moved from key <paramref name="from"/> to <paramref name="to"/>
    /// (same associated data). A value that does not open under <paramref name="from"/> is kept as it is and named to <paramref name="damaged"/>.
    /// </summary>
    public static AttributeSet ResealSecrets(byte[] from, byte[] to, ulong id, AttributeSet stored, Action<ulong> damaged)
    {
        if (!HasSecrets(stored)) return stored;
        var moved = new AttributeSet();
        foreach (var (type, value) in stored)
        {
            if (!TemplateValidator.IsSecretAtRest(stored, type))
            {
                moved.Set(type, value);
                continue;
            }

            var aad = AttributeAad(id, type);
            var plain = TryOpen(from, value, aad);
            if (plain is null)
            {
                damaged(type);
                moved.Set(type, value);
                continue;
            }

            moved.Set(type, Seal(to, plain, aad));
            CryptographicOperations.ZeroMemory(plain);
        }

        return moved;
    }

    /// <summary>Associated data binding a sealed attribute value to its object and attribute type.</summary>
    public static byte[] AttributeAad(ulong objectId, ulong type)
    {
        var aad = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(aad, objectId);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(aad.AsSpan(8), type);
        return aad;
    }
}
