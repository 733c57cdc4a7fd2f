using System.Security.Cryptography;
using OpenCryptokiActors.Cryptoki.Pkcs11;
using OpenCryptokiActors.Cryptoki.Wire;
using OpenCryptokiActors.Tokens.Objects;

namespace OpenCryptokiActors.Tokens.State;

/// <summary>How a saveable operation was started: enough to start it again (the key is supplied again by the caller).</summary>
/// <param name="Kind">The session's operation kind (its number in the session's vocabulary).</param>
/// <param name="KeyFingerprint">HMAC of the key's identity under the application's state key; empty for a digest.</param>
public sealed record StateOrigin(ulong Kind, ulong Mechanism, byte[]? Parameter, byte[] KeyFingerprint);

/// <summary>
/// What a multi-part operation has been fed, so that its state can be saved: the providers' cipher, hash and MAC
/// contexts cannot be exported, the input can be fed again. Up to <see cref="Limit"/> bytes; past that, or once key
/// material has been digested (C_DigestKey), the operation is unsaveable.
/// </summary>
public sealed class Recording(StateOrigin origin)
{
    public const int Limit = 1 << 20;

    private MemoryStream? _seen = new();

    public StateOrigin Origin { get; } = origin;

    public bool Saveable => _seen is not null;

    public ReadOnlySpan<byte> Seen => _seen is null ? default : _seen.GetBuffer().AsSpan(0, (int)_seen.Length);

    public void Record(ReadOnlySpan<byte> data)
    {
        if (_seen is null) return;
        if (_seen.Length + data.Length > Limit) Forget();
        else _seen.Write(data);
    }

    /// <summary>Drops what was seen: the operation is no longer saveable.</summary>
    public void Forget()
    {
        if (_seen is not null) CryptographicOperations.ZeroMemory(_seen.GetBuffer());
        _seen = null;
    }
}

/// <summary>
/// The C_GetOperationState blob: <c>"OCKS"</c>, <c>u8 version</c> (2), a 12-byte nonce, then AES-256-GCM (key derived
/// from the application's state key, the 5 header bytes as associated data) of: <c>u64 count</c> and per operation
/// <c>u64 kind</c>, <c>u64 mechanism</c>, <c>nullable bytes parameter</c>, <c>bytes keyFingerprint</c>,
/// <c>bytes seen</c>; the 16-byte tag last. The data an encryption or signature has seen is sealed, never readable
/// outside the daemon; a blob opens only in the application that saved it, and a keyed operation only restores with
/// the same key (the fingerprint), which lives in the same token.
/// </summary>
public static class OperationStateBlob
{
    private static ReadOnlySpan<byte> Magic => "OCKS"u8;

    private const byte Version = 2;
    private const int HeaderLength = 5;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    private static byte[] SealKey(byte[] stateKey) => HMACSHA256.HashData(stateKey, "OCKS operation state seal"u8);

    /// <summary>Identifies a key without revealing it: HMAC over its CKA_UNIQUE_ID, class, type and public or secret value.</summary>
    public static byte[] KeyFingerprint(byte[] stateKey, AttributeSet key)
    {
        using var w = new WireWriter(256);
        foreach (var type in (ReadOnlySpan<ulong>)[CKA.UNIQUE_ID, CKA.CLASS, CKA.KEY_TYPE, CKA.VALUE, CKA.MODULUS, CKA.EC_POINT, CKA.PUBLIC_EXPONENT])
        {
            w.WriteULong(type);
            w.WriteNullableBytes(key.TryGet(type, out var value) ? value : null);
        }

        return HMACSHA256.HashData(stateKey, w.WrittenSpan);
    }

    public static byte[] Seal(byte[] stateKey, IReadOnlyList<Recording> operations)
    {
        using var w = new WireWriter(256);
        w.WriteULong((ulong)operations.Count);
        foreach (var op in operations)
        {
            w.WriteULong(op.Origin.Kind);
            w.WriteULong(op.Origin.Mechanism);
            w.WriteNullableBytes(op.Origin.Parameter);
            w.WriteBytes(op.Origin.KeyFingerprint);
            w.WriteBytes(op.Seen);
        }

        var plain = w.WrittenSpan;
        var blob = new byte[HeaderLength + NonceLength + plain.Length + TagLength];
        Magic.CopyTo(blob);
        blob[4] = Version;
        RandomNumberGenerator.Fill(blob.AsSpan(HeaderLength, NonceLength));
        using var gcm = new AesGcm(SealKey(stateKey), TagLength);
        gcm.Encrypt(blob.AsSpan(HeaderLength, NonceLength), plain, blob.AsSpan(HeaderLength + NonceLength, plain.Length),
            blob.AsSpan(blob.Length - TagLength), blob.AsSpan(0, HeaderLength));
        w.Clear();
        return blob;
    }

    /// <summary>The saved operations, or CKR_SAVED_STATE_INVALID for a blob that is malformed, altered or another application's.</summary>
    public static List<(StateOrigin Origin, byte[] Seen)> Open(byte[] stateKey, byte[] blob)
    {
        if (blob.Length < HeaderLength + NonceLength + TagLength || !blob.AsSpan(0, 4).SequenceEqual(Magic) || blob[4] != Version)
            throw new CkException(CKR.SAVED_STATE_INVALID);
        var plain = new byte[blob.Length - HeaderLength - NonceLength - TagLength];
        try
        {
            using var gcm = new AesGcm(SealKey(stateKey), TagLength);
            gcm.Decrypt(blob.AsSpan(HeaderLength, NonceLength), blob.AsSpan(HeaderLength + NonceLength, plain.Length),
                blob.AsSpan(blob.Length - TagLength), plain, blob.AsSpan(0, HeaderLength));
            var r = new WireReader(plain);
            var count = r.ReadULong();
            if (count > 8) throw new CkException(CKR.SAVED_STATE_INVALID);
            var result = new List<(StateOrigin, byte[])>();
            for (var i = 0UL; i < count; i++)
            {
                var kind = r.ReadULong();
                var origin = new StateOrigin(kind, r.ReadULong(), r.ReadNullableBytes(), r.ReadBytes());
                result.Add((origin, r.ReadBytes()));
            }

            r.ExpectEnd();
            return result;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CkException(CKR.SAVED_STATE_INVALID);
        }
        catch (WireFormatException)
        {
            throw new CkException(CKR.SAVED_STATE_INVALID);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }
}
