using System.Security.Cryptography;

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

    /// <summary>Associated data binding a sealed attribute value to its object and attribute type.</summary>
    public static byte[] AttributeAad(ulong objectId, ulong type)
    {
        var aad = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(aad, objectId);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(aad.AsSpan(8), type);
        return aad;
    }
}
